package org.infusionfhir.hl7v2;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.List;
import org.infusionfhir.adapter.PatientIdentity;
import org.infusionfhir.adapter.VitalSigns.Measure;
import org.infusionfhir.adapter.VitalSigns.Unit;

/**
 * What one ORU^R01 from a bedside monitor says, checked and in our terms, before it becomes FHIR.
 *
 * @param sender MSH-3.1, MSH-3.2 and MSH-4.1 joined by ^, which with the control id identify the message
 * @param controlId MSH-10
 * @param patient PID-3 and the demographics of PID-5, -7 and -8
 * @param readings the mapped numeric OBX, in message order
 * @param devices the monitors the readings came from
 */
public record MonitorReport(String sender, String controlId, PatientIdentity patient, List<Reading> readings,
    List<Monitor> devices) {

  /**
   * One numeric OBX.
   *
   * @param obxSequence the OBX's position among the message's OBX segments (1-based), for error locations
   * @param sourceCode OBX-3 as sent (code, display, coding system), kept beside the LOINC coding
   */
  public record Reading(int obxSequence, Measure measure, BigDecimal value, Unit unit, OffsetDateTime time,
      String status, String deviceId, SourceCode sourceCode) {}

  /** A coded OBX-3: identifier, text and HL7 coding system name (MDC or LN). */
  public record SourceCode(String code, String display, String system) {}

  /**
   * A monitor: OBX-18 equipment id, else the sending application of MSH-3.
   *
   * @param type the MDC code of a device-describing OBX (such as 69965), when the message has one
   */
  public record Monitor(String id, String name, SourceCode type) {}

  /** The same report under another control id: a reused MSH-10 made unique for the identifiers. */
  public MonitorReport withControlId(String newControlId) {
    return new MonitorReport(sender, newControlId, patient, readings, devices);
  }
}
