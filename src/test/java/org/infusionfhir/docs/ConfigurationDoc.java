package org.infusionfhir.docs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.yaml.snakeyaml.Yaml;

/**
 * {@code docs/configuration.md}, generated from the metadata that {@code spring-boot-configuration-processor}
 * writes for our {@code @ConfigurationProperties} records (their javadoc is the description), so that the
 * properties are documented once, in code. Defaults come from the metadata ({@code @DefaultValue}), or from
 * application.yaml for the few that follow from another property.
 */
final class ConfigurationDoc {

  static final Path METADATA = Path.of("target/classes/META-INF/spring-configuration-metadata.json");
  static final Path APPLICATION_YAML = Path.of("src/main/resources/application.yaml");
  static final Path DOC = Path.of("docs/configuration.md");
  static final String REGENERATE =
      "mvn -B -q -o test -Dtest=ConfigurationDocTest -Dconfig-doc.write=true";

  /** One property as the document shows it. */
  record Property(String name, String type, String javaType, String defaultValue, String description) {

    boolean isMap() {
      return javaType.startsWith("java.util.Map<");
    }

    /** The environment variable form: upper case, {@code .} and {@code -} as {@code _}. */
    String environmentVariable() {
      return name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }
  }

  private static final String INTRO = """
      # Configuration

      <!-- Generated from the configuration metadata by ConfigurationDocTest; do not edit by hand.
           Regenerate: %s -->

      Every property below can be set in three ways, the later winning over the earlier:
      - in an `application.yaml` (or `.properties`) beside the jar or under `./config/`;
      - as an environment variable, upper case with `.` and `-` as `_`: `INFUSION_LIMITS_MAX_BODY_SIZE=50MB`;
      - on the command line: `java -jar target/infusion-fhir.jar --infusion.limits.max-body-size=50MB`.

      Durations take a unit (`500ms`, `30s`, `5m`, `2h`), sizes too (`512KB`, `20MB`). Lists are comma-separated.
      Map properties (a `.<KEY>` at the end of the name) are set one key at a time; environment variables lose
      the key's case, so set those in a file or in `SPRING_APPLICATION_JSON`.

      Spring's own properties that matter here:

      | property | default | what |
      |---|---|---|
      | `server.port` | `8080` | the HTTP port |
      | `server.forward-headers-strategy` | `none` | `native`: believe `X-Forwarded-For`, `-Proto`, `-Host` and `-Port` from the proxies `server.tomcat.remoteip.internal-proxies` names, and from no one else ([security](security.md#behind-a-reverse-proxy)). `framework` is refused |
      | `server.tomcat.remoteip.internal-proxies` | Tomcat's: every private and loopback address | with `native`, a regular expression matching your proxy's address alone, e.g. `10\\.0\\.0\\.7` |
      | `spring.datasource.url` / `.username` / `.password` | H2 file under `infusion.data-dir` | the database; a `jdbc:postgresql:` URL selects PostgreSQL |
      | `spring.profiles.active` | none | `postgres`: the production database settings, read from `INFUSION_DB_URL`, `INFUSION_DB_USER` and `INFUSION_DB_PASSWORD` (`src/main/resources/application-postgres.yaml`); `demo`: the demo clinic's assigning authority `CLINIC` (`src/main/resources/application-demo.yaml`), for the README's demo, never for a clinic |
      """;

  private ConfigurationDoc() {}

  /** The document for the metadata and application.yaml in this working copy. */
  static String generate() throws IOException {
    return render(properties(new ObjectMapper().readTree(METADATA.toFile()), yamlDefaults()));
  }

  /** The {@code infusion.*} values application.yaml sets, by their dotted names. */
  static Map<String, String> yamlDefaults() throws IOException {
    var flat = new TreeMap<String, String>();
    try (var in = Files.newInputStream(APPLICATION_YAML)) {
      flatten("", new Yaml().load(in), flat);
    }
    flat.keySet().removeIf(name -> !name.startsWith("infusion."));
    return flat;
  }

  private static void flatten(String prefix, Object node, Map<String, String> into) {
    if (node instanceof Map<?, ?> map) {
      map.forEach((key, value) -> flatten(prefix.isEmpty() ? key.toString() : prefix + "." + key, value, into));
    } else if (node instanceof List<?> list) {
      into.put(prefix, list.stream().map(String::valueOf).collect(Collectors.joining(",")));
    } else {
      into.put(prefix, String.valueOf(node));
    }
  }

  /** Our properties in the metadata, sorted by name, with application.yaml's value where code has none. */
  static List<Property> properties(JsonNode metadata, Map<String, String> yamlDefaults) {
    var properties = new ArrayList<Property>();
    for (var node : metadata.path("properties")) {
      var name = node.path("name").asText();
      if (!name.startsWith("infusion.")) {
        continue;
      }
      var javaType = node.path("type").asText();
      var defaultValue = defaultValue(node.path("defaultValue"));
      if (defaultValue == null) {
        defaultValue = yamlDefault(name, javaType, yamlDefaults);
      }
      properties.add(new Property(name, displayType(javaType), javaType, defaultValue,
          plain(node.path("description").asText(""))));
    }
    properties.sort((a, b) -> a.name().compareTo(b.name()));
    return properties;
  }

  private static String defaultValue(JsonNode value) {
    if (value.isMissingNode() || value.isNull()) {
      return null;
    }
    if (value.isArray()) {
      return StreamSupport.stream(value.spliterator(), false).map(JsonNode::asText)
          .collect(Collectors.joining(","));
    }
    // The processor writes a list's @DefaultValue as one "[a, b]" string; shown as it is set: a,b
    var text = value.asText();
    return text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1).replace(", ", ",") : text;
  }

  private static String yamlDefault(String name, String javaType, Map<String, String> yamlDefaults) {
    if (yamlDefaults.containsKey(name)) {
      return yamlDefaults.get(name);
    }
    if (javaType.startsWith("java.util.Map<")) {
      var entries = yamlDefaults.entrySet().stream().filter(e -> e.getKey().startsWith(name + "."))
          .map(e -> e.getKey().substring(name.length() + 1) + "=" + e.getValue()).toList();
      return entries.isEmpty() ? null : String.join(", ", entries);
    }
    return null;
  }

  /** {@code java.util.List<java.lang.String>} as {@code List<String>}; an enum as its values. */
  static String displayType(String javaType) {
    return QUALIFIED.matcher(javaType).replaceAll(name -> {
      var values = enumValues(name.group());
      return Matcher.quoteReplacement(values != null ? values : name.group(1));
    }).replace(",", ", ");
  }

  private static final Pattern QUALIFIED = Pattern.compile("[\\w.]+[.$](\\w+)");

  private static String enumValues(String javaType) {
    try {
      var type = Class.forName(javaType);
      if (type.isEnum()) {
        return Arrays.stream(type.getEnumConstants()).map(c -> ((Enum<?>) c).name().toLowerCase(Locale.ROOT))
            .collect(Collectors.joining(" \\| "));
      }
    } catch (ClassNotFoundException notAClass) {
      // a generic or primitive type name
    }
    return null;
  }

  /** Javadoc text as one line of Markdown. */
  static String plain(String javadoc) {
    return javadoc.replaceAll("\\{@(?:code|literal) ([^}]*)}", "`$1`")
        .replaceAll("\\{@link(?:plain)? (?:[\\w.]*#)?([^}]*)}", "$1")
        .replaceAll("\\s+", " ").replace("|", "\\|").trim();
  }

  /** The feature a property belongs to: {@code infusion.hl7v2} for {@code infusion.hl7v2.mllp.port}. */
  static String feature(String name) {
    var parts = name.split("\\.");
    return parts.length > 2 ? parts[0] + "." + parts[1] : name;
  }

  static String render(List<Property> properties) {
    var byFeature = new LinkedHashMap<String, List<Property>>();
    properties.stream().sorted((a, b) -> {
      int features = feature(a.name()).compareTo(feature(b.name()));
      return features != 0 ? features : a.name().compareTo(b.name());
    }).forEach(p -> byFeature.computeIfAbsent(feature(p.name()), f -> new ArrayList<>()).add(p));
    var out = new StringBuilder(String.format(INTRO, REGENERATE));
    byFeature.forEach((feature, ofFeature) -> {
      boolean single = ofFeature.size() == 1 && ofFeature.get(0).name().equals(feature);
      out.append("\n## `").append(single ? feature : feature + ".*").append("`\n\n");
      out.append("| property | type | default | environment variable | what |\n");
      out.append("|---|---|---|---|---|\n");
      for (var p : ofFeature) {
        var name = p.isMap() ? p.name() + ".<KEY>" : p.name();
        var env = p.isMap() ? "(a file, see above)" : "`" + p.environmentVariable() + "`";
        out.append("| `").append(name).append("` | ").append(p.type().replace("<", "&lt;").replace(">", "&gt;"))
            .append(" | ").append(p.defaultValue() == null || p.defaultValue().isEmpty() ? "" : "`" + p.defaultValue() + "`")
            .append(" | ").append(env).append(" | ").append(p.description()).append(" |\n");
      }
    });
    return out.toString();
  }
}
