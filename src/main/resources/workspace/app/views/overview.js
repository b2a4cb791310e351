// A patient's course: indications, sessions given against planned, PHQ-9 and GAD-7 trends, item 9,
// dose history and adverse events. Three searches, whatever the length of the course.
import { h, table, missing, formatDate, formatNumber } from '../dom.js';
import { get, search, byType, refersTo } from '../fhir.js';
import * as c from '../codes.js';
import * as m from '../model.js';
import { scoreChart, PHQ9_BANDS, GAD7_BANDS } from '../charts/scores.js';
import { remember } from './finder.js';

export async function render(main, patientId) {
  const [record, care, outcomes] = await Promise.all([
    search(`Patient?_id=${patientId}&_revinclude=CarePlan:subject&_revinclude=Condition:subject&_revinclude=AdverseEvent:subject&_count=200`, 2),
    search(`Procedure?subject=Patient/${patientId}&_revinclude=MedicationAdministration:part-of&_count=200`, 3),
    search(`Observation?subject=Patient/${patientId}&code=${c.OUTCOME_CODES.join(',')}&_count=1000`
      + '&_elements=code,valueInteger,valueQuantity,effectiveDateTime,effectivePeriod,partOf,note,status', 3),
  ]);
  const patient = byType(record, 'Patient').find((p) => p.id === patientId);
  if (!patient) throw new Error('No patient with this id, or you may not see it.');
  remember(patient);
  const sessions = m.sessions(byType(care, 'Procedure'), byType(care, 'MedicationAdministration'), outcomes);
  const carePlans = byType(record, 'CarePlan');
  const conditions = byType(record, 'Condition');
  const events = byType(record, 'AdverseEvent');

  const draws = [];
  main.append(
    h('div', { class: 'title-row' },
      h('h1', { id: 'patient-name' }, m.patientName(patient)),
      h('p', { class: 'facts' }, `MRN ${m.mrn(patient) || 'not recorded'} · born ${formatDate(patient.birthDate)} · ${patient.gender || 'gender not recorded'}`),
      h('a', { href: `#/summary/${patient.id}`, class: 'button secondary', id: 'open-summary' }, 'Treatment summary')),
    indications(conditions, carePlans, sessions),
    course(carePlans, sessions),
    trends(outcomes, sessions, draws),
    doses(sessions),
    adverseEvents(events, sessions));
  // Drawn once in the page, so that the charts take the width they are given.
  draws.forEach((draw) => draw());
  await new Promise(requestAnimationFrame);
}

function indications(conditions, carePlans, sessions) {
  const named = new Set([...carePlans.flatMap((p) => p.addresses || []), ...sessions.flatMap((s) => s.procedure.reasonReference || [])]
    .map((r) => r.reference));
  const shown = conditions.filter((cond) => [...named].some((r) => refersTo({ reference: r }, cond)));
  const list = shown.length ? shown : conditions;
  const reasonCodes = sessions.flatMap((s) => s.procedure.reasonCode || []).map(c.display).filter(Boolean);
  return h('section', { 'aria-labelledby': 'ind-title', id: 'indications' },
    h('h2', { id: 'ind-title' }, 'Indications'),
    list.length || reasonCodes.length
      ? h('ul', {}, list.map((cond) => h('li', {}, c.display(cond.code) || 'condition without a name',
        cond.onsetDateTime ? ` (since ${formatDate(cond.onsetDateTime)})` : '')), [...new Set(reasonCodes)].map((t) => h('li', {}, t)))
      : missing('No indication recorded (no Condition, no reason on the sessions).'));
}

function course(carePlans, sessions) {
  const section = h('section', { 'aria-labelledby': 'course-title', id: 'course' }, h('h2', { id: 'course-title' }, 'Course'));
  const given = sessions.filter((s) => s.procedure.status === 'completed').length;
  const planned = carePlans.flatMap((p) => p.activity || [])
    .map((a) => a.detail?.scheduledTiming?.repeat?.count).filter((n) => Number.isInteger(n)).reduce((a, b) => a + b, 0);
  section.append(h('p', { class: 'progress' },
    h('span', { id: 'session-count', dataset: { count: String(sessions.length) } }, `${sessions.length} session${sessions.length === 1 ? '' : 's'}`),
    ` recorded, ${given} completed`,
    planned ? h('span', { id: 'planned' }, ` of ${planned} planned`) : null,
    planned ? h('progress', { max: String(planned), value: String(Math.min(given, planned)), 'aria-label': `${given} of ${planned} planned sessions given` }) : null));
  if (!carePlans.length) section.append(missing('No care plan recorded: the number of planned sessions is not known.'));
  else if (!planned) section.append(missing('The care plan names no number of sessions.'));
  for (const plan of carePlans) section.append(h('p', {}, plan.title || 'Care plan', plan.description ? ` — ${plan.description}` : ''));
  if (!sessions.length) {
    section.append(missing('No infusion session recorded.'));
    return section;
  }
  section.append(table('Sessions', ['#', 'Date', 'Status', 'Duration', 'Flowsheet'], sessions.map((s) => h('tr', { dataset: { session: s.procedure.id } },
    h('td', {}, String(s.number), s.numberRecorded ? '' : '*'),
    h('td', {}, formatDate(s.start)),
    h('td', {}, s.procedure.status || '—'),
    h('td', {}, durationText(s.start, s.end)),
    h('td', {}, h('a', { href: `#/session/${s.procedure.id}`, class: 'open-session' }, `Session ${s.number}`)))), { class: 'list', id: 'sessions' }));
  if (sessions.some((s) => !s.numberRecorded)) section.append(missing('* session number not recorded: numbered by date.'));
  return section;
}

function durationText(from, to) {
  const minutes = m.minutesBetween(from, to);
  return minutes === null ? (from ? 'no end recorded' : 'no times recorded') : `${minutes} min`;
}

function trends(outcomes, sessions, draws) {
  const section = h('section', { 'aria-labelledby': 'trend-title', id: 'trends' }, h('h2', { id: 'trend-title' }, 'Outcome trend'));
  const phq9 = m.series(outcomes, c.LOINC, c.PHQ9_TOTAL);
  const gad7 = m.series(outcomes, c.LOINC, c.GAD7_TOTAL);
  const item9 = m.series(outcomes, c.LOINC, c.PHQ9_ITEM9);
  const infusions = sessions.map((s) => s.start).filter(Boolean);
  const flaggedItem9 = item9.filter((p) => p.value > 0);
  if (phq9.length) {
    const first = phq9[0];
    const last = phq9[phq9.length - 1];
    const responseAt = first.value / 2;
    const state = last.value < 5 ? 'remission (below 5)' : last.value <= responseAt ? 'response (50 % or more below baseline)' : 'neither response nor remission yet';
    section.append(h('p', { class: 'headline' },
      'PHQ-9 ', h('strong', { id: 'phq9-first', dataset: { value: String(first.value) } }, String(first.value)), ` at baseline (${formatDate(first.time)}), `,
      h('strong', { id: 'phq9-last', dataset: { value: String(last.value) } }, String(last.value)), ` latest (${formatDate(last.time)}): `,
      h('span', { id: 'phq9-state' }, state)));
    const chart = h('figure', { class: 'chart', id: 'phq9-chart', 'aria-describedby': 'phq9-table-title' });
    section.append(chart);
    draws.push(() => scoreChart(chart, {
      label: 'PHQ-9 total', max: 27, bands: PHQ9_BANDS, points: phq9, infusions,
      flagged: flaggedItem9.map((p) => phq9.find((q) => Math.abs(new Date(q.time) - new Date(p.time)) < 3600_000)?.time).filter(Boolean),
      lines: [{ value: responseAt, label: `response: ≤ ${formatNumber(responseAt)} (50 % below baseline ${first.value})`, color: '#1b5e20' },
        { value: 4.5, label: 'remission: below 5', color: '#0d47a1' }],
    }));
    section.append(scoreTable('phq9-table', 'PHQ-9 total scores', phq9, flaggedItem9));
  } else {
    section.append(missing('No PHQ-9 total score recorded.'));
  }
  if (flaggedItem9.length) {
    section.append(h('div', { class: 'flag', role: 'alert', id: 'item9-flags' },
      h('strong', {}, 'PHQ-9 item 9 (thoughts of self-harm) answered above 0: '),
      h('ul', {}, flaggedItem9.map((p) => h('li', {}, `${formatDate(p.time)}: ${p.value}`,
        p.observation.note?.length ? ` — ${p.observation.note.map((n) => n.text).join(' ')}` : '')))));
  } else if (item9.length) {
    section.append(h('p', {}, 'PHQ-9 item 9 answered 0 every time.'));
  } else {
    section.append(missing('No PHQ-9 item 9 answer recorded.'));
  }
  if (gad7.length) {
    const chart = h('figure', { class: 'chart', id: 'gad7-chart' });
    section.append(chart);
    draws.push(() => scoreChart(chart, { label: 'GAD-7 total', max: 21, bands: GAD7_BANDS, points: gad7, infusions }));
    section.append(scoreTable('gad7-table', 'GAD-7 total scores', gad7, []));
  } else {
    section.append(missing('No GAD-7 total score recorded.'));
  }
  return section;
}

function scoreTable(id, caption, points, flagged) {
  return h('details', { class: 'table-view' }, h('summary', { id: id + '-title' }, `${caption}: table`),
    table(caption, ['Date', 'Score', 'Item 9'], points.map((p) => {
      const flag = flagged.find((f) => Math.abs(new Date(f.time) - new Date(p.time)) < 3600_000);
      return h('tr', {}, h('td', {}, formatDate(p.time)), h('td', { class: 'num' }, String(p.value)), h('td', {}, flag ? `flagged (${flag.value})` : ''));
    }), { id }));
}

function doses(sessions) {
  const section = h('section', { 'aria-labelledby': 'dose-title', id: 'doses' }, h('h2', { id: 'dose-title' }, 'Dose history'));
  const rows = sessions.flatMap((s) => (s.given.length ? s.given : [null]).map((a) => {
    if (!a) return h('tr', {}, h('td', {}, String(s.number)), h('td', {}, formatDate(s.start)), h('td', { colspan: '6', class: 'missing' }, 'no administration recorded'));
    const d = m.dose(a, s.weight);
    const perKg = d.perKg !== null ? formatNumber(d.perKg, 2) : d.perKgComputed !== null ? `${formatNumber(d.perKgComputed, 2)} (computed)` : 'not recorded';
    return h('tr', { dataset: { session: s.procedure.id } },
      h('td', {}, String(s.number)), h('td', {}, formatDate(s.start)), h('td', {}, d.drug),
      h('td', { class: 'num' }, d.mg !== null ? formatNumber(d.mg) : 'not recorded'),
      h('td', { class: 'num' }, perKg),
      h('td', { class: 'num' }, d.kg ? formatNumber(d.kg) : 'no weight recorded'),
      h('td', {}, durationText(a.effectivePeriod?.start || s.start, a.effectivePeriod?.end || s.end)),
      h('td', {}, d.rate || '—'));
  }));
  section.append(rows.length
    ? table('Dose per session', ['#', 'Date', 'Drug', 'mg', 'mg/kg', 'Weight (kg)', 'Duration', 'Rate'], rows, { class: 'list', id: 'dose-table' })
    : missing('No administration recorded.'));
  return section;
}

function adverseEvents(events, sessions) {
  const section = h('section', { 'aria-labelledby': 'ae-title', id: 'adverse-events' }, h('h2', { id: 'ae-title' }, 'Adverse events'));
  if (!events.length) {
    section.append(h('p', {}, 'No adverse event recorded.'));
    return section;
  }
  const sorted = [...events].sort((a, b) => String(a.date || '').localeCompare(String(b.date || '')));
  section.append(table('Adverse events', ['Date', 'Event', 'Severity', 'Seriousness', 'Outcome', 'Session'], sorted.map((e) => {
    const session = m.sessionOfEvent(e, sessions);
    return h('tr', { class: 'adverse-event', dataset: { event: e.id } },
      h('td', {}, formatDate(e.date || e.detected || e.recordedDate)),
      h('td', {}, c.display(e.event) || 'not named'),
      h('td', {}, c.display(e.severity) || 'not recorded'),
      h('td', {}, c.display(e.seriousness) || 'not recorded'),
      h('td', {}, c.display(e.outcome) || 'not recorded'),
      h('td', {}, session ? h('a', { href: `#/session/${session.procedure.id}` }, `Session ${session.number}`) : 'not linked to a session'));
  }), { class: 'list', id: 'ae-table' }));
  return section;
}
