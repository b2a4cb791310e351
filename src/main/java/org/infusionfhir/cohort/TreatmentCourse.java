package org.infusionfhir.cohort;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.List;
import org.infusionfhir.adapter.InfusionPhase;
import org.infusionfhir.cohort.Clinic.Chair;
import org.infusionfhir.cohort.CohortTables.Instrument;
import org.infusionfhir.cohort.CohortTables.ReactionKind;

/**
 * One patient's course as planned and lived, before it becomes FHIR or HL7 v2: the sessions with their
 * readings, scores and reactions.
 *
 * @param conditionOnset when the indication was diagnosed (no Condition for an IV vitamin course)
 * @param inductionSessions how many of the sessions are the induction series; the rest are maintenance
 * @param maintenanceFrom when maintenance infusions start (the first one, when there are any)
 */
record TreatmentCourse(SyntheticPatient patient, CourseType type, LocalDate conditionOnset, int inductionSessions,
    LocalDate maintenanceFrom, List<Session> sessions) {

  String careplanId() {
    return patient.id() + "-careplan";
  }

  String conditionId() {
    return patient.id() + "-condition";
  }

  List<Session> induction() {
    return sessions.subList(0, inductionSessions);
  }

  List<Session> maintenance() {
    return sessions.subList(inductionSessions, sessions.size());
  }

  /**
   * One infusion session.
   *
   * @param number the session number within the course, from 1
   * @param start the start of the infusion; {@code end} its end
   * @param weightKg the body weight measured that day, which the dose follows
   * @param readings the monitor's reports, in time order
   */
  record Session(String id, int number, boolean maintenance, OffsetDateTime start, OffsetDateTime end, Chair chair,
      double weightKg, List<MonitorReading> readings, List<Score> scores, List<Reaction> reactions) {

    String encounterId() {
      return id + "-enc";
    }

    String weightId() {
      return id + "-weight";
    }
  }

  /**
   * What the monitor reported at one time; a measure not taken then is null (blood pressure follows the
   * cuff's cycle, temperature is taken once per phase).
   *
   * @param offsetSeconds seconds from the start of the infusion, negative before it
   */
  record MonitorReading(int offsetSeconds, OffsetDateTime time, InfusionPhase phase, Integer heartRate,
      Integer systolic, Integer diastolic, Integer oxygenSaturation, Integer respiratoryRate,
      BigDecimal temperature) {}

  /**
   * A score taken around a session.
   *
   * @param name the id suffix, e.g. {@code phq9-total-pre}
   */
  record Score(String name, Instrument instrument, OffsetDateTime time, int value) {}

  /**
   * An infusion reaction.
   *
   * @param detail what the clinician noted beside the code ("peak 166/98 mmHg", "CADSS 38"), or null
   */
  record Reaction(ReactionKind kind, OffsetDateTime time, boolean moderate, String detail) {}
}
