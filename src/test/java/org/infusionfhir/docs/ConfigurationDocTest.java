package org.infusionfhir.docs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Configuration is documented once: in the properties records, from which {@code docs/configuration.md} is
 * generated. Runs without a server.
 */
class ConfigurationDocTest {

  private static JsonNode metadata;

  @BeforeAll
  static void readMetadata() throws Exception {
    assertThat(ConfigurationDoc.METADATA).as("the configuration processor's output (compile first)").exists();
    metadata = new ObjectMapper().readTree(ConfigurationDoc.METADATA.toFile());
  }

  @Test
  void theCommittedConfigurationDocIsTheOneTheMetadataGenerates() throws Exception {
    var generated = ConfigurationDoc.generate();
    if (Boolean.getBoolean("config-doc.write")) {
      Files.createDirectories(ConfigurationDoc.DOC.getParent());
      Files.writeString(ConfigurationDoc.DOC, generated);
    }
    var committed = Files.exists(ConfigurationDoc.DOC) ? Files.readString(ConfigurationDoc.DOC) : "";
    assertThat(committed)
        .withFailMessage(() -> ConfigurationDoc.DOC + " is stale; regenerate it with: " + ConfigurationDoc.REGENERATE
            + "\nfirst difference: " + firstDifference(committed, generated))
        .isEqualTo(generated);
  }

  @Test
  void everyPropertyOfOursHasADescription() {
    var undescribed = new ArrayList<String>();
    for (var property : metadata.path("properties")) {
      if (property.path("name").asText().startsWith("infusion.") && property.path("description").asText("").isBlank()) {
        undescribed.add(property.path("name").asText());
      }
    }
    assertThat(undescribed).as("properties without javadoc on their record component").isEmpty();
  }

  /** A value with a unit in its name ({@code search-reuse-millis}) is a Duration ({@code search-reuse=500ms}). */
  @Test
  void everyDurationIsADuration() {
    var timeLike = Pattern.compile(".*(-millis|-ms|-seconds|-minutes|-hours|timeout|interval|-wait|window|"
        + "retention|lifetime|-after|skew)$");
    var notDurations = new ArrayList<String>();
    for (var property : metadata.path("properties")) {
      var name = property.path("name").asText();
      if (name.startsWith("infusion.") && timeLike.matcher(name).matches()
          && !property.path("type").asText().equals("java.time.Duration")) {
        notDurations.add(name + " (" + property.path("type").asText() + ")");
      }
    }
    assertThat(notDurations).isEmpty();
  }

  @Test
  void noDefaultIsGivenBothInCodeAndInApplicationYaml() throws Exception {
    var yaml = ConfigurationDoc.yamlDefaults();
    var twice = new ArrayList<String>();
    for (var property : metadata.path("properties")) {
      var name = property.path("name").asText();
      if (yaml.containsKey(name) && property.has("defaultValue")) {
        twice.add(name + ": " + property.path("defaultValue") + " in code, " + yaml.get(name) + " in application.yaml");
      }
    }
    assertThat(twice).isEmpty();
    assertThat(yaml).as("every infusion.* key of application.yaml is a documented property")
        .allSatisfy((name, value) -> assertThat(ConfigurationDoc.properties(metadata, yaml))
            .anyMatch(p -> p.name().equals(name) || p.isMap() && name.startsWith(p.name() + ".")));
  }

  /**
   * One style for every properties record: a top-level record named for its feature, its groups records
   * nested in it and always bound ({@code @DefaultValue} on the component, so never null).
   */
  @Test
  void everyPropertiesTypeIsATopLevelRecordWithItsGroupsNestedAndAlwaysBound() throws Exception {
    var problems = new ArrayList<String>();
    for (var group : metadata.path("groups")) {
      var name = group.path("name").asText();
      if (!name.startsWith("infusion.")) {
        continue;
      }
      var type = Class.forName(group.path("type").asText());
      if (!type.isRecord()) {
        problems.add(name + ": " + type.getName() + " is not a record");
      }
      var outer = type.getEnclosingClass();
      if (outer == null) {
        if (!type.getSimpleName().endsWith("Properties")) {
          problems.add(name + ": " + type.getName() + " is not named ...Properties");
        }
        continue;
      }
      // A group: a record nested in the record that holds it, bound even when none of its keys is set.
      if (!outer.isRecord()) {
        problems.add(name + ": " + type.getName() + " is not nested in its properties record");
        continue;
      }
      var components = outer.getRecordComponents();
      var canonical = outer.getDeclaredConstructor(
          Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new));
      for (int i = 0; i < components.length; i++) {
        if (components[i].getType().equals(type) && !canonical.getParameters()[i].isAnnotationPresent(DefaultValue.class)) {
          problems.add(name + ": " + outer.getSimpleName() + "." + components[i].getName() + " has no @DefaultValue");
        }
      }
    }
    assertThat(problems).isEmpty();
  }

  private static String firstDifference(String committed, String generated) {
    var a = committed.lines().toList();
    var b = generated.lines().toList();
    for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
      var left = i < a.size() ? a.get(i) : "<end of file>";
      var right = i < b.size() ? b.get(i) : "<end of file>";
      if (!left.equals(right)) {
        return "line " + (i + 1) + "\n  committed: " + left + "\n  generated: " + right;
      }
    }
    return "none by line (line endings?)";
  }
}
