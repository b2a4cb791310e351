package org.infusionfhir.intake;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.infusionfhir.adapter.InfusionPhase;
import org.infusionfhir.adapter.PatientIdentity;
import org.infusionfhir.intake.SessionRecord.Assessment;
import org.infusionfhir.intake.SessionRecord.Event;
import org.infusionfhir.intake.SessionRecord.Rate;
import org.infusionfhir.intake.SessionRecord.VitalRow;

/**
 * Reads the clinic's JSON with Jackson's tree model and checks it field by field, collecting every problem
 * with its JSON path ({@code $.vitals[1].time}) rather than stopping at the first, so that the clinic's
 * developers fix a record in one round.
 */
class SessionRecordReader {

  /** One thing wrong with a record, and where. */
  record Problem(String path, String message) {}

  /** The record is not usable; {@link #problems()} says where and why. */
  static class InvalidRecordException extends RuntimeException {
    private final List<Problem> problems;

    InvalidRecordException(List<Problem> problems) {
      super(problems.size() + " problem(s) in the session record: " + problems);
      this.problems = List.copyOf(problems);
    }

    List<Problem> problems() {
      return problems;
    }
  }

  private static final Set<String> RATE_UNITS = Set.of("mg/min", "mg/kg/h", "mL/h");
  private static final Set<String> SEVERITIES = Set.of("mild", "moderate", "severe");
  private static final Set<String> OUTCOMES = Set.of("resolved", "resolving", "not-resolved", "unknown");

  private final ObjectMapper json;
  private final IntakeCodes codes;

  SessionRecordReader(ObjectMapper json, IntakeCodes codes) {
    this.json = json;
    this.codes = codes;
  }

  SessionRecord read(byte[] body) {
    JsonNode root;
    try {
      root = json.readTree(body);
    } catch (JsonProcessingException e) {
      var where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
          + e.getLocation().getColumnNr();
      throw new InvalidRecordException(List.of(new Problem("$", "the body is not valid JSON" + where + ": "
          + e.getOriginalMessage())));
    } catch (java.io.IOException e) {
      throw new InvalidRecordException(List.of(new Problem("$", "the body could not be read: " + e.getMessage())));
    }
    if (root == null || !root.isObject()) {
      throw new InvalidRecordException(List.of(new Problem("$", "the body must be a JSON object")));
    }
    var p = new Problems();
    var sessionId = p.text(root, "$", "sessionId", true);
    var patient = patient(p, root);
    var indicationKey = p.text(root, "$", "indication", true);
    var indication = indicationKey == null ? null : codes.indication(indicationKey).orElse(null);
    if (indicationKey != null && indication == null) {
      p.add("$.indication", "unknown indication '" + indicationKey + "'; one of " + String.join(", ", codes.indicationKeys()));
    }
    var sessionNumber = p.integer(root, "$", "sessionNumber", true, 1, 1000);
    var protocol = p.text(root, "$", "protocol", false);
    var start = p.time(root, "$", "start", true);
    var end = p.time(root, "$", "end", false);
    if (start != null && end != null && end.isBefore(start)) {
      p.add("$.end", "end " + end + " is before start " + start);
    }
    var drug = p.text(root, "$", "drug", true);
    if (drug != null && !drug.equals("ketamine")) {
      p.add("$.drug", "drug '" + drug + "' is not supported; this intake records ketamine infusions");
    }
    var dose = p.positive(root, "$", "doseMg", true);
    var weight = p.positive(root, "$", "weightKg", true);
    Rate rate = null;
    var r = p.object(root, "$", "rate", false);
    if (r != null) {
      var value = p.positive(r, "$.rate", "value", true);
      var unit = p.text(r, "$.rate", "unit", true);
      if (unit != null && !RATE_UNITS.contains(unit)) {
        p.add("$.rate.unit", "rate unit '" + unit + "' is not one of " + RATE_UNITS);
      }
      rate = new Rate(value, unit);
    } else if (end == null && root.has("start")) {
      p.add("$.rate", "a session without an end needs its rate");
    }
    var clinician = p.text(root, "$", "clinician", false);
    var vitals = p.list(root, "vitals", (node, path) -> vital(p, node, path));
    var assessments = p.list(root, "assessments", (node, path) -> assessment(p, node, path));
    var events = p.list(root, "adverseEvents", (node, path) -> event(p, node, path));
    var notes = p.text(root, "$", "notes", false);
    p.throwIfAny();
    return new SessionRecord(sessionId, p.text(root, "$", "clinic", false), patient, indication, sessionNumber,
        protocol, start, end, dose, weight, rate, clinician, vitals, assessments, events, notes);
  }

  private PatientIdentity patient(Problems p, JsonNode root) {
    var node = p.object(root, "$", "patient", true);
    if (node == null) {
      return null;
    }
    var mrn = p.text(node, "$.patient", "mrn", true);
    if (mrn != null && mrn.length() > PatientIdentity.MAX_VALUE_LENGTH) {
      p.add("$.patient.mrn", "mrn of " + mrn.length() + " characters is longer than the " + PatientIdentity.MAX_VALUE_LENGTH
          + " an identifier may have");
    }
    var authority = p.text(node, "$.patient", "mrnAuthority", false);
    var given = p.text(node, "$.patient", "givenName", false);
    var family = p.text(node, "$.patient", "familyName", false);
    var birthDate = p.text(node, "$.patient", "birthDate", false);
    if (birthDate != null && !birthDate.matches("\\d{4}-\\d{2}-\\d{2}")) {
      p.add("$.patient.birthDate", "birthDate '" + birthDate + "' is not YYYY-MM-DD");
      birthDate = null;
    }
    var sex = p.text(node, "$.patient", "sex", false);
    AdministrativeGender gender = null;
    if (sex != null) {
      try {
        gender = AdministrativeGender.fromCode(sex);
      } catch (org.hl7.fhir.exceptions.FHIRException e) {
        p.add("$.patient.sex", "sex '" + sex + "' is not one of female, male, other, unknown");
      }
    }
    return new PatientIdentity(mrn, authority, family, given == null ? List.of() : List.of(given.split("\\s+")),
        birthDate, gender);
  }

  private VitalRow vital(Problems p, JsonNode node, String path) {
    var time = p.time(node, path, "time", true);
    var phaseText = p.text(node, path, "phase", false);
    InfusionPhase phase = null;
    if (phaseText != null) {
      try {
        phase = InfusionPhase.fromCode(phaseText);
      } catch (IllegalArgumentException e) {
        p.add(path + ".phase", "phase '" + phaseText + "' is not one of baseline, during-infusion, recovery");
      }
    }
    var row = new VitalRow(time, phase, p.positive(node, path, "heartRate", false), p.positive(node, path, "systolic", false),
        p.positive(node, path, "diastolic", false), p.positive(node, path, "spo2", false),
        p.positive(node, path, "respiratoryRate", false), p.positive(node, path, "temperatureC", false));
    if ((row.systolic() == null) != (row.diastolic() == null)) {
      p.add(path + (row.systolic() == null ? ".systolic" : ".diastolic"), "blood pressure needs both systolic and diastolic");
    }
    if (row.spo2() != null && row.spo2().compareTo(BigDecimal.valueOf(100)) > 0) {
      p.add(path + ".spo2", "spo2 " + row.spo2() + " is above 100 %");
    }
    return row;
  }

  private Assessment assessment(Problems p, JsonNode node, String path) {
    var key = p.text(node, path, "instrument", true);
    var instrument = key == null ? null : codes.instrument(key).orElse(null);
    if (key != null && instrument == null) {
      p.add(path + ".instrument", "unknown instrument '" + key + "'; one of " + String.join(", ", codes.instrumentKeys()));
    }
    var time = p.time(node, path, "time", true);
    var score = instrument == null ? p.integer(node, path, "score", true, Integer.MIN_VALUE, Integer.MAX_VALUE)
        : p.integer(node, path, "score", true, instrument.min(), instrument.max());
    Integer item9 = null;
    if (node.has("item9")) {
      if (!"PHQ-9".equals(key)) {
        p.add(path + ".item9", "item9 belongs to PHQ-9 only");
      }
      var item = codes.instrument("PHQ-9 item 9").orElseThrow();
      item9 = p.integer(node, path, "item9", true, item.min(), item.max());
    }
    return new Assessment(instrument, time, score == null ? 0 : score, item9);
  }

  private Event event(Problems p, JsonNode node, String path) {
    var key = p.text(node, path, "event", true);
    var event = key == null ? null : codes.event(key).orElse(null);
    if (key != null && event == null) {
      p.add(path + ".event", "unknown adverse event '" + key + "'; one of " + String.join(", ", codes.eventKeys()));
    }
    var time = p.time(node, path, "time", false);
    var severity = p.oneOf(node, path, "severity", true, SEVERITIES);
    var serious = node.get("serious");
    if (serious == null || !serious.isBoolean()) {
      p.add(path + ".serious", serious == null ? "serious is required (true or false)" : "serious must be true or false");
    }
    var outcome = p.oneOf(node, path, "outcome", true, OUTCOMES);
    return new Event(event, time, severity, serious != null && serious.asBoolean(), outcome,
        p.text(node, path, "note", false));
  }

  /** The problems found so far, and typed getters that add to them. */
  private static final class Problems {
    private final List<Problem> found = new ArrayList<>();

    void add(String path, String message) {
      found.add(new Problem(path, message));
    }

    void throwIfAny() {
      if (!found.isEmpty()) {
        throw new InvalidRecordException(found);
      }
    }

    private JsonNode field(JsonNode node, String path, String name, boolean required) {
      var value = node.get(name);
      if (value == null || value.isNull()) {
        if (required) {
          add(path + "." + name, name + " is required");
        }
        return null;
      }
      return value;
    }

    String text(JsonNode node, String path, String name, boolean required) {
      var value = field(node, path, name, required);
      if (value == null) {
        return null;
      }
      if (!value.isTextual() || value.asText().isBlank()) {
        add(path + "." + name, name + " must be a non-empty string, not " + describe(value));
        return null;
      }
      return value.asText().strip();
    }

    String oneOf(JsonNode node, String path, String name, boolean required, Set<String> allowed) {
      var value = text(node, path, name, required);
      if (value != null && !allowed.contains(value)) {
        add(path + "." + name, name + " '" + value + "' is not one of " + allowed);
        return null;
      }
      return value;
    }

    Integer integer(JsonNode node, String path, String name, boolean required, int min, int max) {
      var value = field(node, path, name, required);
      if (value == null) {
        return null;
      }
      if (!value.isIntegralNumber()) {
        add(path + "." + name, name + " must be a whole number, not " + describe(value));
        return null;
      }
      if (value.asLong() < min || value.asLong() > max) {
        add(path + "." + name, name + " " + value.asLong() + " is outside " + min + " to " + max);
        return null;
      }
      return value.asInt();
    }

    BigDecimal positive(JsonNode node, String path, String name, boolean required) {
      var value = field(node, path, name, required);
      if (value == null) {
        return null;
      }
      if (!value.isNumber()) {
        add(path + "." + name, name + " must be a number, not " + describe(value));
        return null;
      }
      // Jackson reads 1e400 as an infinite double, which has no decimal value: it was a 500 (found by
      // IntakeFuzzTest).
      if (value.isFloatingPointNumber() && !value.isBigDecimal() && !Double.isFinite(value.doubleValue())) {
        add(path + "." + name, name + " " + value.asText() + " is not a finite number");
        return null;
      }
      if (value.decimalValue().signum() <= 0) {
        add(path + "." + name, name + " must be greater than 0, not " + value.decimalValue());
        return null;
      }
      return value.decimalValue();
    }

    OffsetDateTime time(JsonNode node, String path, String name, boolean required) {
      var text = text(node, path, name, required);
      if (text == null) {
        return null;
      }
      OffsetDateTime time;
      try {
        time = OffsetDateTime.parse(text);
      } catch (DateTimeParseException e) {
        add(path + "." + name, name + " '" + text + "' is not a date-time with offset, such as 2026-05-04T09:30:00+02:00");
        return null;
      }
      // FHIR R4 dateTime has a four-digit year; Java's reaches ±999,999,999, and the year 999999999 overflowed
      // the conversion to a FHIR dateTime (a 500, found by IntakeFuzzTest).
      if (time.getYear() < 1 || time.getYear() > 9999) {
        add(path + "." + name, name + " '" + text + "' is outside the years 0001 to 9999 a FHIR dateTime holds");
        return null;
      }
      return time;
    }

    JsonNode object(JsonNode node, String path, String name, boolean required) {
      var value = field(node, path, name, required);
      if (value != null && !value.isObject()) {
        add(path + "." + name, name + " must be an object, not " + describe(value));
        return null;
      }
      return value;
    }

    <T> List<T> list(JsonNode root, String name, BiFunction<JsonNode, String, T> item) {
      var value = field(root, "$", name, false);
      if (value == null) {
        return List.of();
      }
      if (!value.isArray()) {
        add("$." + name, name + " must be an array, not " + describe(value));
        return List.of();
      }
      var items = new ArrayList<T>();
      for (int i = 0; i < value.size(); i++) {
        var path = "$." + name + "[" + i + "]";
        if (!value.get(i).isObject()) {
          add(path, "each entry of " + name + " must be an object");
          continue;
        }
        items.add(item.apply(value.get(i), path));
      }
      return items;
    }

    private static String describe(JsonNode value) {
      return value.getNodeType() == JsonNodeType.STRING ? "\"" + value.asText() + "\"" : value.getNodeType().name().toLowerCase();
    }
  }
}
