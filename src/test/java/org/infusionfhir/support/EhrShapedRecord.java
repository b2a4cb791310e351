package org.infusionfhir.support;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.UUID;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.MedicationAdministration;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;

/**
 * One ketamine infusion as an EHR writes it through plain FHIR, claiming no profile of ours: the session is
 * a Procedure with the EHR's own code, the drug a MedicationAdministration by the intravenous route
 * {@code partOf} it, the heart rates linked to the visit only (no {@code partOf}, no phase), and no CarePlan,
 * body weight, session number or mg/kg. Beside it, a consultation Procedure that is no infusion.
 */
public record EhrShapedRecord(String patientId, String mrn, String sessionId, String administrationId,
    String consultationId, int heartRates) {

  public static final String EHR_PROCEDURES = "https://ehr.example.test/procedure-codes";

  public static EhrShapedRecord create(IGenericClient client) {
    var mrn = "EHR-" + UUID.randomUUID().toString().substring(0, 12);
    var patient = new Patient();
    patient.addIdentifier().setSystem("https://ehr.example.test/mrn").setValue(mrn);
    patient.addName().setFamily("Okonkwo").addGiven("Grace");
    patient.setBirthDateElement(new org.hl7.fhir.r4.model.DateType("1975-09-30"));
    var patientRef = "Patient/" + client.create().resource(patient).execute().getId().getIdPart();

    var start = OffsetDateTime.of(2026, 3, 10, 9, 0, 0, 0, ZoneOffset.UTC);
    var visit = new Encounter().setStatus(Encounter.EncounterStatus.FINISHED)
        .setClass_(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB", "ambulatory"))
        .setSubject(new Reference(patientRef))
        .setPeriod(new Period().setStart(date(start.minusMinutes(20))).setEnd(date(start.plusMinutes(90))));
    var visitRef = "Encounter/" + client.create().resource(visit).execute().getId().getIdPart();

    var session = new Procedure().setStatus(Procedure.ProcedureStatus.COMPLETED)
        .setCode(new CodeableConcept(new Coding(EHR_PROCEDURES, "KET-IV", "Ketamine infusion")))
        .setSubject(new Reference(patientRef)).setEncounter(new Reference(visitRef))
        .setPerformed(new Period().setStart(date(start)).setEnd(date(start.plusMinutes(40))));
    var sessionId = client.create().resource(session).execute().getId().getIdPart();

    var consultation = new Procedure().setStatus(Procedure.ProcedureStatus.COMPLETED)
        .setCode(new CodeableConcept(new Coding(EHR_PROCEDURES, "CONSULT", "Psychiatric consultation")))
        .setSubject(new Reference(patientRef))
        .setPerformed(new Period().setStart(date(start.minusDays(7))).setEnd(date(start.minusDays(7).plusMinutes(30))));
    var consultationId = client.create().resource(consultation).execute().getId().getIdPart();

    var given = new MedicationAdministration().setStatus(MedicationAdministration.MedicationAdministrationStatus.COMPLETED)
        .setMedication(new CodeableConcept(new Coding("http://www.nlm.nih.gov/research/umls/rxnorm", "6130", "ketamine")))
        .setSubject(new Reference(patientRef)).setContext(new Reference(visitRef))
        .setEffective(new Period().setStart(date(start)).setEnd(date(start.plusMinutes(40))));
    given.addPartOf(new Reference("Procedure/" + sessionId));
    given.getDosage().setRoute(new CodeableConcept(new Coding("http://snomed.info/sct", "47625008", "Intravenous route")))
        .setDose((org.hl7.fhir.r4.model.SimpleQuantity) new org.hl7.fhir.r4.model.SimpleQuantity().setValue(35)
            .setUnit("mg").setSystem("http://unitsofmeasure.org").setCode("mg"));
    var administrationId = client.create().resource(given).execute().getId().getIdPart();

    int[] rates = {72, 80, 76};
    for (int i = 0; i < rates.length; i++) {
      var heartRate = new Observation().setStatus(Observation.ObservationStatus.FINAL)
          .setCode(new CodeableConcept(new Coding("http://loinc.org", "8867-4", "Heart rate")))
          .setSubject(new Reference(patientRef)).setEncounter(new Reference(visitRef))
          .setEffective(new org.hl7.fhir.r4.model.DateTimeType(date(start.plusMinutes(i * 20L))))
          .setValue(new Quantity().setValue(rates[i]).setUnit("/min").setSystem("http://unitsofmeasure.org").setCode("/min"));
      heartRate.addCategory().addCoding().setSystem("http://terminology.hl7.org/CodeSystem/observation-category")
          .setCode("vital-signs");
      client.create().resource(heartRate).execute();
    }
    return new EhrShapedRecord(patientRef.substring("Patient/".length()), mrn, sessionId, administrationId,
        consultationId, rates.length);
  }

  private static Date date(OffsetDateTime time) {
    return Date.from(time.toInstant());
  }
}
