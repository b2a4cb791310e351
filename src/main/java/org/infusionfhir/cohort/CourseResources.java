package org.infusionfhir.cohort;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import org.hl7.fhir.r4.model.AdverseEvent;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.MedicationAdministration;
import org.hl7.fhir.r4.model.MedicationAdministration.MedicationAdministrationDosageComponent;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.PositiveIntType;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.SimpleQuantity;
import org.hl7.fhir.r4.model.Timing;
import org.infusionfhir.adapter.InfusionPhase;
import org.infusionfhir.adapter.VitalSigns;
import org.infusionfhir.adapter.VitalSigns.Unit;
import org.infusionfhir.cohort.TreatmentCourse.MonitorReading;
import org.infusionfhir.cohort.TreatmentCourse.Reaction;
import org.infusionfhir.cohort.TreatmentCourse.Score;
import org.infusionfhir.cohort.TreatmentCourse.Session;

/**
 * A planned course as FHIR resources in the shapes of {@code fixtures/bundles}: the same profiles, codes,
 * systems and extensions, with client-assigned ids and relative references, so that every resource
 * validates against our guide and a Bundle of them can be stored with PUTs.
 */
final class CourseResources {

  static final String CANONICAL = VitalSigns.CANONICAL;
  static final String PROFILE = CANONICAL + "/StructureDefinition/";
  /** The fixtures' medical record number system; the demo profile maps the HL7 v2 authority CLINIC to it. */
  static final String MRN_SYSTEM = CANONICAL + "/fixtures/mrn";
  private static final String SNOMED = "http://snomed.info/sct";
  private static final String UCUM = ClinicResources.UCUM;
  private static final Unit BEATS = new Unit("/min", "beats/minute");
  private static final Unit BREATHS = new Unit("/min", "breaths/minute");
  private static final Unit PERCENT = new Unit("%", "%");
  private static final Unit MM_HG = new Unit("mm[Hg]", "mmHg");
  private static final Unit CELSIUS = new Unit("Cel", "Cel");
  private static final Unit KILOGRAM = new Unit("kg", "kg");
  private static final Reference MONITOR = new Reference().setDisplay("Bedside multi-parameter monitor");

  /** A patient's resources, and the clinic's shared resources they reference. */
  record PatientResources(List<Resource> own, List<Resource> shared) {}

  private final CohortTables tables;
  private final ClinicResources clinic;
  private final VitalSigns vitalSigns;

  CourseResources(CohortTables tables, ClinicResources clinic, VitalSigns vitalSigns) {
    this.tables = tables;
    this.clinic = clinic;
    this.vitalSigns = vitalSigns;
  }

  PatientResources build(TreatmentCourse course) {
    var own = new ArrayList<Resource>();
    var shared = new LinkedHashSet<String>();
    var patient = course.patient();
    var clinician = "Practitioner/" + patient.clinician().id();
    shared.add(clinician);
    own.add(patient(patient));
    if (course.type().indicationKey() != null) {
      own.add(condition(course, clinician));
    }
    own.add(carePlan(course, clinician));
    for (var session : course.sessions()) {
      shared.add("Location/" + session.chair().id());
      own.addAll(session(course, session, clinician));
    }
    if (!course.type().ketamine()) {
      shared.add("Medication/" + clinic.vitaminKit().getIdElement().getIdPart());
    }
    return new PatientResources(own, shared.stream().map(clinic::get).toList());
  }

  private static Patient patient(SyntheticPatient person) {
    var patient = new Patient();
    patient.setId(person.id());
    patient.addIdentifier().setUse(Identifier.IdentifierUse.USUAL)
        .setType(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/v2-0203", "MR",
            "Medical record number")))
        .setSystem(MRN_SYSTEM).setValue(person.medicalRecordNumber());
    patient.setActive(true);
    var name = patient.addName().setUse(HumanName.NameUse.OFFICIAL).setFamily(person.family()).addGiven(person.given());
    if (person.middle() != null) {
      name.addGiven(person.middle());
    }
    patient.addTelecom().setSystem(ContactPoint.ContactPointSystem.PHONE).setValue(person.phone())
        .setUse(ContactPoint.ContactPointUse.MOBILE);
    patient.setGender(person.female() ? AdministrativeGender.FEMALE : AdministrativeGender.MALE);
    patient.setBirthDateElement(new DateType(person.birthDate().toString()));
    return patient;
  }

  private Condition condition(TreatmentCourse course, String clinician) {
    var indication = tables.indication(course.type().indicationKey());
    var condition = new Condition();
    condition.setId(course.conditionId());
    condition.setClinicalStatus(new CodeableConcept(new Coding(
        "http://terminology.hl7.org/CodeSystem/condition-clinical", "active", "Active")));
    condition.setVerificationStatus(new CodeableConcept(new Coding(
        "http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed", "Confirmed")));
    condition.addCategory(new CodeableConcept(new Coding(
        "http://terminology.hl7.org/CodeSystem/condition-category", "problem-list-item", "Problem List Item")));
    condition.setCode(new CodeableConcept()
        .addCoding(new Coding(SNOMED, indication.snomed(), indication.snomedDisplay()))
        .addCoding(new Coding("http://hl7.org/fhir/sid/icd-10-cm", indication.icd10(), indication.icd10Display()))
        .setText(indication.text()));
    condition.setSubject(patientReference(course));
    condition.setOnset(new DateTimeType(course.conditionOnset().toString()));
    condition.setRecordedDateElement(new DateTimeType(course.conditionOnset().toString()));
    condition.setRecorder(new Reference(clinician));
    return condition;
  }

  private CarePlan carePlan(TreatmentCourse course, String clinician) {
    var type = course.type();
    var plan = new CarePlan();
    plan.setId(course.careplanId());
    plan.getMeta().addProfile(PROFILE + "infusion-care-plan");
    plan.setStatus(CarePlan.CarePlanStatus.ACTIVE);
    plan.setIntent(CarePlan.CarePlanIntent.PLAN);
    plan.setTitle(CourseTexts.title(type));
    plan.setDescription(CourseTexts.description(type, course.inductionSessions()));
    plan.setSubject(patientReference(course));
    var first = course.sessions().get(0).start().toLocalDate();
    plan.setPeriod(new Period().setStartElement(new DateTimeType(first.toString())));
    plan.setCreatedElement(new DateTimeType(first.toString()));
    plan.setAuthor(new Reference(clinician));
    if (type.indicationKey() != null) {
      plan.addAddresses(new Reference("Condition/" + course.conditionId()));
    }

    var induction = activity(plan, "induction", "Induction", course, clinician);
    course.induction().forEach(s -> induction.addOutcomeReference(new Reference("Procedure/" + s.id())));
    var inductionLast = course.induction().get(course.induction().size() - 1).start().toLocalDate();
    var repeat = induction.getDetail().setStatus(CarePlan.CarePlanActivityStatus.COMPLETED)
        .setDescription(CourseTexts.inductionActivity(type, course.inductionSessions()))
        .getScheduledTiming().getRepeat().setCount(course.inductionSessions());
    switch (type.rhythm()) {
      case TWICE_WEEKLY -> repeat.setFrequency(2).setPeriod(1).setPeriodUnit(Timing.UnitsOfTime.WK);
      case DAILY -> repeat.setFrequency(1).setPeriod(1).setPeriodUnit(Timing.UnitsOfTime.D);
      case WEEKLY -> repeat.setFrequency(1).setPeriod(1).setPeriodUnit(Timing.UnitsOfTime.WK);
    }
    repeat.setBounds(new Period().setStartElement(new DateTimeType(first.toString()))
        .setEndElement(new DateTimeType(inductionLast.toString())));

    var maintenance = activity(plan, "maintenance", "Maintenance", course, clinician);
    course.maintenance().forEach(s -> maintenance.addOutcomeReference(new Reference("Procedure/" + s.id())));
    var maintenanceRepeat = maintenance.getDetail()
        .setStatus(course.maintenance().isEmpty() ? CarePlan.CarePlanActivityStatus.SCHEDULED
            : CarePlan.CarePlanActivityStatus.INPROGRESS)
        .setDescription(CourseTexts.maintenanceActivity(type))
        .getScheduledTiming().getRepeat().setFrequency(1);
    if (type.maintenanceWeeks() > 0) {
      maintenanceRepeat.setPeriod(type.maintenanceWeeks()).setPeriodUnit(Timing.UnitsOfTime.WK);
    } else {
      maintenanceRepeat.setPeriod(1).setPeriodUnit(Timing.UnitsOfTime.MO);
    }
    maintenanceRepeat.setBounds(new Period().setStartElement(new DateTimeType(course.maintenanceFrom().toString())));
    return plan;
  }

  private CarePlan.CarePlanActivityComponent activity(CarePlan plan, String phase, String display,
      TreatmentCourse course, String clinician) {
    var activity = plan.addActivity();
    activity.addExtension(new Extension(PROFILE + "course-phase", new CodeableConcept(new Coding(
        CANONICAL + "/CodeSystem/course-phase", phase, display))));
    var detail = activity.getDetail();
    detail.setCode(infusionSessionCode());
    detail.addPerformer(new Reference(clinician));
    if (course.type().indicationKey() != null) {
      detail.addReasonReference(new Reference("Condition/" + course.conditionId()));
    }
    if (course.type().ketamine()) {
      detail.setProduct(ketamineCode());
    }
    return activity;
  }

  private List<Resource> session(TreatmentCourse course, Session session, String clinician) {
    var resources = new ArrayList<Resource>();
    var lastReading = session.readings().get(session.readings().size() - 1).time();
    var encounterEnd = lastReading.plusMinutes(15);
    resources.add(encounter(course, session, clinician, encounterEnd));
    resources.add(procedure(course, session, clinician));
    resources.add(weight(course, session, clinician));
    var administration = administration(course, session, clinician);
    resources.add(administration);
    for (var reading : session.readings()) {
      vitals(course, session, reading, clinician, resources);
    }
    for (var score : session.scores()) {
      resources.add(score(course, session, score, clinician));
    }
    for (var reaction : session.reactions()) {
      resources.add(adverseEvent(course, session, reaction, administration.getIdElement().getIdPart(), clinician,
          encounterEnd.minusMinutes(15)));
    }
    return resources;
  }

  private static Encounter encounter(TreatmentCourse course, Session session, String clinician,
      OffsetDateTime end) {
    var encounter = new Encounter();
    encounter.setId(session.encounterId());
    encounter.setStatus(Encounter.EncounterStatus.FINISHED);
    encounter.setClass_(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB", "ambulatory"));
    encounter.addType(new CodeableConcept().setText("Infusion clinic visit"));
    encounter.setSubject(patientReference(course));
    encounter.addParticipant().setIndividual(new Reference(clinician));
    var arrival = session.start().minusMinutes(course.type().ketamine() ? 30 : 20);
    encounter.setPeriod(new Period().setStartElement(VitalSigns.dateTime(arrival))
        .setEndElement(VitalSigns.dateTime(end)));
    encounter.addLocation().setLocation(new Reference("Location/" + session.chair().id()))
        .setStatus(Encounter.EncounterLocationStatus.COMPLETED);
    if (course.type().indicationKey() != null) {
      encounter.addReasonReference(new Reference("Condition/" + course.conditionId()));
    }
    return encounter;
  }

  private static Procedure procedure(TreatmentCourse course, Session session, String clinician) {
    var type = course.type();
    var procedure = new Procedure();
    procedure.setId(session.id());
    procedure.getMeta().addProfile(PROFILE + (type.ketamine() ? "ketamine-infusion-session" : "infusion-session"));
    procedure.addExtension(new Extension(PROFILE + "session-number", new PositiveIntType(session.number())));
    procedure.addExtension(new Extension(PROFILE + "infusion-protocol", new CodeableConcept(new Coding(
        CANONICAL + "/CodeSystem/infusion-protocol", type.protocolCode(), type.protocolDisplay()))));
    procedure.addBasedOn(new Reference("CarePlan/" + course.careplanId()));
    procedure.setStatus(Procedure.ProcedureStatus.COMPLETED);
    procedure.setCode(infusionSessionCode());
    procedure.setSubject(patientReference(course));
    procedure.setEncounter(new Reference("Encounter/" + session.encounterId()));
    procedure.setPerformed(new Period().setStartElement(VitalSigns.dateTime(session.start()))
        .setEndElement(VitalSigns.dateTime(session.end())));
    procedure.addPerformer().setActor(new Reference(clinician));
    procedure.setLocation(new Reference("Location/" + session.chair().id()));
    if (type.indicationKey() != null) {
      procedure.addReasonReference(new Reference("Condition/" + course.conditionId()));
    } else {
      procedure.addReasonCode(new CodeableConcept().setText("Wellness infusion"));
    }
    procedure.setOutcome(new CodeableConcept().setText(CourseTexts.outcome(type, session)));
    for (var reaction : session.reactions()) {
      procedure.addComplication(new CodeableConcept(new Coding(reaction.kind().system(), reaction.kind().code(),
          reaction.kind().display())));
    }
    procedure.addFollowUp(new CodeableConcept().setText(CourseTexts.followUp(course, session)));
    return procedure;
  }

  private Observation weight(TreatmentCourse course, Session session, String clinician) {
    var measured = session.start().minusMinutes(course.type().ketamine() ? 20 : 15);
    var observation = vital(course, session, "body-weight", measured, InfusionPhase.BASELINE, clinician);
    observation.setId(session.weightId());
    observation.setValue(VitalSigns.quantity(BigDecimal.valueOf(session.weightKg()).setScale(1, RoundingMode.HALF_UP),
        KILOGRAM));
    observation.setDevice(null);
    return observation;
  }

  private MedicationAdministration administration(TreatmentCourse course, Session session, String clinician) {
    var type = course.type();
    var given = new MedicationAdministration();
    given.addPartOf(new Reference("Procedure/" + session.id()));
    given.setStatus(MedicationAdministration.MedicationAdministrationStatus.COMPLETED);
    given.setSubject(patientReference(course));
    given.setContext(new Reference("Encounter/" + session.encounterId()));
    given.addSupportingInformation(new Reference("Observation/" + session.weightId()));
    given.setEffective(new Period().setStartElement(VitalSigns.dateTime(session.start()))
        .setEndElement(VitalSigns.dateTime(session.end())));
    given.addPerformer().setActor(new Reference(clinician));
    var dosage = new MedicationAdministrationDosageComponent();
    dosage.setRoute(new CodeableConcept(new Coding(SNOMED, "47625008", "Intravenous route")));
    if (type.ketamine()) {
      given.setId(session.id() + "-ketamine");
      given.getMeta().addProfile(PROFILE + "ketamine-administration");
      given.setMedication(ketamineCode().setText("Ketamine hydrochloride in 0.9% sodium chloride"));
      given.addReasonReference(new Reference("Condition/" + course.conditionId()));
      var milligrams = BigDecimal.valueOf(session.weightKg() * type.milligramsPerKilogram())
          .setScale(1, RoundingMode.HALF_UP);
      var perMinute = milligrams.divide(BigDecimal.valueOf(type.infusionMinutes()), 2, RoundingMode.HALF_UP);
      // A Quantity, not a SimpleQuantity: HAPI would name the latter valueSimpleQuantity, which R4 lacks.
      dosage.addExtension(new Extension(PROFILE + "weight-based-dose", new Quantity()
          .setValue(BigDecimal.valueOf(type.milligramsPerKilogram())).setUnit("mg/kg").setSystem(UCUM).setCode("mg/kg")));
      dosage.setText(CourseTexts.ketamineDose(type, milligrams, session.weightKg(), perMinute));
      dosage.setDose(quantity(milligrams, "mg"));
      dosage.setRate(quantity(perMinute, "mg/min"));
    } else {
      given.setId(session.id() + "-vitamins");
      given.getMeta().addProfile(PROFILE + "infusion-medication-administration");
      given.setMedication(new Reference("Medication/" + clinic.vitaminKit().getIdElement().getIdPart())
          .setDisplay("IV vitamin kit"));
      dosage.setText("IV vitamin kit, 500 mL over 60 minutes by gravity with rate controller");
      dosage.setDose(quantity(new BigDecimal(500), "mL"));
      dosage.setRate(quantity(new BigDecimal(500), "mL/h"));
    }
    given.setDosage(dosage);
    return given;
  }

  private void vitals(TreatmentCourse course, Session session, MonitorReading reading, String clinician,
      List<Resource> into) {
    var at = CohortIds.offset(reading.offsetSeconds());
    if (reading.heartRate() != null) {
      into.add(vitalValue(course, session, reading, clinician, "heart-rate", "hr-" + at, reading.heartRate(), BEATS));
    }
    if (reading.systolic() != null) {
      var bp = vital(course, session, "bp-systolic", reading.time(), reading.phase(), clinician);
      bp.setId(session.id() + "-bp-" + at);
      bp.addComponent().setCode(vitalSigns.code(vitalSigns.measure("bp-systolic")))
          .setValue(VitalSigns.quantity(new BigDecimal(reading.systolic()), MM_HG));
      bp.addComponent().setCode(vitalSigns.code(vitalSigns.measure("bp-diastolic")))
          .setValue(VitalSigns.quantity(new BigDecimal(reading.diastolic()), MM_HG));
      into.add(bp);
    }
    if (reading.oxygenSaturation() != null) {
      into.add(vitalValue(course, session, reading, clinician, "oxygen-saturation", "spo2-" + at,
          reading.oxygenSaturation(), PERCENT));
    }
    if (reading.respiratoryRate() != null) {
      into.add(vitalValue(course, session, reading, clinician, "respiratory-rate", "rr-" + at,
          reading.respiratoryRate(), BREATHS));
    }
    if (reading.temperature() != null) {
      var temperature = vital(course, session, "body-temperature", reading.time(), reading.phase(), clinician);
      temperature.setId(session.id() + "-temp-" + at);
      temperature.setValue(VitalSigns.quantity(reading.temperature(), CELSIUS));
      temperature.setDevice(null);
      into.add(temperature);
    }
  }

  private Observation vitalValue(TreatmentCourse course, Session session, MonitorReading reading, String clinician,
      String measure, String name, int value, Unit unit) {
    var observation = vital(course, session, measure, reading.time(), reading.phase(), clinician);
    observation.setId(session.id() + "-" + name);
    observation.setValue(VitalSigns.quantity(new BigDecimal(value), unit));
    return observation;
  }

  /** A vital sign of the session as our profile for the measure has it (adapter/vital-sign-measures.csv). */
  private Observation vital(TreatmentCourse course, Session session, String measure, OffsetDateTime time,
      InfusionPhase phase, String clinician) {
    var observation = vitalSigns.observation(vitalSigns.measure(measure), patientReference(course), time);
    observation.addExtension(phase.extension());
    observation.addPartOf(new Reference("Procedure/" + session.id()));
    observation.setEncounter(new Reference("Encounter/" + session.encounterId()));
    observation.addPerformer(new Reference(clinician));
    observation.setDevice(MONITOR.copy());
    return observation;
  }

  private static Observation score(TreatmentCourse course, Session session, Score score, String clinician) {
    var instrument = score.instrument();
    var observation = new Observation();
    observation.setId(session.id() + "-" + score.name());
    observation.getMeta().addProfile(PROFILE + instrument.profile());
    observation.addPartOf(new Reference("Procedure/" + session.id()));
    observation.setStatus(Observation.ObservationStatus.FINAL);
    observation.addCategory(new CodeableConcept(new Coding(
        "http://terminology.hl7.org/CodeSystem/observation-category", "survey", "Survey")));
    observation.setCode(new CodeableConcept(new Coding(instrument.system(), instrument.code(), instrument.display()))
        .setText(instrument.text()));
    observation.setSubject(patientReference(course));
    observation.setEncounter(new Reference("Encounter/" + session.encounterId()));
    observation.setEffective(VitalSigns.dateTime(score.time()));
    observation.addPerformer(instrument.patientReported() ? patientReference(course) : new Reference(clinician));
    observation.setValue(new IntegerType(score.value()));
    return observation;
  }

  private static AdverseEvent adverseEvent(TreatmentCourse course, Session session, Reaction reaction,
      String administrationId, String clinician, OffsetDateTime recorded) {
    var kind = reaction.kind();
    var event = new AdverseEvent();
    event.setId(session.id() + "-ae-" + kind.key());
    event.getMeta().addProfile(PROFILE + "infusion-adverse-event");
    event.setActuality(AdverseEvent.AdverseEventActuality.ACTUAL);
    var code = new CodeableConcept(new Coding(kind.system(), kind.code(), kind.display()));
    if (reaction.detail() != null) {
      code.setText(kind.display() + " (" + reaction.detail() + ")");
    }
    event.setEvent(code);
    event.setSubject(patientReference(course));
    event.setEncounter(new Reference("Encounter/" + session.encounterId()));
    event.setDateElement(VitalSigns.dateTime(reaction.time()));
    event.setDetectedElement(VitalSigns.dateTime(reaction.time()));
    event.setRecordedDateElement(VitalSigns.dateTime(recorded));
    event.setRecorder(new Reference(clinician));
    // Reactions to sub-anaesthetic ketamine in an outpatient chair are transient and resolve without
    // treatment; none here meets the seriousness criteria (death, hospitalisation, disability).
    event.setSeriousness(new CodeableConcept(new Coding(
        "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness", "Non-serious", "Non-serious")));
    event.setSeverity(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/adverse-event-severity",
        reaction.moderate() ? "moderate" : "mild", reaction.moderate() ? "Moderate" : "Mild")));
    event.setOutcome(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/adverse-event-outcome",
        kind.outcome(), kind.outcome().equals("resolved") ? "Resolved" : "Recovering")));
    event.addSuspectEntity().setInstance(new Reference("MedicationAdministration/" + administrationId))
        .addCausality()
        .setAssessment(new CodeableConcept(new Coding(
            "http://terminology.hl7.org/CodeSystem/adverse-event-causality-assess", kind.causality(),
            kind.causality().replace('-', '/'))))
        .setProductRelatedness(kind.relatedness())
        .setAuthor(new Reference(clinician));
    return event;
  }

  private static Reference patientReference(TreatmentCourse course) {
    return new Reference("Patient/" + course.patient().id());
  }

  private static CodeableConcept infusionSessionCode() {
    return new CodeableConcept(new Coding(CANONICAL + "/CodeSystem/infusion-procedure", "iv-infusion",
        "IV infusion session"));
  }

  private static CodeableConcept ketamineCode() {
    return new CodeableConcept(new Coding("http://www.nlm.nih.gov/research/umls/rxnorm", "6130", "ketamine"));
  }

  private static SimpleQuantity quantity(BigDecimal value, String ucum) {
    var quantity = new SimpleQuantity();
    quantity.setValue(value).setUnit(ucum).setSystem(UCUM).setCode(ucum);
    return quantity;
  }
}
