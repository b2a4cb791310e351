package org.infusionfhir.exchange;

import java.math.BigDecimal;
import java.time.Duration;
import org.hl7.fhir.r4.model.BaseDateTimeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Quantity;
import org.infusionfhir.exchange.VitalSignRanges.Range;

/** How the summary writes values in its narrative: dates as recorded, numbers without trailing zeros. */
final class SummaryText {

  /** Shown in a table cell that has no value. */
  static final String NOTHING = "–";

  private SummaryText() {}

  /** The calendar date as recorded, in the record's own offset: "2026-02-05". */
  static String date(BaseDateTimeType time) {
    return time == null || time.getValue() == null ? NOTHING : SummaryWindow.calendarDate(time).toString();
  }

  /** Date and local time as recorded: "2026-02-05 10:00" (the date alone when no time was recorded). */
  static String dateTime(BaseDateTimeType time) {
    if (time == null || time.getValue() == null) {
      return NOTHING;
    }
    var text = time.getValueAsString();
    return text.length() >= 16 ? text.substring(0, 10) + " " + text.substring(11, 16) : date(time);
  }

  /** A coded value for a reader: the first coding's display, else the text, else the first code. */
  static String display(CodeableConcept concept) {
    for (var coding : concept.getCoding()) {
      if (coding.hasDisplay()) {
        return coding.getDisplay();
      }
    }
    if (concept.hasText()) {
      return concept.getText();
    }
    return concept.hasCoding() ? concept.getCodingFirstRep().getCode() : NOTHING;
  }

  /** A coded value as the clinician wrote it: the text, else as {@link #display}. */
  static String text(CodeableConcept concept) {
    return concept.hasText() ? concept.getText() : display(concept);
  }

  static String number(BigDecimal value) {
    return value == null ? NOTHING : value.stripTrailingZeros().toPlainString();
  }

  /** "39.2 mg" */
  static String quantity(Quantity quantity) {
    if (quantity == null || !quantity.hasValue()) {
      return NOTHING;
    }
    var unit = quantity.hasUnit() ? quantity.getUnit() : quantity.getCode();
    return number(quantity.getValue()) + (unit == null ? "" : " " + unit);
  }

  /** "40 min", from a Period with a start and an end. */
  static String minutes(Period period) {
    if (period == null || !period.hasStart() || !period.hasEnd()) {
      return NOTHING;
    }
    return Duration.between(period.getStart().toInstant(), period.getEnd().toInstant()).toMinutes() + " min";
  }

  /** "62–91" */
  static String range(Range range) {
    return range.isEmpty() ? NOTHING : number(range.min()) + "–" + number(range.max());
  }

  /** "118/72–165/98": the lowest systolic and diastolic, then the highest. */
  static String bloodPressure(Range systolic, Range diastolic) {
    if (systolic.isEmpty() && diastolic.isEmpty()) {
      return NOTHING;
    }
    return number(systolic.min()) + "/" + number(diastolic.min()) + "–"
        + number(systolic.max()) + "/" + number(diastolic.max());
  }

  /** "-13", "+2", "0" */
  static String change(BigDecimal change) {
    return (change.signum() > 0 ? "+" : "") + number(change);
  }
}
