// One infusion: its vital signs over time with the phases shaded, the administration, sedation and
// dissociation scores, reactions and notes, and the same readings as a table.
import { h, table, missing, formatDate, formatTime, formatNumber } from '../dom.js';
import { search, byType, idOf } from '../fhir.js';
import * as c from '../codes.js';
import * as m from '../model.js';
import { vitalsChart, VITAL_SERIES } from '../charts/vitals.js';

const PHASES = { baseline: 'baseline', 'during-infusion': 'infusion', recovery: 'recovery' };
const ELEMENTS = '_elements=code,component,valueQuantity,valueInteger,valueCodeableConcept,effectiveDateTime,effectivePeriod,extension,note,status,partOf';

export async function render(main, procedureId) {
  const [context, linked] = await Promise.all([
    search(`Procedure?_id=${procedureId}&_include=Procedure:encounter&_include=Procedure:location&_include=Procedure:patient`
      + '&_revinclude=MedicationAdministration:part-of&_include:iterate=MedicationAdministration:medication', 1),
    search(`Observation?part-of=Procedure/${procedureId}&_count=1000&${ELEMENTS}`, 5),
  ]);
  const procedure = byType(context, 'Procedure').find((p) => p.id === procedureId);
  if (!procedure) throw new Error('No infusion session with this id, or you may not see it.');
  const patientId = idOf(procedure.subject);
  const encounter = byType(context, 'Encounter')[0] || null;
  let observations = linked;
  let linkNote = null;
  const [events, fromEncounter] = await Promise.all([
    patientId ? search(`AdverseEvent?subject=Patient/${patientId}&_count=200`, 1) : [],
    // A record written without Observation.partOf (an EHR's): the readings of the visit instead.
    !linked.length && encounter ? search(`Observation?encounter=Encounter/${encounter.id}&_count=1000&${ELEMENTS}`, 5) : [],
  ]);
  if (!linked.length && fromEncounter.length) {
    observations = fromEncounter;
    linkNote = 'The readings are not linked to the session (Observation.partOf): those of its visit are shown.';
  }
  const administrations = byType(context, 'MedicationAdministration');
  const [session] = m.sessions([procedure], administrations, observations);
  const number = session?.number ?? c.extension(procedure, c.SESSION_NUMBER)?.valuePositiveInt;
  const patient = byType(context, 'Patient')[0];
  const location = byType(context, 'Location')[0];

  const readings = vitalReadings(observations);
  const scores = scoreReadings(observations);
  const { phases, phaseNote } = phasesOf(procedure, encounter, observations, readings);
  const markers = [];
  if (m.end(procedure)) markers.push({ time: m.end(procedure), label: 'end of infusion' });
  if (encounter?.period?.end) markers.push({ time: encounter.period.end, label: 'discharge' });

  main.append(
    h('p', { class: 'crumbs' }, patient ? h('a', { href: `#/patient/${patient.id}` }, `\u2190 ${m.patientName(patient)}`) : null),
    h('h1', { id: 'session-title' }, `Session ${number ?? ''} · ${formatDate(m.start(procedure))}`),
    h('p', { class: 'facts' }, [
      `Status ${procedure.status || 'not recorded'}`,
      location ? `at ${location.name}` : 'location not recorded',
      m.start(procedure) ? `infusion ${formatTime(m.start(procedure))}–${m.end(procedure) ? formatTime(m.end(procedure)) : 'still running'}` : 'infusion times not recorded',
      encounter?.period?.end ? `discharged ${formatTime(encounter.period.end)}` : 'no discharge time recorded',
    ].join(' · ')));

  const chartSection = h('section', { 'aria-labelledby': 'vitals-title', id: 'vitals' }, h('h2', { id: 'vitals-title' }, 'Vital signs'));
  main.append(chartSection);
  const count = VITAL_SERIES.reduce((n, s) => n + readings[s.key].length, 0);
  if (linkNote) chartSection.append(missing(linkNote));
  if (phaseNote) chartSection.append(missing(phaseNote));
  if (!markers.length) chartSection.append(missing('Neither the end of the infusion nor the discharge is recorded.'));
  if (count) {
    const chart = h('figure', { class: 'chart', id: 'vitals-chart', 'aria-describedby': 'vitals-table-title',
      dataset: Object.fromEntries(VITAL_SERIES.map((s) => [s.key, String(readings[s.key].length)])) });
    chartSection.append(chart);
    vitalsChart(chart, { readings, phases, markers, scores: scores.map((s) => ({ time: s.time, label: `${s.short} ${s.value}` })) });
    for (const s of VITAL_SERIES) if (!readings[s.key].length) chartSection.append(missing(`No ${s.label.replace(/ \(.*/, '')} recorded.`));
  } else {
    chartSection.append(missing('No vital sign recorded for this session.'));
  }

  main.append(
    administrationSection(session, administrations),
    scoreSection(scores),
    reactionSection(procedure, session, events, observations),
    readingTable(readings));
  await new Promise(requestAnimationFrame);
}

function vitalReadings(observations) {
  const out = Object.fromEntries(VITAL_SERIES.map((s) => [s.key, []]));
  for (const o of observations) {
    const time = m.when(o);
    if (!time || o.status === 'entered-in-error') continue;
    const phase = m.phaseOf(o);
    if (c.hasCode(o.code, c.LOINC, c.HEART_RATE)) out.hr.push({ time, value: m.value(o), phase });
    else if (c.hasCode(o.code, c.LOINC, c.SPO2)) out.spo2.push({ time, value: m.value(o), phase });
    else if (c.hasCode(o.code, c.LOINC, c.RESP_RATE)) out.rr.push({ time, value: m.value(o), phase });
    else if (c.hasCode(o.code, c.LOINC, c.BP_PANEL) || (o.component || []).some((p) => c.hasCode(p.code, c.LOINC, c.SYSTOLIC))) {
      const sbp = o.component?.find((p) => c.hasCode(p.code, c.LOINC, c.SYSTOLIC))?.valueQuantity?.value;
      const dbp = o.component?.find((p) => c.hasCode(p.code, c.LOINC, c.DIASTOLIC))?.valueQuantity?.value;
      if (sbp !== undefined) out.sbp.push({ time, value: sbp, phase });
      if (dbp !== undefined) out.dbp.push({ time, value: dbp, phase });
    }
  }
  for (const list of Object.values(out)) list.sort((a, b) => a.time.localeCompare(b.time));
  for (const list of Object.values(out)) for (let i = list.length - 1; i >= 0; i--) if (list[i].value === null) list.splice(i, 1);
  return out;
}

function scoreReadings(observations) {
  return observations.flatMap((o) => {
    const value = m.value(o);
    if (value === null || !m.when(o)) return [];
    if (c.hasCode(o.code, c.OBSERVATION_SYSTEM, c.MOAAS)) return [{ time: m.when(o), value, name: 'MOAA/S (sedation)', short: 'MOAA/S', observation: o }];
    if (c.hasCode(o.code, c.OBSERVATION_SYSTEM, c.CADSS)) return [{ time: m.when(o), value, name: 'CADSS (dissociation)', short: 'CADSS', observation: o }];
    return [];
  }).sort((a, b) => a.time.localeCompare(b.time));
}

/** Phases from the infusion's times, else from the readings' phase extension; says which is missing. */
function phasesOf(procedure, encounter, observations, readings) {
  const all = Object.values(readings).flat().map((r) => r.time).sort();
  const first = all[0];
  const last = all[all.length - 1];
  const start = m.start(procedure);
  const end = m.end(procedure);
  if (start && end) {
    const discharge = encounter?.period?.end || last;
    const phases = [];
    if (first && first < start) phases.push({ code: 'baseline', from: first, to: start });
    phases.push({ code: 'during-infusion', from: start, to: end });
    if (discharge && discharge > end) phases.push({ code: 'recovery', from: end, to: discharge > last ? discharge : last });
    return { phases, phaseNote: null };
  }
  const byPhase = {};
  for (const r of Object.values(readings).flat()) {
    if (!r.phase) continue;
    const span = (byPhase[r.phase] ||= { from: r.time, to: r.time });
    if (r.time < span.from) span.from = r.time;
    if (r.time > span.to) span.to = r.time;
  }
  const phases = Object.entries(byPhase).map(([code, span]) => ({ code, ...span }));
  if (phases.length) return { phases, phaseNote: 'The infusion\u2019s start or end is not recorded: phases are shaded from the readings\u2019 phase.' };
  return { phases: [], phaseNote: 'Neither the infusion\u2019s times nor the readings\u2019 phase are recorded: phases are not shaded.' };
}

function administrationSection(session, administrations) {
  const section = h('section', { 'aria-labelledby': 'admin-title', id: 'administration' }, h('h2', { id: 'admin-title' }, 'Administration'));
  if (!session?.given.length) {
    section.append(missing(administrations.length ? 'The administrations found are not linked to this session.' : 'No administration recorded for this session.'));
    return section;
  }
  if (!session.weight) section.append(missing('No body weight recorded for this session: mg/kg cannot be checked.'));
  section.append(table('Administration', ['Drug', 'Dose (mg)', 'mg/kg', 'Weight (kg)', 'Rate', 'Route', 'Given'], session.given.map((a) => {
    const d = m.dose(a, session.weight);
    return h('tr', {},
      h('td', {}, d.drug), h('td', { class: 'num', id: 'dose-mg' }, d.mg !== null ? formatNumber(d.mg) : 'not recorded'),
      h('td', { class: 'num' }, d.perKg !== null ? formatNumber(d.perKg, 2) : d.perKgComputed !== null ? `${formatNumber(d.perKgComputed, 2)} (computed)` : 'not recorded'),
      h('td', { class: 'num' }, d.kg ? formatNumber(d.kg) : 'not recorded'),
      h('td', {}, d.rate || 'not recorded'), h('td', {}, d.route || 'not recorded'),
      h('td', {}, `${formatTime(a.effectivePeriod?.start || a.effectiveDateTime)}–${formatTime(a.effectivePeriod?.end)}`));
  }), { class: 'list' }));
  for (const a of session.given) if (a.dosage?.text) section.append(h('p', { class: 'note' }, a.dosage.text));
  return section;
}

function scoreSection(scores) {
  const section = h('section', { 'aria-labelledby': 'score-title', id: 'scores' }, h('h2', { id: 'score-title' }, 'Sedation and dissociation'));
  if (!scores.length) {
    section.append(missing('No MOAA/S or CADSS score recorded for this session.'));
    return section;
  }
  section.append(table('Sedation (MOAA/S, 5 = awake) and dissociation (CADSS)', ['Time', 'Score', 'Value'],
    scores.map((s) => h('tr', {}, h('td', {}, formatTime(s.time)), h('td', {}, s.name), h('td', { class: 'num' }, String(s.value)))), { class: 'list' }));
  return section;
}

function reactionSection(procedure, session, events, observations) {
  const section = h('section', { 'aria-labelledby': 'reaction-title', id: 'reactions' }, h('h2', { id: 'reaction-title' }, 'Reactions and notes'));
  const mine = events.filter((e) => session && m.sessionOfEvent(e, [session]));
  if (mine.length) {
    section.append(h('ul', {}, mine.map((e) => h('li', { class: 'adverse-event' },
      h('strong', {}, c.display(e.event) || 'adverse event'),
      ` — ${c.display(e.severity) || 'severity not recorded'}, ${c.display(e.seriousness) || 'seriousness not recorded'}, outcome ${c.display(e.outcome) || 'not recorded'}`))));
  } else {
    section.append(h('p', {}, 'No adverse event recorded for this session.'));
  }
  const notes = [
    ...(procedure.note || []).map((n) => n.text),
    procedure.outcome ? `Outcome: ${c.display(procedure.outcome)}` : null,
    ...(procedure.complication || []).map((x) => `Complication: ${c.display(x)}`),
    ...(procedure.followUp || []).map((f) => `Follow-up: ${c.display(f)}`),
    ...observations.flatMap((o) => (o.note || []).map((n) => `${formatTime(m.when(o))} ${c.display(o.code)}: ${n.text}`)),
  ].filter(Boolean);
  section.append(notes.length ? h('ul', { class: 'notes' }, notes.map((t) => h('li', {}, t))) : h('p', {}, 'No note recorded.'));
  return section;
}

/** The chart's accessible alternative: every reading, one row per time. */
function readingTable(readings) {
  const byTime = new Map();
  for (const s of VITAL_SERIES) for (const r of readings[s.key]) {
    const row = byTime.get(r.time) || { time: r.time, phase: r.phase };
    row[s.key] = r.value;
    byTime.set(r.time, row);
  }
  const rows = [...byTime.values()].sort((a, b) => a.time.localeCompare(b.time));
  return h('section', { 'aria-labelledby': 'vitals-table-title', id: 'readings' },
    h('h2', { id: 'vitals-table-title' }, 'Readings (table)'),
    rows.length ? table('Vital signs of this session', ['Time', 'Phase', ...VITAL_SERIES.map((s) => s.label)], rows.map((r) =>
      h('tr', { dataset: { time: r.time } }, h('td', {}, formatTime(r.time)), h('td', {}, PHASES[r.phase] || r.phase || 'not recorded'),
        VITAL_SERIES.map((s) => h('td', { class: 'num', dataset: { series: s.key } }, r[s.key] !== undefined ? formatNumber(r[s.key]) : '')))),
    { class: 'list readings', id: 'readings-table' }) : missing('No reading to list.'));
}
