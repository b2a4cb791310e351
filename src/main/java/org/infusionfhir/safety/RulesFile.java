package org.infusionfhir.safety;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.r4.model.DetectedIssue.DetectedIssueSeverity;
import org.infusionfhir.adapter.VitalSigns;
import org.infusionfhir.adapter.VitalSigns.CsvTable;
import org.infusionfhir.safety.SafetyRule.Comparison;
import org.infusionfhir.safety.SafetyRule.DischargeLimit;
import org.infusionfhir.safety.SafetyRule.Limit;
import org.infusionfhir.safety.SafetyRule.Measure;
import org.infusionfhir.safety.SafetyRule.Phase;
import org.springframework.boot.convert.DurationStyle;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads a rules file (the built-in {@code safety/rules.yaml} or a clinic's own). Every fault is refused with
 * the file, the line and the field, so that a clinic's edit cannot start a server that watches less than the
 * clinic believes. Measures must be ones our vital-sign and score tables know, so that a rule cannot watch a
 * code no reading will ever carry.
 */
public final class RulesFile {

  public static final String BUILT_IN = "safety/rules.yaml";

  /** The rules and the discharge limits of one file. */
  public record Rules(String file, List<SafetyRule> rules, List<DischargeLimit> discharge,
      DetectedIssueSeverity dischargeSeverity) {

    /** The rules that watch a measure, by its {@code system|code}. */
    public Map<String, List<SafetyRule>> byMeasure() {
      var map = new HashMap<String, List<SafetyRule>>();
      rules.forEach(rule -> map.computeIfAbsent(rule.measure().token(), k -> new ArrayList<>()).add(rule));
      return map;
    }
  }

  /** A fault in a rules file: where it is and what is wrong. */
  public static final class RulesFileException extends IllegalStateException {
    RulesFileException(String file, Node node, String field, String problem) {
      super("safety rules file " + file + ", line " + (node == null ? 1 : node.getStartMark().getLine() + 1)
          + ", field '" + field + "': " + problem);
    }

    RulesFileException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private static final Set<String> RULE_FIELDS =
      Set.of("code", "measure", "when", "readings", "lasting", "phase", "severity", "message", "source");
  private static final Set<String> LIMIT_FIELDS = Set.of("measure", "when", "message", "source");

  private final String file;
  private final Map<String, String> knownMeasures;

  private RulesFile(String file, Map<String, String> knownMeasures) {
    this.file = file;
    this.knownMeasures = knownMeasures;
  }

  /** The clinic's file when one is named, else the built-in defaults. */
  public static Rules load(Path clinicFile, VitalSigns vitalSigns) {
    if (clinicFile == null) {
      try (var in = RulesFile.class.getClassLoader().getResourceAsStream(BUILT_IN)) {
        return new RulesFile("classpath:" + BUILT_IN, knownMeasures(vitalSigns)).read(in);
      } catch (IOException e) {
        throw new RulesFileException("cannot read the built-in " + BUILT_IN, e);
      }
    }
    try (var in = Files.newInputStream(clinicFile)) {
      return new RulesFile(clinicFile.toString(), knownMeasures(vitalSigns)).read(in);
    } catch (IOException e) {
      throw new RulesFileException("safety rules file " + clinicFile + " (infusion.safety.rules-file) cannot be read: "
          + e.getMessage(), e);
    }
  }

  /** system|code to display, from the vital-sign measures and the score instruments the adapters write. */
  private static Map<String, String> knownMeasures(VitalSigns vitalSigns) {
    var known = new LinkedHashMap<String, String>();
    for (var row : CsvTable.read("adapter/vital-sign-measures.csv")) {
      vitalSigns.byLoinc(row.get(1)).ifPresent(m -> known.put("http://loinc.org|" + m.loinc(), m.loincDisplay()));
      if (!row.get(3).isBlank()) {
        known.put("http://loinc.org|" + row.get(3), row.get(4));
      }
    }
    for (var row : CsvTable.read("intake/instruments.csv")) {
      known.put(row.get(2) + "|" + row.get(3), row.get(4));
    }
    return known;
  }

  private Rules read(InputStream in) {
    Node root;
    try {
      root = new Yaml(new SafeConstructor(new LoaderOptions()))
          .compose(new InputStreamReader(in, StandardCharsets.UTF_8));
    } catch (MarkedYAMLException e) {
      throw new RulesFileException("safety rules file " + file + ", line " + (e.getProblemMark().getLine() + 1)
          + ": not valid YAML: " + e.getProblem(), e);
    }
    if (!(root instanceof MappingNode top)) {
      throw new RulesFileException(file, root, "rules", "the file must be a mapping with 'rules' and 'discharge'");
    }
    var fields = fields(top, Set.of("rules", "discharge"), "");
    if (!(fields.get("rules") instanceof SequenceNode list) || list.getValue().isEmpty()) {
      throw new RulesFileException(file, fields.getOrDefault("rules", top), "rules", "a list of at least one rule is required");
    }
    var rules = new ArrayList<SafetyRule>();
    var codes = new HashMap<String, Node>();
    for (int i = 0; i < list.getValue().size(); i++) {
      var rule = rule(list.getValue().get(i), "rules[" + i + "]");
      var earlier = codes.putIfAbsent(rule.code(), list.getValue().get(i));
      if (earlier != null) {
        throw new RulesFileException(file, list.getValue().get(i), "rules[" + i + "].code", "rule code '" + rule.code()
            + "' is used twice (also on line " + (earlier.getStartMark().getLine() + 1) + ")");
      }
      rules.add(rule);
    }
    var discharge = new ArrayList<DischargeLimit>();
    var dischargeSeverity = DetectedIssueSeverity.HIGH;
    if (fields.get("discharge") != null) {
      if (!(fields.get("discharge") instanceof MappingNode dischargeNode)) {
        throw new RulesFileException(file, fields.get("discharge"), "discharge", "must be a mapping with 'severity' and 'limits'");
      }
      var d = fields(dischargeNode, Set.of("severity", "limits"), "discharge.");
      if (d.get("severity") != null) {
        dischargeSeverity = severity(d.get("severity"), "discharge.severity");
      }
      if (d.get("limits") != null) {
        if (!(d.get("limits") instanceof SequenceNode limits)) {
          throw new RulesFileException(file, d.get("limits"), "discharge.limits", "must be a list");
        }
        for (int i = 0; i < limits.getValue().size(); i++) {
          discharge.add(dischargeLimit(limits.getValue().get(i), "discharge.limits[" + i + "]"));
        }
      }
    }
    return new Rules(file, List.copyOf(rules), List.copyOf(discharge), dischargeSeverity);
  }

  private SafetyRule rule(Node node, String where) {
    if (!(node instanceof MappingNode mapping)) {
      throw new RulesFileException(file, node, where, "a rule must be a mapping of " + RULE_FIELDS);
    }
    var f = fields(mapping, RULE_FIELDS, where + ".");
    var code = required(f, mapping, "code", where);
    if (!code.matches("[a-z0-9][a-z0-9-]*")) {
      throw new RulesFileException(file, f.get("code"), where + ".code", "'" + code
          + "' is not a code: lower-case letters, digits and '-'");
    }
    var measure = measure(f, mapping, where);
    var limit = limit(f, mapping, where, measure);
    int readings = 1;
    if (f.get("readings") != null) {
      try {
        readings = Integer.parseInt(scalar(f.get("readings"), where + ".readings"));
      } catch (NumberFormatException e) {
        readings = 0;
      }
      if (readings < 1 || readings > 50) {
        throw new RulesFileException(file, f.get("readings"), where + ".readings", "must be a whole number from 1 to 50");
      }
    }
    var lasting = Duration.ZERO;
    if (f.get("lasting") != null) {
      try {
        lasting = DurationStyle.detectAndParse(scalar(f.get("lasting"), where + ".lasting"));
      } catch (IllegalArgumentException e) {
        throw new RulesFileException(file, f.get("lasting"), where + ".lasting", "not a duration (e.g. 30s, 2m)");
      }
      if (lasting.isNegative() || lasting.compareTo(Duration.ofHours(2)) > 0) {
        throw new RulesFileException(file, f.get("lasting"), where + ".lasting", "must be from 0s to 2h");
      }
    }
    var phases = phases(f.get("phase"), mapping, where + ".phase");
    var severity = f.get("severity") == null ? DetectedIssueSeverity.MODERATE : severity(f.get("severity"), where + ".severity");
    var message = required(f, mapping, "message", where);
    var source = required(f, mapping, "source", where);
    return new SafetyRule(code, measure, limit, readings, lasting, phases, severity, message, source);
  }

  private DischargeLimit dischargeLimit(Node node, String where) {
    if (!(node instanceof MappingNode mapping)) {
      throw new RulesFileException(file, node, where, "a discharge limit must be a mapping of " + LIMIT_FIELDS);
    }
    var f = fields(mapping, LIMIT_FIELDS, where + ".");
    var measure = measure(f, mapping, where);
    return new DischargeLimit(measure, limit(f, mapping, where, measure), required(f, mapping, "message", where),
        required(f, mapping, "source", where));
  }

  private Measure measure(Map<String, Node> f, Node parent, String where) {
    var token = required(f, parent, "measure", where);
    var display = knownMeasures.get(token);
    if (display == null) {
      throw new RulesFileException(file, f.get("measure"), where + ".measure", "'" + token
          + "' is no measure of the vital-sign or score tables (system|code, e.g. http://loinc.org|8480-6); known: "
          + knownMeasures.keySet());
    }
    int bar = token.indexOf('|');
    return new Measure(token.substring(0, bar), token.substring(bar + 1), display);
  }

  private Limit limit(Map<String, Node> f, Node parent, String where, Measure measure) {
    var text = required(f, parent, "when", where).trim();
    var parts = text.split("\\s+");
    var comparison = parts.length >= 2 ? Comparison.of(parts[0]) : null;
    if (comparison == null || parts.length > 3) {
      throw new RulesFileException(file, f.get("when"), where + ".when", "'" + text
          + "' is not '<comparison> <limit> [unit]' with a comparison of > >= < <=, e.g. \">= 180 mm[Hg]\"");
    }
    BigDecimal value;
    try {
      value = new BigDecimal(parts[1]);
    } catch (NumberFormatException e) {
      throw new RulesFileException(file, f.get("when"), where + ".when", "'" + parts[1] + "' is not a number");
    }
    boolean vital = "http://loinc.org".equals(measure.system()) && isVitalSign(measure);
    String unit = parts.length == 3 ? parts[2] : null;
    if (vital && unit == null) {
      throw new RulesFileException(file, f.get("when"), where + ".when", "a vital sign's limit needs its UCUM unit, e.g. \""
          + text + " mm[Hg]\"");
    }
    if (!vital && unit != null) {
      throw new RulesFileException(file, f.get("when"), where + ".when", "a score has no unit; drop '" + unit + "'");
    }
    return new Limit(comparison, value, unit);
  }

  private boolean isVitalSign(Measure measure) {
    // The score instruments' LOINC codes (PHQ-9 and the others) are unitless; every other known LOINC is a vital sign.
    return CsvTable.read("intake/instruments.csv").stream()
        .noneMatch(row -> row.get(2).equals(measure.system()) && row.get(3).equals(measure.code()));
  }

  private Set<Phase> phases(Node node, Node parent, String where) {
    if (node == null) {
      return EnumSet.of(Phase.BASELINE, Phase.INFUSION, Phase.RECOVERY);
    }
    var words = new ArrayList<Node>();
    if (node instanceof SequenceNode sequence) {
      words.addAll(sequence.getValue());
    } else {
      words.add(node);
    }
    var phases = EnumSet.noneOf(Phase.class);
    for (var word : words) {
      var phase = Phase.of(scalar(word, where));
      if (phase == null) {
        throw new RulesFileException(file, word, where, "'" + scalar(word, where)
            + "' is not a phase: baseline, infusion, recovery or any");
      }
      phases.add(phase);
    }
    if (phases.isEmpty()) {
      throw new RulesFileException(file, node, where, "name at least one phase");
    }
    return phases;
  }

  private DetectedIssueSeverity severity(Node node, String where) {
    var word = scalar(node, where);
    return switch (word) {
      case "high" -> DetectedIssueSeverity.HIGH;
      case "moderate" -> DetectedIssueSeverity.MODERATE;
      case "low" -> DetectedIssueSeverity.LOW;
      default -> throw new RulesFileException(file, node, where, "'" + word + "' is not a severity: high, moderate or low");
    };
  }

  private Map<String, Node> fields(MappingNode mapping, Set<String> allowed, String prefix) {
    var fields = new LinkedHashMap<String, Node>();
    for (var tuple : mapping.getValue()) {
      var key = scalar(tuple.getKeyNode(), prefix + "?");
      if (!allowed.contains(key)) {
        throw new RulesFileException(file, tuple.getKeyNode(), prefix + key, "unknown field; known fields are " + allowed);
      }
      fields.put(key, tuple.getValueNode());
    }
    return fields;
  }

  private String required(Map<String, Node> f, Node parent, String name, String where) {
    var node = f.get(name);
    if (node == null) {
      throw new RulesFileException(file, parent, where + "." + name, "is required");
    }
    var value = scalar(node, where + "." + name);
    if (value.isBlank()) {
      throw new RulesFileException(file, node, where + "." + name, "is empty");
    }
    return value.trim();
  }

  private String scalar(Node node, String where) {
    if (!(node instanceof ScalarNode scalar)) {
      throw new RulesFileException(file, node, where, "must be a single value");
    }
    return scalar.getValue();
  }
}
