package org.infusionbench;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * The vital signs the ingest and search workloads store, as plain R4 Observations (no profile claimed, so
 * the same work the stock starter does): {@value #PATIENTS} patients, infusion sessions of
 * {@value #PER_SESSION} Observations (five vital signs a minute for 20 minutes) each part of the session's
 * Procedure, and an AdverseEvent on every tenth session. Observation {@code n} always has the same
 * patient, session, code, time and value, so every database gets the same rows, the JDBC baseline too.
 */
final class BenchVitals {

  static final int PATIENTS = 100;
  static final int PER_SESSION = 100;
  static final Instant FIRST_SESSION = Instant.parse("2026-01-05T08:00:00Z");
  private static final String RUN = Long.toString(System.currentTimeMillis(), 36);

  /** LOINC vital signs (REFERENCE.md) with UCUM units and a base value. */
  private record Vital(String loinc, String display, String unit, double base) {}

  private static final List<Vital> VITALS = List.of(
      new Vital("8867-4", "Heart rate", "/min", 72),
      new Vital("2708-6", "Oxygen saturation in Arterial blood", "%", 97),
      new Vital("9279-1", "Respiratory rate", "/min", 14),
      new Vital("8310-5", "Body temperature", "Cel", 36.8),
      new Vital("8480-6", "Systolic blood pressure", "mm[Hg]", 124));

  /** One Observation's row: what the JDBC baseline stores beside the FHIR JSON. */
  record Row(String id, String patient, String code, Instant effective, double value, String json) {}

  static String patientId(int patient) {
    return "bench-" + RUN + "-p" + patient;
  }

  static String sessionId(int session) {
    return "bench-" + RUN + "-s" + session;
  }

  static int patientOfSession(int session) {
    return session % PATIENTS;
  }

  /** Sessions of a patient follow each other daily; the patient of session s has its (s / PATIENTS)th. */
  static Instant sessionStart(int session) {
    return FIRST_SESSION.plus(session / PATIENTS, ChronoUnit.DAYS).plus(session % 8, ChronoUnit.HOURS);
  }

  static Row row(long n) {
    int session = (int) (n / PER_SESSION);
    int j = (int) (n % PER_SESSION);
    var vital = VITALS.get(j % VITALS.size());
    var effective = sessionStart(session).plus(j / VITALS.size(), ChronoUnit.MINUTES);
    double value = Math.round((vital.base() + ((n * 7919) % 11) - 5) * 10) / 10.0;
    var patient = patientId(patientOfSession(session));
    var json = "{\"resourceType\":\"Observation\",\"status\":\"final\",\"category\":[{\"coding\":[{\"system\":"
        + "\"http://terminology.hl7.org/CodeSystem/observation-category\",\"code\":\"vital-signs\"}]}],"
        + "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"" + vital.loinc() + "\",\"display\":\""
        + vital.display() + "\"}]},\"subject\":{\"reference\":\"Patient/" + patient + "\"},"
        + "\"partOf\":[{\"reference\":\"Procedure/" + sessionId(session) + "\"}],"
        + "\"effectiveDateTime\":\"" + effective + "\",\"valueQuantity\":{\"value\":" + value + ",\"unit\":\""
        + vital.unit() + "\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"" + vital.unit() + "\"}}";
    return new Row("bench-" + RUN + "-o" + n, patient, vital.loinc(), effective, value, json);
  }

  /** A transaction of the Patients, and of the Procedures and AdverseEvents of sessions [from, to). */
  static String setupTransaction(int fromSession, int toSession, boolean withPatients) {
    var entries = new ArrayList<String>();
    if (withPatients) {
      for (int p = 0; p < PATIENTS; p++) {
        entries.add(put("Patient/" + patientId(p), "{\"resourceType\":\"Patient\",\"id\":\"" + patientId(p)
            + "\",\"name\":[{\"family\":\"Bench\",\"given\":[\"P" + p + "\"]}],\"gender\":\"unknown\"}"));
      }
    }
    for (int s = fromSession; s < toSession; s++) {
      var start = sessionStart(s);
      var subject = "{\"reference\":\"Patient/" + patientId(patientOfSession(s)) + "\"}";
      entries.add(put("Procedure/" + sessionId(s), "{\"resourceType\":\"Procedure\",\"id\":\"" + sessionId(s)
          + "\",\"status\":\"completed\",\"code\":{\"text\":\"IV infusion\"},\"subject\":" + subject
          + ",\"performedPeriod\":{\"start\":\"" + start + "\",\"end\":\"" + start.plus(1, ChronoUnit.HOURS) + "\"}}"));
      if (s % 10 == 0) {
        entries.add(put("AdverseEvent/" + sessionId(s) + "-ae", "{\"resourceType\":\"AdverseEvent\",\"id\":\""
            + sessionId(s) + "-ae\",\"actuality\":\"actual\",\"event\":{\"text\":\"nausea\"},\"subject\":" + subject
            + ",\"date\":\"" + start.plus(30, ChronoUnit.MINUTES) + "\"}"));
      }
    }
    return transaction(entries);
  }

  /** A transaction creating Observations [from, from + count). */
  static String observations(long from, int count) {
    var entries = new ArrayList<String>(count);
    for (long n = from; n < from + count; n++) {
      entries.add("{\"resource\":" + row(n).json() + ",\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}}");
    }
    return transaction(entries);
  }

  private static String put(String url, String resource) {
    return "{\"resource\":" + resource + ",\"request\":{\"method\":\"PUT\",\"url\":\"" + url + "\"}}";
  }

  private static String transaction(List<String> entries) {
    return "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[" + String.join(",", entries) + "]}";
  }
}
