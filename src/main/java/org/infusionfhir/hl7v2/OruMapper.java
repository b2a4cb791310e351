package org.infusionfhir.hl7v2;

import ca.uhn.hl7v2.ErrorCode;
import ca.uhn.hl7v2.HL7Exception;
import ca.uhn.hl7v2.model.Segment;
import ca.uhn.hl7v2.model.v26.message.ORU_R01;
import ca.uhn.hl7v2.model.v26.segment.OBR;
import ca.uhn.hl7v2.model.v26.segment.OBX;
import ca.uhn.hl7v2.model.v26.segment.PID;
import ca.uhn.hl7v2.util.Terser;
import java.math.BigDecimal;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.infusionfhir.adapter.PatientIdentity;
import org.infusionfhir.hl7v2.MonitorReport.Monitor;
import org.infusionfhir.hl7v2.MonitorReport.Reading;
import org.infusionfhir.hl7v2.MonitorReport.SourceCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads an ORU^R01 (IHE PCD-01 style, parsed into the v2.6 structures) into a {@link MonitorReport}.
 * Content errors become an {@link HL7Exception} whose location names the segment, its sequence and the
 * field, which the ACK's ERR segment carries back to the sender.
 */
class OruMapper {

  private static final Logger log = LoggerFactory.getLogger(OruMapper.class);
  // HL7 v2 NM: an optional sign, digits and at most one decimal point.
  private static final Pattern NUMERIC = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)");
  // HL7 v2 DTM down to the minute at least; seconds, fraction and offset optional.
  private static final Pattern DATE_TIME =
      Pattern.compile("(\\d{4})(\\d{2})(\\d{2})(\\d{2})(\\d{2})(\\d{2})?(\\.\\d{1,4})?([+-]\\d{4})?");

  private final VitalSignCodes codes;
  private final ZoneId defaultZone;

  OruMapper(VitalSignCodes codes, ZoneId defaultZone) {
    this.codes = codes;
    this.defaultZone = defaultZone;
  }

  MonitorReport map(ORU_R01 message) throws HL7Exception {
    var msh = message.getMSH();
    var sender = get(msh, 3, 1) + "^" + get(msh, 3, 2) + "^" + get(msh, 4, 1);
    var controlId = get(msh, 10, 1);
    var messageTime = get(msh, 7, 1).isEmpty() ? null : time(get(msh, 7, 1), "MSH", 1, 7);
    var application = get(msh, 3, 1).isEmpty() ? get(msh, 3, 2) : get(msh, 3, 1);

    if (message.getPATIENT_RESULTReps() == 0) {
      throw error("the message has no PID segment", ErrorCode.SEGMENT_SEQUENCE_ERROR, "PID", 1, 0);
    }
    var result = message.getPATIENT_RESULT(0);
    var patient = patient(result.getPATIENT().getPID());

    var readings = new ArrayList<Reading>();
    var devices = new LinkedHashMap<String, Monitor>();
    int obxSequence = 0;
    int obrSequence = 0;
    for (var order : result.getORDER_OBSERVATIONAll()) {
      obrSequence++;
      OBR obr = order.getOBR();
      var obrTime = get(obr, 7, 1).isEmpty() ? null : time(get(obr, 7, 1), "OBR", obrSequence, 7);
      SourceCode deviceType = null;
      for (var observation : order.getOBSERVATIONAll()) {
        obxSequence++;
        var obx = observation.getOBX();
        var sourceCode = new SourceCode(get(obx, 3, 1), get(obx, 3, 2), get(obx, 3, 3));
        var measure = switch (sourceCode.system()) {
          case "MDC" -> codes.measureForMdc(sourceCode.code()).or(() -> codes.measureForMdc(sourceCode.display()));
          case "LN", "LOINC" -> codes.measureForLoinc(sourceCode.code());
          default -> java.util.Optional.<org.infusionfhir.adapter.VitalSigns.Measure>empty();
        };
        var valueType = get(obx, 2, 1);
        var value = get(obx, 5, 1);
        var deviceId = equipment(obx, application);
        if (measure.isEmpty()) {
          if (value.isEmpty() && "MDC".equals(sourceCode.system()) && deviceType == null) {
            // PCD-01: a value-less OBX describes the device (MDS) the following readings come from.
            deviceType = sourceCode;
          }
          log.debug("OBX {} ({} {}) is not a mapped vital sign; skipped", obxSequence, sourceCode.code(),
              sourceCode.display());
          continue;
        }
        var status = get(obx, 11, 1);
        if (value.isEmpty() || "X".equals(status)) {
          log.info("OBX {} ({}) carries no value; skipped", obxSequence, sourceCode.display());
          continue;
        }
        if (!valueType.isEmpty() && !"NM".equals(valueType)) {
          throw error("OBX-2 value type is " + valueType + " but " + measure.get().name() + " needs NM",
              ErrorCode.DATA_TYPE_ERROR, "OBX", obxSequence, 2);
        }
        if (!NUMERIC.matcher(value).matches()) {
          throw error("OBX-5 value '" + value + "' is not a number", ErrorCode.DATA_TYPE_ERROR, "OBX", obxSequence, 5);
        }
        var unit = unit(obx, obxSequence, measure.get());
        var obxTime = get(obx, 14, 1);
        var time = !obxTime.isEmpty() ? time(obxTime, "OBX", obxSequence, 14) : obrTime != null ? obrTime : messageTime;
        if (time == null) {
          throw error("no observation time in OBX-14, OBR-7 or MSH-7", ErrorCode.REQUIRED_FIELD_MISSING, "OBX",
              obxSequence, 14);
        }
        devices.computeIfAbsent(deviceId, id -> new Monitor(id, application, null));
        readings.add(new Reading(obxSequence, measure.get(), new BigDecimal(value), unit, time, status, deviceId,
            sourceCode));
      }
      if (deviceType != null) {
        var type = deviceType;
        devices.replaceAll((id, monitor) -> monitor.type() == null ? new Monitor(id, monitor.name(), type) : monitor);
      }
    }
    return new MonitorReport(sender, controlId, patient, readings, List.copyOf(devices.values()));
  }

  private PatientIdentity patient(PID pid) throws HL7Exception {
    var identifiers = pid.getPatientIdentifierList();
    String value = "";
    String authority = "";
    for (int rep = 0; rep < identifiers.length; rep++) {
      var candidate = Terser.get(pid, 3, rep, 1, 1);
      var type = Terser.get(pid, 3, rep, 5, 1);
      if (candidate != null && !candidate.isBlank() && (value.isEmpty() || "MR".equals(type))) {
        value = candidate.trim();
        authority = nullToEmpty(Terser.get(pid, 3, rep, 4, 1));
        if ("MR".equals(type)) {
          break;
        }
      }
    }
    if (value.isEmpty()) {
      throw error("PID-3 carries no patient identifier", ErrorCode.REQUIRED_FIELD_MISSING, "PID", 1, 3);
    }
    if (value.length() > PatientIdentity.MAX_VALUE_LENGTH) {
      throw error("PID-3 identifier of " + value.length() + " characters is longer than the "
          + PatientIdentity.MAX_VALUE_LENGTH + " an identifier may have", ErrorCode.DATA_TYPE_ERROR, "PID", 1, 3);
    }
    var given = new ArrayList<String>();
    for (var name : List.of(get(pid, 5, 2), get(pid, 5, 3))) {
      if (!name.isEmpty()) {
        given.add(name);
      }
    }
    var family = get(pid, 5, 1);
    var birth = get(pid, 7, 1);
    String birthDate = null;
    if (!birth.isEmpty()) {
      if (!birth.matches("\\d{8}.*")) {
        throw error("PID-7 birth date '" + birth + "' is not YYYYMMDD", ErrorCode.DATA_TYPE_ERROR, "PID", 1, 7);
      }
      birthDate = birth.substring(0, 4) + "-" + birth.substring(4, 6) + "-" + birth.substring(6, 8);
    }
    var gender = switch (get(pid, 8, 1)) {
      case "F" -> AdministrativeGender.FEMALE;
      case "M" -> AdministrativeGender.MALE;
      case "O", "A", "N" -> AdministrativeGender.OTHER;
      case "U" -> AdministrativeGender.UNKNOWN;
      default -> null;
    };
    return new PatientIdentity(value, authority, family.isEmpty() ? null : family, given, birthDate, gender);
  }

  private org.infusionfhir.adapter.VitalSigns.Unit unit(OBX obx, int obxSequence, org.infusionfhir.adapter.VitalSigns.Measure measure) throws HL7Exception {
    var code = get(obx, 6, 1);
    var display = get(obx, 6, 2);
    var system = get(obx, 6, 3);
    if (code.isEmpty() && display.isEmpty()) {
      throw error("OBX-6 unit is missing for " + measure.name(), ErrorCode.REQUIRED_FIELD_MISSING, "OBX",
          obxSequence, 6);
    }
    var unit = "MDC".equals(system) || system.isEmpty() && code.matches("\\d+")
        ? codes.unitForMdc(code).or(() -> codes.unitForMdc(display)).orElse(null)
        : codes.unitForUcum(code);
    if (unit == null) {
      throw error("OBX-6 unit " + code + " (" + display + ") is not a known MDC unit", ErrorCode.TABLE_VALUE_NOT_FOUND,
          "OBX", obxSequence, 6);
    }
    if (!measure.ucum().contains(unit.ucum())) {
      throw error("OBX-6 unit " + unit.ucum() + " does not fit " + measure.name() + " (expected "
          + String.join(" or ", measure.ucum()) + ")", ErrorCode.TABLE_VALUE_NOT_FOUND, "OBX", obxSequence, 6);
    }
    return unit;
  }

  private static String equipment(OBX obx, String application) throws HL7Exception {
    // OBX-18 EI: entity identifier, namespace, universal id (the EUI-64 in PCD-01), universal id type.
    var universal = get(obx, 18, 3);
    var entity = get(obx, 18, 1);
    return !universal.isEmpty() ? universal : !entity.isEmpty() ? entity : application;
  }

  private OffsetDateTime time(String value, String segment, int sequence, int field) throws HL7Exception {
    var m = DATE_TIME.matcher(value);
    if (!m.matches()) {
      throw error(segment + "-" + field + " time '" + value + "' is not an HL7 date-time (YYYYMMDDHHMM[SS][+ZZZZ])",
          ErrorCode.DATA_TYPE_ERROR, segment, sequence, field);
    }
    try {
      var local = LocalDateTime.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
          Integer.parseInt(m.group(3)), Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5)),
          m.group(6) == null ? 0 : Integer.parseInt(m.group(6)));
      var offset = m.group(8) == null
          ? defaultZone.getRules().getOffset(local)
          : ZoneOffset.ofHoursMinutes(Integer.parseInt(m.group(8).substring(0, 3)),
              Integer.parseInt(m.group(8).charAt(0) + m.group(8).substring(3)));
      return OffsetDateTime.of(local, offset);
    } catch (java.time.DateTimeException e) {
      throw error(segment + "-" + field + " time '" + value + "' is not a valid date-time: " + e.getMessage(),
          ErrorCode.DATA_TYPE_ERROR, segment, sequence, field);
    }
  }

  static HL7Exception error(String message, ErrorCode code, String segment, int sequence, int field) {
    var error = new HL7Exception(message, code);
    error.setSegmentName(segment);
    error.setSegmentRepetition(sequence);
    if (field > 0) {
      error.setFieldPosition(field);
    }
    return error;
  }

  private static String get(Segment segment, int field, int component) throws HL7Exception {
    return nullToEmpty(Terser.get(segment, field, 0, component, 1)).trim();
  }

  private static String nullToEmpty(String value) {
    return value == null ? "" : value;
  }
}
