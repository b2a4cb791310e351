package org.infusionfhir.exchange;

import java.util.List;
import org.hl7.fhir.r4.model.AdverseEvent;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DetectedIssue;
import org.hl7.fhir.r4.model.Medication;
import org.hl7.fhir.r4.model.MedicationAdministration;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Procedure;

/** What a treatment summary is made from: the patient's record within the window, as stored. */
record TreatmentRecord(
    Patient patient,
    SummaryWindow window,
    List<Condition> conditions,
    List<CarePlan> carePlans,
    List<InfusionSession> sessions,
    List<Medication> medications,
    List<AdverseEvent> adverseEvents,
    List<OutcomeTrend> outcomes,
    List<DetectedIssue> safetyAlerts) {

  /** One infusion session: the Procedure, the drugs given in it and the range of its vital signs. */
  record InfusionSession(Procedure procedure, List<MedicationAdministration> administrations,
      VitalSignRanges vitals) {}
}
