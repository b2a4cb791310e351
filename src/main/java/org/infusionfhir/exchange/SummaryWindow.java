package org.infusionfhir.exchange;

import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.time.LocalDate;
import java.time.YearMonth;
import org.hl7.fhir.r4.model.BaseDateTimeType;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Period;

/**
 * The period a summary covers, from the operation's {@code start} and {@code end}: each a FHIR date or
 * dateTime, both inclusive, either may be absent. A bound given as a date (or month, or year) is compared
 * with the calendar date a resource's time was recorded in, in its own offset, so "2026-02-09" takes in a
 * session at 09:30+01:00 that day whatever the server's time zone; a bound with a time is compared as an
 * instant.
 */
record SummaryWindow(DateTimeType start, DateTimeType end) {

  /** The window from the parameters as given (date or dateTime text; blank or null for no bound). */
  static SummaryWindow of(String start, String end) {
    var window = new SummaryWindow(bound("start", start), bound("end", end));
    if (window.start != null && window.end != null && window.endsBeforeItStarts()) {
      throw new InvalidRequestException("Parameter 'end' (" + window.end.getValueAsString()
          + ") is before parameter 'start' (" + window.start.getValueAsString() + ")");
    }
    return window;
  }

  boolean isBounded() {
    return start != null || end != null;
  }

  /** Whether a resource time lies in the window; a resource without a time is only in an unbounded one. */
  boolean contains(BaseDateTimeType time) {
    if (time == null || time.getValue() == null) {
      return !isBounded();
    }
    return notBeforeStart(time) && notAfterEnd(time);
  }

  /** The window as a Period, for Composition.event. */
  Period asPeriod() {
    var period = new Period();
    if (start != null) {
      period.setStartElement(start.copy());
    }
    if (end != null) {
      period.setEndElement(end.copy());
    }
    return period;
  }

  /** "2026-02-01 to 2026-02-09", "from 2026-02-01", "up to 2026-02-09", or "" when unbounded. */
  String describe() {
    if (start != null && end != null) {
      return start.getValueAsString() + " to " + end.getValueAsString();
    }
    if (start != null) {
      return "from " + start.getValueAsString();
    }
    return end != null ? "up to " + end.getValueAsString() : "";
  }

  private boolean notBeforeStart(BaseDateTimeType time) {
    if (start == null) {
      return true;
    }
    return hasTime(start) ? !time.getValue().before(start.getValue())
        : !calendarDate(time).isBefore(calendarDate(start));
  }

  private boolean notAfterEnd(BaseDateTimeType time) {
    if (end == null) {
      return true;
    }
    return hasTime(end) ? !time.getValue().after(end.getValue()) : !calendarDate(time).isAfter(lastDay(end));
  }

  private boolean endsBeforeItStarts() {
    if (hasTime(start) && hasTime(end)) {
      return end.getValue().before(start.getValue());
    }
    var from = calendarDate(start);
    var to = hasTime(end) ? calendarDate(end) : lastDay(end);
    return to.isBefore(from);
  }

  private static DateTimeType bound(String parameter, String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    try {
      return new DateTimeType(value.strip());
    } catch (DataFormatException e) {
      throw new InvalidRequestException("Parameter '" + parameter + "' is not a FHIR date or dateTime "
          + "(such as 2026-02-01 or 2026-02-01T09:00:00+01:00): '" + value + "'");
    }
  }

  private static boolean hasTime(BaseDateTimeType time) {
    return time.getPrecision().ordinal() > TemporalPrecisionEnum.DAY.ordinal();
  }

  /** The calendar date as written, in the time's own offset (the first day of a month or year). */
  static LocalDate calendarDate(BaseDateTimeType time) {
    var text = time.getValueAsString();
    return switch (time.getPrecision()) {
      case YEAR -> LocalDate.of(Integer.parseInt(text.substring(0, 4)), 1, 1);
      case MONTH -> YearMonth.parse(text.substring(0, 7)).atDay(1);
      default -> LocalDate.parse(text.substring(0, 10));
    };
  }

  /** The last calendar date a date, month or year takes in. */
  private static LocalDate lastDay(BaseDateTimeType time) {
    var text = time.getValueAsString();
    return switch (time.getPrecision()) {
      case YEAR -> LocalDate.of(Integer.parseInt(text.substring(0, 4)), 12, 31);
      case MONTH -> YearMonth.parse(text.substring(0, 7)).atEndOfMonth();
      default -> LocalDate.parse(text.substring(0, 10));
    };
  }
}
