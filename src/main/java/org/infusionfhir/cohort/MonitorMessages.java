package org.infusionfhir.cohort;

import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import org.infusionfhir.cohort.CohortTables.MonitorChannel;
import org.infusionfhir.cohort.TreatmentCourse.MonitorReading;
import org.infusionfhir.cohort.TreatmentCourse.Session;

/**
 * A session's monitor reports as HL7 v2.6 ORU^R01 in the IHE PCD-01 style of fixtures/hl7v2: one message
 * per report, the chair's monitor as sender (MSH-3 with its EUI-64) and in OBX-18, the patient in PID-3
 * under the assigning authority CLINIC (which a server started with the demo profile maps to the medical record
 * number system of the generated Patients), the device row, then one OBX per vital sign and the NIBP group with systolic,
 * diastolic and mean. Segments end in a newline, as in the fixtures; a blank line separates messages.
 */
final class MonitorMessages {

  static final String AUTHORITY = "CLINIC";
  static final String FACILITY = "INFUSION_CLINIC";
  private static final DateTimeFormatter HL7_TIME = DateTimeFormatter.ofPattern("yyyyMMddHHmmssxx", Locale.ROOT);
  private static final DateTimeFormatter HL7_DATE = DateTimeFormatter.ofPattern("yyyyMMdd", Locale.ROOT);

  /** The messages of one session, as the text of its file. */
  record SessionMessages(String text, int messages) {}

  private final CohortTables tables;

  MonitorMessages(CohortTables tables) {
    this.tables = tables;
  }

  SessionMessages session(TreatmentCourse course, Session session) {
    var text = new StringBuilder(session.readings().size() * 1400);
    int count = 0;
    for (var reading : session.readings()) {
      if (count > 0) {
        text.append('\n');
      }
      count++;
      message(text, course.patient(), session, reading, count);
    }
    return new SessionMessages(text.toString(), count);
  }

  private void message(StringBuilder text, SyntheticPatient patient, Session session, MonitorReading reading,
      int sequence) {
    var chair = session.chair();
    var eui = chair.monitorEui64();
    var time = time(reading.time());
    // Unique per monitor: the patient's record number, the session and the report's place in it.
    var controlId = String.format(Locale.ROOT, "%s-S%d-%04d", patient.medicalRecordNumber(), session.number(),
        sequence);
    text.append("MSH|^~\\&|").append(chair.monitorName()).append('^').append(eui).append("^EUI-64|").append(FACILITY)
        .append("|INFUSION-FHIR|INFUSION-FHIR|").append(time(reading.time().plusSeconds(2)))
        .append("||ORU^R01^ORU_R01|").append(controlId)
        .append("|P|2.6|||NE|AL||UNICODE UTF-8|||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO\n");
    text.append("PID|1||").append(patient.medicalRecordNumber()).append("^^^").append(AUTHORITY).append("^MR||")
        .append(patient.family()).append('^').append(patient.given())
        .append(patient.middle() != null ? "^" + patient.middle() : "")
        .append("||").append(HL7_DATE.format(patient.birthDate())).append('|').append(patient.female() ? 'F' : 'M')
        .append('\n');
    text.append("PV1|1|O|INFUSION^CHAIR").append(chair.number()).append("^1\n");
    text.append("OBR|1||").append(controlId).append('^').append(chair.monitorName()).append('^').append(eui)
        .append("^EUI-64|182777000^monitoring of patient^SCT|||").append(time).append('\n');
    var equipment = eui + "^^" + eui + "^EUI-64";
    int obx = 0;
    text.append(header(++obx, "69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC", "1.0.0.0", time, equipment));
    obx = numeric(text, obx, "heart-rate", reading.heartRate(), time, equipment);
    obx = numeric(text, obx, "oxygen-saturation", reading.oxygenSaturation(), time, equipment);
    obx = numeric(text, obx, "respiratory-rate", reading.respiratoryRate(), time, equipment);
    if (reading.temperature() != null) {
      obx = row(text, obx, tables.channel("body-temperature"), reading.temperature().toPlainString(), time, equipment);
    }
    if (reading.systolic() != null) {
      text.append(header(++obx, "150020^MDC_PRESS_BLD_NONINV^MDC", "1.5.1.0", time, equipment));
      obx = numeric(text, obx, "bp-systolic", reading.systolic(), time, equipment);
      obx = numeric(text, obx, "bp-diastolic", reading.diastolic(), time, equipment);
      // The monitor's mean arterial pressure: diastolic plus a third of the pulse pressure.
      int mean = (int) Math.round(reading.diastolic() + (reading.systolic() - reading.diastolic()) / 3.0);
      numeric(text, obx, "bp-mean", mean, time, equipment);
    }
  }

  private int numeric(StringBuilder text, int obx, String measure, Integer value, String time, String equipment) {
    return value == null ? obx : row(text, obx, tables.channel(measure), value.toString(), time, equipment);
  }

  private static int row(StringBuilder text, int obx, MonitorChannel channel, String value, String time,
      String equipment) {
    int setId = obx + 1;
    text.append("OBX|").append(setId).append("|NM|").append(channel.mdcCode()).append('^')
        .append(channel.mdcReferenceId()).append("^MDC|").append(channel.containment()).append('|').append(value)
        .append('|').append(channel.unitCode()).append('^').append(channel.unitReferenceId())
        .append("^MDC|||||R|||").append(time).append("||||").append(equipment).append('\n');
    return setId;
  }

  /** A row that describes structure (the device, the NIBP group): no value, status X, as PCD-01 monitors send. */
  private static String header(int setId, String code, String containment, String time, String equipment) {
    return "OBX|" + setId + "||" + code + "|" + containment + "|||||||X|||" + time + "||||" + equipment + "\n";
  }

  private static String time(OffsetDateTime time) {
    return HL7_TIME.format(time);
  }
}
