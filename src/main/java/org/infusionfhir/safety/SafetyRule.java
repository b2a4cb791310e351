package org.infusionfhir.safety;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Set;
import org.hl7.fhir.r4.model.DetectedIssue.DetectedIssueSeverity;

/**
 * One rule of the rules file: a reading of {@code measure} that compares to {@code limit} as
 * {@code comparison} says crosses it; the rule fires once {@code readings} consecutive readings have crossed
 * and the crossing has lasted {@code duration}, in one of {@code phases}.
 *
 * @param code the rule's code in the safety-rule CodeSystem, which the alert carries
 * @param source where the limit comes from (a protocol, a paper), or that it is the clinic's choice
 */
public record SafetyRule(String code, Measure measure, Limit limit, int readings, Duration duration,
    Set<Phase> phases, DetectedIssueSeverity severity, String message, String source) {

  /** A measure as the vital-sign and score tables code it: a LOINC code, or a local one where none exists. */
  public record Measure(String system, String code, String display) {
    public String token() {
      return system + "|" + code;
    }
  }

  /** A comparison of a value with a limit in a unit: {@code value comparison limit} means "crossed". */
  public record Limit(Comparison comparison, BigDecimal value, String unit) {
    public boolean crossedBy(BigDecimal reading) {
      return comparison.holds(reading.compareTo(value));
    }

    public String text() {
      return comparison.symbol() + " " + value.toPlainString() + (unit == null ? "" : " " + unit);
    }
  }

  public enum Comparison {
    ABOVE(">"), AT_OR_ABOVE(">="), BELOW("<"), AT_OR_BELOW("<=");

    private final String symbol;

    Comparison(String symbol) {
      this.symbol = symbol;
    }

    public String symbol() {
      return symbol;
    }

    boolean holds(int sign) {
      return switch (this) {
        case ABOVE -> sign > 0;
        case AT_OR_ABOVE -> sign >= 0;
        case BELOW -> sign < 0;
        case AT_OR_BELOW -> sign <= 0;
      };
    }

    static Comparison of(String symbol) {
      for (var comparison : values()) {
        if (comparison.symbol.equals(symbol)) {
          return comparison;
        }
      }
      return null;
    }
  }

  /** When a rule applies: a phase of an infusion session (infusion-phase codes), or any time at all. */
  public enum Phase {
    BASELINE("baseline"), INFUSION("during-infusion"), RECOVERY("recovery"), ANY("any");

    private final String word;

    Phase(String word) {
      this.word = word;
    }

    public String word() {
      return word;
    }

    static Phase of(String word) {
      for (var phase : values()) {
        if (phase.word.equals(word) || phase.name().equalsIgnoreCase(word)) {
          return phase;
        }
      }
      return null;
    }
  }

  /** Whether the rule applies to a reading in {@code phase} (null: taken outside any infusion session). */
  public boolean appliesIn(Phase phase) {
    return phases.contains(Phase.ANY) || (phase != null && phases.contains(phase));
  }

  /** A discharge limit: at the end of recovery the last reading of {@code measure} must not cross it. */
  public record DischargeLimit(Measure measure, Limit limit, String message, String source) {}
}
