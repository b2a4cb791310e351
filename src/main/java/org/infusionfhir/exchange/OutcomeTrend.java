package org.infusionfhir.exchange;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.hl7.fhir.r4.model.Observation;

/** How one outcome score moved over the period: its first value against its latest. */
record OutcomeTrend(Measure measure, Observation first, Observation latest) {

  /** The outcome scores the summary follows (LOINC totals, as in the phq9-total and gad7-total profiles). */
  enum Measure {
    PHQ9_TOTAL("44261-6", "PHQ-9 total"),
    GAD7_TOTAL("70274-6", "GAD-7 total");

    final String loinc;
    final String label;

    Measure(String loinc, String label) {
      this.loinc = loinc;
      this.label = label;
    }

    boolean codes(Observation observation) {
      return observation.getCode().getCoding().stream()
          .anyMatch(c -> VitalSignRanges.LOINC.equals(c.getSystem()) && loinc.equals(c.getCode()));
    }
  }

  /** One trend per measure that has a score in {@code scores}, in the order of {@link Measure}. */
  static List<OutcomeTrend> of(List<Observation> scores) {
    var trends = new ArrayList<OutcomeTrend>();
    for (var measure : Measure.values()) {
      var inOrder = scores.stream()
          .filter(measure::codes)
          .filter(o -> score(o) != null)
          .sorted(Comparator.comparingLong(o -> RecordedTimes.sortKey(RecordedTimes.effective(o))))
          .toList();
      if (!inOrder.isEmpty()) {
        trends.add(new OutcomeTrend(measure, inOrder.get(0), inOrder.get(inOrder.size() - 1)));
      }
    }
    return trends;
  }

  boolean hasOneScoreOnly() {
    return first == latest;
  }

  /** Latest minus first; negative when the score fell (for PHQ-9 and GAD-7, an improvement). */
  BigDecimal change() {
    return score(latest).subtract(score(first));
  }

  /** The score as a number: valueInteger, or the value of a valueQuantity; null when there is none. */
  static BigDecimal score(Observation observation) {
    if (observation.hasValueIntegerType() && observation.getValueIntegerType().getValue() != null) {
      return BigDecimal.valueOf(observation.getValueIntegerType().getValue());
    }
    if (observation.hasValueQuantity() && observation.getValueQuantity().hasValue()) {
      return observation.getValueQuantity().getValue();
    }
    return null;
  }
}
