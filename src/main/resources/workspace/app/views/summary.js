// The printable treatment summary: the server's Patient/$summary document as a page. Its narratives are
// copied element by element into a small set of tags, without attributes, so nothing in them runs or styles.
import { h, append, formatDate } from '../dom.js';
import { get, byType } from '../fhir.js';
import { patientName } from '../model.js';

const KEPT = new Set(['P', 'DIV', 'SPAN', 'B', 'STRONG', 'I', 'EM', 'BR', 'UL', 'OL', 'LI', 'TABLE', 'THEAD', 'TBODY', 'TR', 'TH', 'TD', 'H3', 'H4', 'H5', 'CAPTION']);

export async function render(main, patientId) {
  const doc = await get(`Patient/${patientId}/$summary`);
  const resources = (doc.entry || []).map((e) => e.resource).filter(Boolean);
  const composition = byType(resources, 'Composition')[0];
  const patient = byType(resources, 'Patient')[0];
  if (!composition) throw new Error('The summary document has no Composition.');
  main.append(
    h('div', { class: 'no-print title-row' },
      h('a', { href: `#/patient/${patientId}` }, '\u2190 Back to the overview'),
      h('button', { type: 'button', id: 'print', onclick: () => window.print() }, 'Print')),
    h('article', { class: 'summary', id: 'summary' },
      h('h1', {}, composition.title || 'Treatment summary'),
      h('p', { class: 'facts' }, `${patient ? patientName(patient) : ''} · document of ${formatDate(composition.date)} · status ${composition.status}`),
      (composition.section || []).map((s) => section(s, 2))));
}

function section(s, level) {
  const body = h('section', {}, h(`h${Math.min(level, 4)}`, {}, s.title || 'Section'));
  if (s.text?.div) body.append(narrative(s.text.div));
  else if (s.emptyReason) body.append(h('p', { class: 'missing' }, s.emptyReason.text || 'Nothing recorded.'));
  (s.section || []).forEach((sub) => body.append(section(sub, level + 1)));
  return body;
}

function narrative(xhtml) {
  const parsed = new DOMParser().parseFromString(xhtml, 'application/xhtml+xml');
  const root = parsed.documentElement;
  if (!root || root.nodeName === 'parsererror') return h('p', {}, 'This section\u2019s text could not be read.');
  return copy(root);
}

function copy(node) {
  const out = h('div', { class: 'narrative' });
  for (const child of node.childNodes) {
    if (child.nodeType === Node.TEXT_NODE) out.append(child.textContent);
    else if (child.nodeType === Node.ELEMENT_NODE) {
      const tag = child.localName.toUpperCase();
      const copied = KEPT.has(tag) ? document.createElement(tag) : document.createElement('span');
      append(copied, [...copy(child).childNodes]);
      out.append(copied);
    }
  }
  return out;
}
