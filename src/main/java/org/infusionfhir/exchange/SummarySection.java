package org.infusionfhir.exchange;

import org.hl7.fhir.r4.model.CodeableConcept;
import org.infusionfhir.ig.ImplementationGuidePackage;

/**
 * The sections of the treatment summary, in document order, with their codes from the local
 * {@code infusion-summary} CodeSystem (profiles/CodeSystem-infusion-summary.json; the displays here must
 * match it). Local because no verified LOINC document or section code exists for them.
 */
enum SummarySection {
  INDICATIONS("indications", "Indications"),
  COURSE_AND_SESSIONS("course-and-sessions", "Course and sessions"),
  VITAL_SIGN_RANGES("vital-sign-ranges", "Vital-sign ranges"),
  ADVERSE_EVENTS("adverse-events", "Adverse events"),
  OUTCOME_MEASURES("outcome-measures", "Outcome-measure trend"),
  SAFETY_ALERTS("safety-alerts", "Safety alerts");

  static final String SYSTEM = ImplementationGuidePackage.CANONICAL_BASE + "/CodeSystem/infusion-summary";
  static final String DOCUMENT_CODE = "treatment-summary";
  static final String DOCUMENT_DISPLAY = "Infusion treatment summary";

  final String code;
  final String title;

  SummarySection(String code, String title) {
    this.code = code;
    this.title = title;
  }

  CodeableConcept concept() {
    return local(code, title);
  }

  static CodeableConcept documentType() {
    return local(DOCUMENT_CODE, DOCUMENT_DISPLAY);
  }

  private static CodeableConcept local(String code, String display) {
    var concept = new CodeableConcept();
    concept.addCoding().setSystem(SYSTEM).setCode(code).setDisplay(display);
    return concept;
  }
}
