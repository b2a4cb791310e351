// The infusion room: every infusion in progress with its chair, minutes since start, latest vitals and
// their age, and open safety alerts. Polled every 2 s (three searches a round, whatever the number of chairs).
import { h, clear, table, missing, formatTime } from '../dom.js';
import { get, search, update, byType, refersTo, idOf } from '../fhir.js';
import { current, isPatientUser } from '../smart.js';
import * as c from '../codes.js';
import * as m from '../model.js';

const POLL_MS = 2000;
const RECENT_MINUTES = 30;

export async function render(main) {
  const status = h('p', { class: 'status', id: 'room-status', 'aria-live': 'polite' }, 'Loading…');
  const board = h('div', { id: 'board' });
  const dialog = acknowledgeDialog(status);
  main.append(h('h1', {}, 'Infusion room'), status, board, dialog);
  board.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-alert]');
    if (button) dialog.showFor(button.dataset.alert, button.dataset.summary);
  });
  let stopped = false;
  let timer = null;
  const round = async () => {
    try {
      const view = await load();
      if (stopped) return;
      clear(board).append(view);
      status.textContent = `Updated ${formatTime(new Date().toISOString())}; refreshes every ${POLL_MS / 1000} s.`;
      main.dataset.rounds = String(Number(main.dataset.rounds || 0) + 1);
    } catch (error) {
      if (!stopped) status.textContent = `Could not update: ${error.message}`;
    }
    if (!stopped) timer = setTimeout(round, POLL_MS);
  };
  await round();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

async function load() {
  const care = await search('Procedure?status=in-progress&_include=Procedure:patient&_include=Procedure:location'
    + '&_revinclude=MedicationAdministration:part-of&_count=200', 2);
  const administrations = byType(care, 'MedicationAdministration');
  const running = byType(care, 'Procedure').filter((p) => m.isInfusionSession(p, administrations));
  if (!running.length) return h('p', { id: 'no-infusions' }, 'No infusion in progress.');
  const ids = running.map((p) => `Procedure/${p.id}`).join(',');
  const [vitals, alerts] = await Promise.all([
    // The readings of the last RECENT_MINUTES only, newest first: a bounded answer however long the infusions run.
    search(`Observation?part-of=${ids}&code=${c.BOARD_VITALS.map((x) => `${c.LOINC}|${x}`).join(',')}`
      + `&date=ge${new Date(Date.now() - RECENT_MINUTES * 60000).toISOString()}&_sort=-date&_count=500`
      + '&_elements=code,component,valueQuantity,effectiveDateTime,partOf', 2),
    // The safety monitor's search parameter; a server without it answers 400, and the board says so.
    get(`DetectedIssue?${c.ALERT_STATE_SEARCH}=${c.ALERT_STATE_OPEN}&_count=200`, { tolerate: [400, 404] }),
  ]);
  const openAlerts = alerts ? (alerts.entry || []).map((e) => e.resource).filter((r) => r?.resourceType === 'DetectedIssue') : null;
  const now = Date.now();
  const rows = running.sort((a, b) => String(m.start(a)).localeCompare(String(m.start(b)))).map((p) => {
    const patient = byType(care, 'Patient').find((x) => refersTo(p.subject, x));
    const location = byType(care, 'Location').find((x) => refersTo(p.location, x));
    const mine = vitals.filter((o) => (o.partOf || []).some((r) => refersTo(r, p)));
    const latest = latestVitals(mine);
    const alertsHere = (openAlerts || []).filter((a) => (a.implicated || []).some((r) => refersTo(r, p))
      || (a.extension || []).some((e) => e.valueReference && refersTo(e.valueReference, p))
      || (!a.implicated?.length && patient && refersTo(a.patient, patient)));
    const since = m.start(p) ? Math.floor((now - new Date(m.start(p))) / 60000) : null;
    return h('tr', { dataset: { procedure: p.id, patient: patient?.id || idOf(p.subject) || '' }, class: alertsHere.length ? 'alerting' : '' },
      h('td', {}, patient ? h('a', { href: `#/session/${p.id}` }, m.patientName(patient)) : h('a', { href: `#/session/${p.id}` }, 'patient not found')),
      h('td', {}, location?.name || p.location?.display || 'not recorded'),
      h('td', { class: 'num' }, since === null ? 'start not recorded' : `${since} min`),
      h('td', { class: 'vitals' }, latest.length ? latest.map((v) => h('span', { class: 'vital', dataset: { code: v.code } }, `${v.label} ${v.value}`,
        h('small', {}, ` (${age(now - new Date(v.time))} ago)`))) : `no reading yet (in the last ${RECENT_MINUTES} min)`),
      h('td', {}, openAlerts === null ? 'alerts not available' : alertsHere.length
        ? h('ul', { class: 'alerts' }, alertsHere.map((a) => h('li', { class: 'alert' }, a.detail || c.display(a.code) || 'open alert',
          isPatientUser() ? null : h('button', { type: 'button', class: 'secondary small', dataset: { alert: a.id, summary: a.detail || '' },
            'aria-label': `Acknowledge: ${a.detail || 'open alert'}` }, 'Acknowledge'))))
        : 'none'));
  });
  return h('div', {},
    openAlerts === null ? missing('This server has no open-alert search (DetectedIssue alert-state): alerts are not shown.') : null,
    table('Infusions in progress', ['Patient', 'Chair', 'Since start', 'Latest vitals', 'Open alerts'], rows, { class: 'list', id: 'room-table' }));
}

/**
 * The acknowledgement of an alert: what was done, stored as the alert's mitigation with the date and the
 * signed-in clinician (fhirUser) as author, over the version read (the monitor may be adding a reading).
 * A dialog outside the board, so the board's refresh does not wipe what is being typed.
 */
function acknowledgeDialog(status) {
  const action = h('textarea', { id: 'ack-action', rows: 3, cols: 40, required: true });
  const summary = h('p', { id: 'ack-summary' });
  const problem = h('p', { class: 'error', role: 'alert', id: 'ack-problem' });
  let alertId = null;
  const dialog = h('dialog', { id: 'ack-dialog', 'aria-labelledby': 'ack-title' },
    h('form', { method: 'dialog' },
      h('h2', { id: 'ack-title' }, 'Acknowledge the alert'), summary,
      h('label', { for: 'ack-action' }, 'What was done'), action, problem,
      h('p', {},
        h('button', { type: 'submit', id: 'ack-save', value: 'save' }, 'Acknowledge'), ' ',
        h('button', { type: 'submit', class: 'secondary', value: 'cancel', formnovalidate: true }, 'Cancel'))));
  dialog.querySelector('form').addEventListener('submit', async (event) => {
    if (event.submitter?.value !== 'save') return;
    event.preventDefault();
    problem.textContent = '';
    try {
      const alert = await get(`DetectedIssue/${encodeURIComponent(alertId)}`);
      alert.mitigation = alert.mitigation || [];
      const author = current()?.fhirUser;
      alert.mitigation.push({ action: { text: action.value.trim() }, date: new Date().toISOString(),
        ...(author ? { author: { reference: author } } : {}) });
      await update(alert);
      dialog.close();
      status.textContent = 'Alert acknowledged.';
    } catch (error) {
      problem.textContent = error.message;
    }
  });
  dialog.showFor = (id, text) => {
    alertId = id;
    summary.textContent = text;
    action.value = '';
    problem.textContent = '';
    dialog.showModal();
    action.focus();
  };
  return dialog;
}

function age(millis) {
  const seconds = Math.max(0, Math.round(millis / 1000));
  return seconds < 120 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
}

function latestVitals(observations) {
  const out = [];
  const pick = (codes, label, read) => {
    const o = observations.find((x) => c.hasCode(x.code, c.LOINC, codes));
    const value = o && read(o);
    if (value !== null && value !== undefined) out.push({ code: Array.isArray(codes) ? codes[0] : codes, label, value, time: m.when(o) });
  };
  pick(c.HEART_RATE, 'HR', (o) => o.valueQuantity?.value);
  pick(c.BP_PANEL, 'BP', (o) => {
    const s = o.component?.find((p) => c.hasCode(p.code, c.LOINC, c.SYSTOLIC))?.valueQuantity?.value;
    const d = o.component?.find((p) => c.hasCode(p.code, c.LOINC, c.DIASTOLIC))?.valueQuantity?.value;
    return s !== undefined ? `${s}/${d ?? '?'}` : null;
  });
  pick(c.SPO2, 'SpO2', (o) => (o.valueQuantity?.value !== undefined ? `${o.valueQuantity.value}%` : null));
  pick(c.RESP_RATE, 'RR', (o) => o.valueQuantity?.value);
  return out;
}
