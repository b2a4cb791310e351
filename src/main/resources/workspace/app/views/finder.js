// Finding a patient: by name, MRN or birth date, and the patients opened recently in this tab.
import { h, clear, table, formatDate } from '../dom.js';
import { search } from '../fhir.js';
import { patientName, mrn } from '../model.js';

const RECENT = 'workspace.recent';

/** Remembered for this tab only (sessionStorage), and forgotten at sign-out. */
export function remember(patient) {
  const entry = { id: patient.id, name: patientName(patient), mrn: mrn(patient), birthDate: patient.birthDate || null };
  const list = recent().filter((p) => p.id !== patient.id);
  list.unshift(entry);
  sessionStorage.setItem(RECENT, JSON.stringify(list.slice(0, 8)));
}

function recent() {
  try {
    return JSON.parse(sessionStorage.getItem(RECENT) || '[]');
  } catch {
    return [];
  }
}

export async function render(main) {
  const results = h('div', { id: 'results', 'aria-live': 'polite' });
  const form = h('form', { id: 'finder', class: 'finder', role: 'search' },
    h('div', { class: 'field' }, h('label', { for: 'name' }, 'Name'), h('input', { id: 'name', name: 'name', type: 'search', autocomplete: 'off' })),
    h('div', { class: 'field' }, h('label', { for: 'mrn' }, 'MRN'), h('input', { id: 'mrn', name: 'mrn', type: 'search', autocomplete: 'off' })),
    h('div', { class: 'field' }, h('label', { for: 'birthdate' }, 'Birth date'), h('input', { id: 'birthdate', name: 'birthdate', type: 'date' })),
    h('button', { type: 'submit', id: 'find' }, 'Find'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const query = new URLSearchParams({ _count: '25', _elements: 'name,identifier,birthDate,gender', _sort: 'family' });
    const name = form.elements.name.value.trim();
    const id = form.elements.mrn.value.trim();
    const born = form.elements.birthdate.value;
    if (!name && !id && !born) {
      clear(results).append(h('p', { role: 'alert' }, 'Enter a name, an MRN or a birth date.'));
      return;
    }
    if (name) query.set('name', name);
    if (id) query.set('identifier', id);
    if (born) query.set('birthdate', born);
    clear(results).append(h('p', {}, 'Searching…'));
    try {
      const patients = await search('Patient?' + query, 1);
      clear(results).append(patients.length
        ? patientTable('Patients found', patients.map((p) => ({ id: p.id, name: patientName(p), mrn: mrn(p), birthDate: p.birthDate })))
        : h('p', {}, 'No patient matches.'));
    } catch (error) {
      clear(results).append(h('p', { class: 'error', role: 'alert' }, error.message));
    }
  });
  const seen = recent();
  main.append(h('h1', {}, 'Find a patient'), form, results,
    h('section', { 'aria-labelledby': 'recent-title' },
      h('h2', { id: 'recent-title' }, 'Recently opened'),
      seen.length ? patientTable('Recently opened patients', seen) : h('p', {}, 'No patient opened yet in this session.')));
  form.elements.name.focus();
}

function patientTable(caption, rows) {
  return table(caption, ['Name', 'MRN', 'Birth date'], rows.map((p) => h('tr', { dataset: { patient: p.id } },
    h('td', {}, h('a', { href: `#/patient/${p.id}`, class: 'open-patient' }, p.name)),
    h('td', {}, p.mrn || '—'),
    h('td', {}, p.birthDate ? formatDate(p.birthDate) : '—'))), { class: 'list' });
}
