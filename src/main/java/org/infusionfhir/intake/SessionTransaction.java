package org.infusionfhir.intake;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import org.hl7.fhir.r4.model.AdverseEvent;
import org.hl7.fhir.r4.model.Annotation;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.HTTPVerb;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.MedicationAdministration;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.PositiveIntType;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.infusionfhir.adapter.InfusionPhase;
import org.infusionfhir.adapter.VitalSigns;
import org.infusionfhir.adapter.VitalSigns.Unit;

/**
 * One session record as the resources that store it, all with ids derived from the clinic's session id and
 * all written with PUT: a resend updates the same resources, and what the new record no longer holds is
 * deleted (see {@link IntakeService}). Every resource carries the session id as a tag so that it can be
 * found again.
 */
final class SessionTransaction {

  static final String CANONICAL = VitalSigns.CANONICAL;
  static final String SESSION_SYSTEM = CANONICAL + "/sid/intake-session";
  private static final String UCUM = "http://unitsofmeasure.org";
  private static final String SNOMED = "http://snomed.info/sct";

  private final SessionRecord record;
  private final VitalSigns vitalSigns;
  private final Reference patient;
  private final String key;
  private final IntakeCodes.Instrument phq9Item9;
  private final List<Resource> resources = new ArrayList<>();

  SessionTransaction(SessionRecord record, VitalSigns vitalSigns, Reference patient, IntakeCodes.Instrument phq9Item9) {
    this.record = record;
    this.phq9Item9 = phq9Item9;
    this.vitalSigns = vitalSigns;
    this.patient = patient;
    this.key = keyFor(record.sessionId());
  }

  static String keyFor(String sessionId) {
    try {
      var digest = MessageDigest.getInstance("SHA-256").digest(sessionId.getBytes(StandardCharsets.UTF_8));
      return "in-" + HexFormat.of().formatHex(digest).substring(0, 32);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }

  String procedureId() {
    return "Procedure/" + key + "-proc";
  }

  /** The resources of the session, in the order they are written. */
  List<Resource> build() {
    var encounter = encounter();
    var procedure = procedure();
    var weight = weight();
    var administration = administration(weight);
    resources.addAll(List.of(encounter, procedure, weight, administration));
    for (int i = 0; i < record.vitals().size(); i++) {
      vitals(i, record.vitals().get(i));
    }
    for (int i = 0; i < record.assessments().size(); i++) {
      assessment(i, record.assessments().get(i));
    }
    for (int i = 0; i < record.adverseEvents().size(); i++) {
      resources.add(adverseEvent(i, record.adverseEvents().get(i), administration));
    }
    for (var resource : resources) {
      resource.getMeta().addTag(SESSION_SYSTEM, record.sessionId(), "Intake session " + record.sessionId());
    }
    return resources;
  }

  private boolean inProgress() {
    return record.end() == null;
  }

  private Reference encounterRef() {
    return new Reference("Encounter/" + key + "-enc");
  }

  private Encounter encounter() {
    var encounter = new Encounter();
    encounter.setId("Encounter/" + key + "-enc");
    encounter.addIdentifier(new Identifier().setSystem(SESSION_SYSTEM).setValue(record.sessionId()));
    encounter.setStatus(inProgress() ? Encounter.EncounterStatus.INPROGRESS : Encounter.EncounterStatus.FINISHED);
    encounter.setClass_(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB", "ambulatory"));
    encounter.addType().setText("Infusion clinic visit");
    encounter.setSubject(patient);
    encounter.setPeriod(period(record.start(), record.end()));
    encounter.addReasonCode(indication());
    if (record.clinic() != null) {
      encounter.setServiceProvider(new Reference().setDisplay(record.clinic()));
    }
    return encounter;
  }

  private Procedure procedure() {
    var procedure = new Procedure();
    procedure.setId(procedureId());
    procedure.getMeta().addProfile(CANONICAL + "/StructureDefinition/"
        + (record.protocol() != null ? "ketamine-infusion-session" : "infusion-session"));
    procedure.addExtension(new Extension(CANONICAL + "/StructureDefinition/session-number",
        new PositiveIntType(record.sessionNumber())));
    if (record.protocol() != null) {
      procedure.addExtension(new Extension(CANONICAL + "/StructureDefinition/infusion-protocol",
          new CodeableConcept(new Coding(CANONICAL + "/CodeSystem/infusion-protocol", record.protocol(), null))));
    }
    procedure.addIdentifier(new Identifier().setSystem(SESSION_SYSTEM).setValue(record.sessionId()));
    procedure.setStatus(inProgress() ? Procedure.ProcedureStatus.INPROGRESS : Procedure.ProcedureStatus.COMPLETED);
    procedure.setCode(new CodeableConcept(new Coding(CANONICAL + "/CodeSystem/infusion-procedure", "iv-infusion",
        "IV infusion session")));
    procedure.setSubject(patient);
    procedure.setEncounter(encounterRef());
    procedure.setPerformed(period(record.start(), record.end()));
    if (record.clinician() != null) {
      procedure.addPerformer().setActor(new Reference().setDisplay(record.clinician()));
    }
    procedure.addReasonCode(indication());
    if (record.notes() != null) {
      procedure.addNote(new Annotation().setText(record.notes()));
    }
    return procedure;
  }

  private CodeableConcept indication() {
    var indication = record.indication();
    return new CodeableConcept()
        .addCoding(new Coding(SNOMED, indication.snomed(), indication.snomedDisplay()))
        .addCoding(new Coding("http://hl7.org/fhir/sid/icd-10-cm", indication.icd10(), indication.icd10Display()))
        .setText(indication.text());
  }

  private Observation weight() {
    var observation = vitalSigns.observation(vitalSigns.measure("body-weight"), patient, record.start());
    observation.setId("Observation/" + key + "-weight");
    linkToSession(observation, InfusionPhase.BASELINE);
    observation.setValue(VitalSigns.quantity(record.weightKg(), new Unit("kg", "kg")));
    return observation;
  }

  private MedicationAdministration administration(Observation weight) {
    var administration = new MedicationAdministration();
    administration.setId("MedicationAdministration/" + key + "-admin");
    administration.getMeta().addProfile(CANONICAL + "/StructureDefinition/ketamine-administration");
    administration.addPartOf(new Reference(procedureId()));
    administration.setStatus(inProgress() ? MedicationAdministration.MedicationAdministrationStatus.INPROGRESS
        : MedicationAdministration.MedicationAdministrationStatus.COMPLETED);
    administration.setMedication(new CodeableConcept(new Coding("http://www.nlm.nih.gov/research/umls/rxnorm", "6130",
        "ketamine")).setText("Ketamine"));
    administration.setSubject(patient);
    administration.setContext(encounterRef());
    administration.addSupportingInformation(new Reference(weight.getIdElement().getValue()));
    administration.setEffective(period(record.start(), record.end()));
    if (record.clinician() != null) {
      administration.addPerformer().setActor(new Reference().setDisplay(record.clinician()));
    }
    var mgPerKg = record.doseMg().divide(record.weightKg(), 3, RoundingMode.HALF_UP).stripTrailingZeros();
    var dosage = administration.getDosage();
    dosage.addExtension(new Extension(CANONICAL + "/StructureDefinition/weight-based-dose",
        new Quantity().setValue(mgPerKg).setUnit("mg/kg").setSystem(UCUM).setCode("mg/kg")));
    dosage.setRoute(new CodeableConcept(new Coding(SNOMED, "47625008", "Intravenous route")));
    dosage.setDose(new Quantity().setValue(record.doseMg()).setUnit("mg").setSystem(UCUM).setCode("mg"));
    dosage.setRate(rate());
    dosage.setText("Ketamine " + mgPerKg.toPlainString() + " mg/kg (" + record.doseMg().toPlainString() + " mg for "
        + record.weightKg().toPlainString() + " kg) IV");
    return administration;
  }

  /** The rate as charted, else the mean rate over the infusion in mg/min. */
  private Quantity rate() {
    if (record.rate() != null) {
      return new Quantity().setValue(record.rate().value()).setUnit(record.rate().unit()).setSystem(UCUM)
          .setCode(record.rate().unit());
    }
    var minutes = Duration.between(record.start(), record.end()).toSeconds() / 60.0;
    var perMinute = minutes <= 0 ? record.doseMg()
        : record.doseMg().divide(BigDecimal.valueOf(minutes), 3, RoundingMode.HALF_UP);
    return new Quantity().setValue(perMinute).setUnit("mg/min").setSystem(UCUM).setCode("mg/min");
  }

  private void vitals(int row, SessionRecord.VitalRow vital) {
    var phase = vital.phase() != null ? vital.phase()
        : InfusionPhase.at(vital.time().toInstant(), record.start().toInstant(),
            record.end() == null ? null : record.end().toInstant());
    var perMinuteBeats = new Unit("/min", "beats/minute");
    single(row, "hr", "heart-rate", vital, phase, vital.heartRate(), perMinuteBeats);
    single(row, "spo2", "oxygen-saturation", vital, phase, vital.spo2(), new Unit("%", "%"));
    single(row, "rr", "respiratory-rate", vital, phase, vital.respiratoryRate(), new Unit("/min", "breaths/minute"));
    single(row, "temp", "body-temperature", vital, phase, vital.temperatureC(), new Unit("Cel", "C"));
    if (vital.systolic() != null && vital.diastolic() != null) {
      var mmHg = new Unit("mm[Hg]", "mmHg");
      var systolic = vitalSigns.measure("bp-systolic");
      var observation = vitalSigns.observation(systolic, patient, vital.time());
      observation.setId("Observation/" + key + "-v" + row + "-bp");
      observation.addComponent().setCode(vitalSigns.code(systolic)).setValue(VitalSigns.quantity(vital.systolic(), mmHg));
      observation.addComponent().setCode(vitalSigns.code(vitalSigns.measure("bp-diastolic")))
          .setValue(VitalSigns.quantity(vital.diastolic(), mmHg));
      linkToSession(observation, phase);
      resources.add(observation);
    }
  }

  private void single(int row, String suffix, String measure, SessionRecord.VitalRow vital, InfusionPhase phase,
      BigDecimal value, Unit unit) {
    if (value == null) {
      return;
    }
    var observation = vitalSigns.observation(vitalSigns.measure(measure), patient, vital.time());
    observation.setId("Observation/" + key + "-v" + row + "-" + suffix);
    observation.setValue(VitalSigns.quantity(value, unit));
    linkToSession(observation, phase);
    resources.add(observation);
  }

  private void assessment(int index, SessionRecord.Assessment assessment) {
    resources.add(score("a" + index, assessment.instrument(), assessment.time(), assessment.score()));
    if (assessment.item9() != null) {
      // PHQ-9 item 9 is recorded on its own: any score above 0 calls for clinical follow-up.
      resources.add(score("a" + index + "-item9", phq9Item9, assessment.time(), assessment.item9()));
    }
  }

  private Observation score(String suffix, IntakeCodes.Instrument instrument, OffsetDateTime time, int value) {
    var observation = new Observation();
    observation.setId("Observation/" + key + "-" + suffix);
    observation.getMeta().addProfile(CANONICAL + "/StructureDefinition/" + instrument.profile());
    observation.addPartOf(new Reference(procedureId()));
    observation.setStatus(Observation.ObservationStatus.FINAL);
    observation.addCategory(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/observation-category",
        "survey", "Survey")));
    observation.setCode(new CodeableConcept(new Coding(instrument.system(), instrument.code(), instrument.display()))
        .setText(instrument.text()));
    observation.setSubject(patient);
    observation.setEncounter(encounterRef());
    observation.setEffective(VitalSigns.dateTime(time));
    if (instrument.patientReported()) {
      observation.addPerformer(patient);
    } else if (record.clinician() != null) {
      observation.addPerformer(new Reference().setDisplay(record.clinician()));
    }
    observation.setValue(new IntegerType(value));
    return observation;
  }

  private AdverseEvent adverseEvent(int index, SessionRecord.Event event, MedicationAdministration administration) {
    var adverse = new AdverseEvent();
    adverse.setId("AdverseEvent/" + key + "-ae" + index);
    adverse.getMeta().addProfile(CANONICAL + "/StructureDefinition/infusion-adverse-event");
    adverse.setActuality(AdverseEvent.AdverseEventActuality.ACTUAL);
    adverse.setEvent(new CodeableConcept(new Coding(event.event().system(), event.event().code(), event.event().display()))
        .setText(event.note() != null ? event.note() : event.event().display()));
    adverse.setSubject(patient);
    adverse.setEncounter(encounterRef());
    var when = event.time() != null ? event.time() : record.start();
    adverse.setDateElement(VitalSigns.dateTime(when));
    // Recorded when the session was charted; a fixed value keeps an unchanged resend from making a new version.
    adverse.setRecordedDateElement(VitalSigns.dateTime(record.end() != null ? record.end() : when));
    // FHIR R4 adverse-event-seriousness codes are case-sensitive: Serious / Non-serious.
    var seriousness = event.serious() ? "Serious" : "Non-serious";
    adverse.setSeriousness(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/adverse-event-seriousness",
        seriousness, seriousness)));
    adverse.setSeverity(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/adverse-event-severity",
        event.severity(), capitalised(event.severity()))));
    var outcome = switch (event.outcome()) {
      case "resolving" -> "recovering";
      case "not-resolved" -> "ongoing";
      default -> event.outcome();
    };
    adverse.setOutcome(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/adverse-event-outcome",
        outcome, capitalised(outcome))));
    adverse.addSuspectEntity().setInstance(new Reference(administration.getIdElement().getValue()));
    return adverse;
  }

  private void linkToSession(Observation observation, InfusionPhase phase) {
    observation.addPartOf(new Reference(procedureId()));
    observation.setEncounter(encounterRef());
    observation.addExtension(phase.extension());
  }

  private static Period period(OffsetDateTime start, OffsetDateTime end) {
    var period = new Period().setStartElement(VitalSigns.dateTime(start));
    if (end != null) {
      period.setEndElement(VitalSigns.dateTime(end));
    }
    return period;
  }

  private static String capitalised(String code) {
    return Character.toUpperCase(code.charAt(0)) + code.substring(1);
  }
}
