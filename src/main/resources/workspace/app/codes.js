// The codes the workspace reads. They are the guide's (profiles/) and REFERENCE.md's, nothing invented.
export const LOINC = 'http://loinc.org';
export const SNOMED = 'http://snomed.info/sct';
export const GUIDE = 'http://infusion-fhir.org/fhir';
export const SD = GUIDE + '/StructureDefinition/';

export const PHQ9_TOTAL = '44261-6';
export const PHQ9_ITEM9 = '44260-8';
export const GAD7_TOTAL = '70274-6';
export const BODY_WEIGHT = '29463-7';
export const HEART_RATE = '8867-4';
export const BP_PANEL = '85354-9';
export const SYSTOLIC = '8480-6';
export const DIASTOLIC = '8462-4';
export const SPO2 = ['2708-6', '59408-5'];
export const RESP_RATE = '9279-1';
export const OBSERVATION_SYSTEM = GUIDE + '/CodeSystem/infusion-observation';
export const MOAAS = 'moaas';
export const CADSS = 'cadss-total';

export const SESSION_NUMBER = SD + 'session-number';
export const INFUSION_PHASE = SD + 'infusion-phase';
export const WEIGHT_BASED_DOSE = SD + 'weight-based-dose';
export const COURSE_PHASE = SD + 'course-phase';

/** SNOMED CT 47625008 Intravenous route (REFERENCE.md). */
export const IV_ROUTE = '47625008';

/** The outcome codes the overview asks for in one search. */
export const OUTCOME_CODES = [PHQ9_TOTAL, PHQ9_ITEM9, GAD7_TOTAL, BODY_WEIGHT].map((c) => `${LOINC}|${c}`);
/** The codes the room board shows as the latest vitals. */
export const BOARD_VITALS = [HEART_RATE, BP_PANEL, ...SPO2, RESP_RATE];

/** DetectedIssue search of open safety alerts (src/main/java/org/infusionfhir/safety/Alerts.java). */
export const ALERT_STATE_SEARCH = 'alert-state';
export const ALERT_STATE_OPEN = 'open';

export function hasCode(concept, system, codes) {
  const wanted = Array.isArray(codes) ? codes : [codes];
  return (concept?.coding || []).some((c) => (!system || c.system === system) && wanted.includes(c.code));
}

export function display(concept) {
  if (!concept) return '';
  return concept.text || concept.coding?.find((c) => c.display)?.display || concept.coding?.[0]?.code || '';
}

export function extension(resource, url) {
  return (resource?.extension || []).find((e) => e.url === url);
}
