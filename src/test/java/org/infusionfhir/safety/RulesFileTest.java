package org.infusionfhir.safety;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.hl7.fhir.r4.model.DetectedIssue.DetectedIssueSeverity;
import org.infusionfhir.adapter.VitalSigns;
import org.infusionfhir.safety.RulesFile.RulesFileException;
import org.infusionfhir.safety.SafetyRule.Phase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.context.ConfigurationPropertiesAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The rules file: the built-in defaults cover every rule the monitor must have, each with its source, and a
 * clinic's file with a fault stops start-up naming the file, the line and the field (no server, plain JUnit).
 */
class RulesFileTest {

  static final VitalSigns VITAL_SIGNS = new VitalSigns();

  @TempDir Path dir;

  @Test
  void theDefaultsCoverEveryRequiredRuleWithItsSource() {
    var rules = RulesFile.load(null, VITAL_SIGNS);
    assertThat(rules.rules()).extracting(SafetyRule::code).containsExactlyInAnyOrder("systolic-high",
        "diastolic-high", "heart-rate-high", "heart-rate-low", "spo2-low", "respiratory-rate-low", "deep-sedation",
        "dissociation-high", Alerts.ITEM9_RULE);
    assertThat(rules.rules()).allSatisfy(rule -> assertThat(rule.source()).isNotBlank());
    var item9 = rules.rules().stream().filter(r -> r.code().equals(Alerts.ITEM9_RULE)).findFirst().orElseThrow();
    assertThat(item9.phases()).containsExactly(Phase.ANY);
    assertThat(item9.appliesIn(null)).isTrue();
    assertThat(item9.limit().crossedBy(java.math.BigDecimal.ONE)).isTrue();
    assertThat(item9.limit().crossedBy(java.math.BigDecimal.ZERO)).isFalse();
    var spo2 = rules.rules().stream().filter(r -> r.code().equals("spo2-low")).findFirst().orElseThrow();
    assertThat(spo2.duration()).hasSeconds(30);
    assertThat(spo2.severity()).isEqualTo(DetectedIssueSeverity.HIGH);
    assertThat(rules.discharge()).isNotEmpty().allSatisfy(limit -> assertThat(limit.source()).isNotBlank());
  }

  @Test
  void everyRuleCodeIsInTheGuidesCodeSystem() throws IOException {
    var codeSystem = Files.readString(Path.of("profiles/CodeSystem-safety-rule.json"));
    for (var rule : RulesFile.load(null, VITAL_SIGNS).rules()) {
      assertThat(codeSystem).contains("\"code\": \"" + rule.code() + "\"");
    }
  }

  @Test
  void anUnknownFieldIsRefusedWithFileLineAndField() throws IOException {
    var file = write("""
        rules:
          - code: systolic-high
            measure: http://loinc.org|8480-6
            when: ">= 180 mm[Hg]"
            severty: high
            message: Systolic high
            source: clinic's choice
        """);
    assertThatThrownBy(() -> RulesFile.load(file, VITAL_SIGNS)).isInstanceOf(RulesFileException.class)
        .hasMessageContaining(file.toString()).hasMessageContaining("line 5").hasMessageContaining("rules[0].severty");
  }

  @Test
  void aMeasureNoTableKnowsABadComparisonAndAMissingSourceAreRefused() throws IOException {
    var unknownMeasure = write("""
        rules:
          - code: glucose-high
            measure: http://loinc.org|2345-7
            when: "> 10 mmol/L"
            message: Glucose high
            source: clinic's choice
        """);
    assertThatThrownBy(() -> RulesFile.load(unknownMeasure, VITAL_SIGNS))
        .hasMessageContaining("line 3").hasMessageContaining("rules[0].measure").hasMessageContaining("2345-7");
    var badComparison = write("""
        rules:
          - code: systolic-high
            measure: http://loinc.org|8480-6
            when: "=> 180 mm[Hg]"
            message: Systolic high
            source: clinic's choice
        """);
    assertThatThrownBy(() -> RulesFile.load(badComparison, VITAL_SIGNS))
        .hasMessageContaining("line 4").hasMessageContaining("rules[0].when");
    var noUnit = write("""
        rules:
          - code: systolic-high
            measure: http://loinc.org|8480-6
            when: ">= 180"
            message: Systolic high
            source: clinic's choice
        """);
    assertThatThrownBy(() -> RulesFile.load(noUnit, VITAL_SIGNS)).hasMessageContaining("UCUM unit");
    var noSource = write("""
        rules:
          - code: systolic-high
            measure: http://loinc.org|8480-6
            when: ">= 180 mm[Hg]"
            message: Systolic high
        """);
    assertThatThrownBy(() -> RulesFile.load(noSource, VITAL_SIGNS))
        .hasMessageContaining("line 2").hasMessageContaining("rules[0].source").hasMessageContaining("required");
    var brokenYaml = write("rules:\n  - code: [unclosed\n");
    assertThatThrownBy(() -> RulesFile.load(brokenYaml, VITAL_SIGNS)).hasMessageContaining(brokenYaml.toString())
        .hasMessageContaining("not valid YAML");
  }

  @Test
  void aBrokenRulesFileStopsTheStart() throws IOException {
    var file = write("""
        rules:
          - code: spo2-low
            measure: http://loinc.org|2708-6
            when: "< 90 %"
            lasting: half a minute
            message: SpO2 low
            source: clinic's choice
        """);
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(ConfigurationPropertiesAutoConfiguration.class))
        .withUserConfiguration(RulesOnly.class)
        .withPropertyValues("infusion.safety.rules-file=" + file)
        .run(context -> {
          assertThat(context).hasFailed();
          assertThat(org.springframework.core.NestedExceptionUtils.getMostSpecificCause(context.getStartupFailure()))
              .hasMessageContaining(file.toString()).hasMessageContaining("line 5")
              .hasMessageContaining("rules[0].lasting");
        });
  }

  /** The one bean of SafetyConfig that reads the file, with what it needs. */
  @Configuration
  @EnableConfigurationProperties(SafetyProperties.class)
  static class RulesOnly {
    @Bean
    VitalSigns vitalSigns() {
      return VITAL_SIGNS;
    }

    @Bean
    RulesFile.Rules rules(SafetyProperties properties, VitalSigns vitalSigns) {
      return new SafetyConfig().safetyRules(properties, vitalSigns);
    }
  }

  private Path write(String text) throws IOException {
    var file = Files.createTempFile(dir, "rules", ".yaml");
    Files.writeString(file, text);
    return file;
  }
}
