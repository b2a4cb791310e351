package org.infusionfhir.intake;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.List;
import org.infusionfhir.adapter.InfusionPhase;
import org.infusionfhir.adapter.PatientIdentity;

/**
 * The clinic charting app's record of one infusion session, checked, in our terms. The JSON format is
 * in the README and {@code fixtures/intake/}; {@link SessionRecordReader} reads it.
 */
record SessionRecord(
    String sessionId,
    String clinic,
    PatientIdentity patient,
    IntakeCodes.Indication indication,
    int sessionNumber,
    String protocol,
    OffsetDateTime start,
    OffsetDateTime end,
    BigDecimal doseMg,
    BigDecimal weightKg,
    Rate rate,
    String clinician,
    List<VitalRow> vitals,
    List<Assessment> assessments,
    List<Event> adverseEvents,
    String notes) {

  record Rate(BigDecimal value, String unit) {}

  /** One charted row of vitals; any measure may be absent. */
  record VitalRow(OffsetDateTime time, InfusionPhase phase, BigDecimal heartRate, BigDecimal systolic,
      BigDecimal diastolic, BigDecimal spo2, BigDecimal respiratoryRate, BigDecimal temperatureC) {}

  record Assessment(IntakeCodes.Instrument instrument, OffsetDateTime time, int score, Integer item9) {}

  record Event(IntakeCodes.EventCode event, OffsetDateTime time, String severity, boolean serious, String outcome,
      String note) {}
}
