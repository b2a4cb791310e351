// What the views make of FHIR resources: sessions, doses, outcome series. Every function takes what the
// record has and says what it lacks, so a record from an EHR, the adapters or the generator all show.
import * as c from './codes.js';
import { refersTo, ref } from './fhir.js';

/**
 * The guide's rule for what counts as an infusion session (profiles/ValueSet-infusion-session-codes.json):
 * a Procedure coded from that ValueSet, or one that an intravenous MedicationAdministration is partOf.
 */
export const SESSION_CODES = [
  { system: c.GUIDE + '/CodeSystem/infusion-procedure', code: 'iv-infusion' },
];

export function isIntravenous(administration) {
  const route = administration?.dosage?.route;
  return c.hasCode(route, c.SNOMED, c.IV_ROUTE) || /intravenous|^iv$/i.test(route?.text || '');
}

export function isInfusionSession(procedure, administrations) {
  const coded = (procedure.code?.coding || []).some((cd) => SESSION_CODES.some((s) => s.system === cd.system && s.code === cd.code));
  return coded || administrations.some((a) => isIntravenous(a) && (a.partOf || []).some((p) => refersTo(p, procedure)));
}

export function start(procedure) {
  return procedure.performedPeriod?.start || procedure.performedDateTime || null;
}

export function end(procedure) {
  return procedure.performedPeriod?.end || null;
}

/** The sessions of a course, oldest first, numbered by their session-number extension or by their order. */
export function sessions(procedures, administrations, observations = []) {
  const list = procedures
    .filter((p) => isInfusionSession(p, administrations))
    .sort((a, b) => String(start(a) || '').localeCompare(String(start(b) || '')));
  return list.map((procedure, index) => {
    const given = administrations.filter((a) => (a.partOf || []).some((p) => refersTo(p, procedure)));
    const numbered = c.extension(procedure, c.SESSION_NUMBER)?.valuePositiveInt;
    return {
      procedure, given,
      number: numbered || index + 1,
      numberRecorded: !!numbered,
      start: start(procedure), end: end(procedure),
      weight: weightFor(procedure, given, observations),
    };
  });
}

/** The body weight the dose used: the one the administration names, else one taken in the session. */
function weightFor(procedure, administrations, observations) {
  for (const a of administrations) {
    for (const info of a.supportingInformation || []) {
      const found = observations.find((o) => refersTo(info, o) && c.hasCode(o.code, c.LOINC, c.BODY_WEIGHT));
      if (found?.valueQuantity) return found.valueQuantity;
    }
  }
  const inSession = observations.find((o) => c.hasCode(o.code, c.LOINC, c.BODY_WEIGHT)
    && (o.partOf || []).some((p) => refersTo(p, procedure)));
  return inSession?.valueQuantity || null;
}

export function minutesBetween(from, to) {
  if (!from || !to) return null;
  return Math.round((new Date(to) - new Date(from)) / 60000);
}

/** Drug, mg, mg/kg (recorded, or computed from the weight), rate, for one administration. */
export function dose(administration, weight) {
  const dosage = administration.dosage || {};
  const mg = dosage.dose?.unit === 'mg' || dosage.dose?.code === 'mg' ? dosage.dose.value : null;
  const perKg = c.extension(dosage, c.WEIGHT_BASED_DOSE)?.valueQuantity?.value ?? null;
  const kg = weight?.code === 'kg' || weight?.unit === 'kg' ? weight.value : null;
  return {
    drug: c.display(administration.medicationCodeableConcept) || administration.medicationReference?.display || 'drug not named',
    mg, perKg,
    perKgComputed: perKg === null && mg !== null && kg ? Math.round((mg / kg) * 100) / 100 : null,
    kg,
    rate: dosage.rateQuantity ? `${dosage.rateQuantity.value} ${dosage.rateQuantity.unit || dosage.rateQuantity.code || ''}`.trim() : null,
    text: dosage.text || null,
    route: c.display(dosage.route) || null,
  };
}

export function value(observation) {
  if (observation.valueInteger !== undefined) return observation.valueInteger;
  if (observation.valueQuantity?.value !== undefined) return observation.valueQuantity.value;
  return null;
}

export function when(observation) {
  return observation.effectiveDateTime || observation.effectivePeriod?.start || observation.issued || null;
}

/** One score's readings, oldest first: [{time, value, observation}]. */
export function series(observations, system, codes) {
  return observations.filter((o) => c.hasCode(o.code, system, codes) && value(o) !== null && when(o))
    .map((o) => ({ time: when(o), value: value(o), observation: o }))
    .sort((a, b) => a.time.localeCompare(b.time));
}

/** The session an adverse event belongs to: by its encounter, or by the administration it suspects. */
export function sessionOfEvent(event, courseSessions) {
  return courseSessions.find((s) =>
    (event.encounter && s.procedure.encounter && event.encounter.reference === s.procedure.encounter.reference)
    || (event.suspectEntity || []).some((e) => refersTo(e.instance, s.procedure) || s.given.some((a) => refersTo(e.instance, a)))) || null;
}

export function phaseOf(observation) {
  return c.extension(observation, c.INFUSION_PHASE)?.valueCodeableConcept?.coding?.[0]?.code || null;
}

export function patientName(patient) {
  const name = patient?.name?.find((n) => n.use === 'official') || patient?.name?.[0];
  if (!name) return 'Unnamed patient';
  return name.text || [...(name.given || []), name.family].filter(Boolean).join(' ');
}

export function mrn(patient) {
  const id = patient?.identifier?.find((i) => i.type?.coding?.some((cd) => cd.code === 'MR')) || patient?.identifier?.[0];
  return id?.value || null;
}

export { ref };
