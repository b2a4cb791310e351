package org.infusionfhir.exchange;

import org.hl7.fhir.r4.model.AdverseEvent;
import org.hl7.fhir.r4.model.BaseDateTimeType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Procedure;

/** The one time of each resource that places it in a summary's window and in time order. */
final class RecordedTimes {

  private RecordedTimes() {}

  /** When the infusion started: performedPeriod.start (or performedDateTime); null if not recorded. */
  static BaseDateTimeType sessionStart(Procedure session) {
    if (session.hasPerformedPeriod()) {
      return session.getPerformedPeriod().getStartElement();
    }
    return session.hasPerformedDateTimeType() ? session.getPerformedDateTimeType() : null;
  }

  /** When the reaction happened: date, else when it was detected, else when it was recorded. */
  static BaseDateTimeType eventTime(AdverseEvent event) {
    if (event.hasDate()) {
      return event.getDateElement();
    }
    return event.hasDetected() ? event.getDetectedElement() : event.getRecordedDateElement();
  }

  /** effectiveDateTime, the start of effectivePeriod, or effectiveInstant; null if none. */
  static BaseDateTimeType effective(Observation observation) {
    if (observation.hasEffectiveDateTimeType()) {
      return observation.getEffectiveDateTimeType();
    }
    if (observation.hasEffectivePeriod()) {
      return observation.getEffectivePeriod().getStartElement();
    }
    return observation.hasEffectiveInstantType() ? observation.getEffectiveInstantType() : null;
  }

  /** For sorting: earliest first, resources without a time last. */
  static long sortKey(BaseDateTimeType time) {
    return time == null || time.getValue() == null ? Long.MAX_VALUE : time.getValue().getTime();
  }
}
