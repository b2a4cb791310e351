// The one door to the FHIR API: a bearer token on every request, errors as readable messages, and a
// count of the requests each view makes (shown in the page, read by the benchmark).
import { accessToken, fhirBase } from './smart.js';

export const requests = { count: 0 };

export class FhirError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export async function get(path, { tolerate = [] } = {}) {
  const url = path.startsWith('http') ? path : fhirBase + '/' + path.replace(/^\//, '');
  if (new URL(url).origin !== window.location.origin) throw new FhirError(0, 'refused a link to another host: ' + url);
  requests.count++;
  const token = await accessToken();
  const response = await fetch(url, { headers: { Accept: 'application/fhir+json', Authorization: 'Bearer ' + token } });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    if (tolerate.includes(response.status)) return null;
    throw new FhirError(response.status, explain(response.status, body));
  }
  return body;
}

/** Stores a changed resource, only over the version it was read at (If-Match): a later change is never lost. */
export async function update(resource) {
  const url = `${fhirBase}/${resource.resourceType}/${encodeURIComponent(resource.id)}`;
  requests.count++;
  const token = await accessToken();
  const response = await fetch(url, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/fhir+json', Accept: 'application/fhir+json', Authorization: 'Bearer ' + token,
      'If-Match': `W/"${resource.meta?.versionId}"` },
    body: JSON.stringify(resource),
  });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const why = response.status === 412 ? 'It changed meanwhile; open it again.' : '';
    throw new FhirError(response.status, `${explain(response.status, body)} ${why}`.trim());
  }
  return body;
}

function explain(status, body) {
  const issue = body?.issue?.map((i) => i.diagnostics || i.details?.text).filter(Boolean).join('; ');
  const what = { 401: 'You are not signed in (or the sign-in expired).', 403: 'You are not allowed to see this.', 404: 'Not found.' }[status]
    || `The server answered ${status}.`;
  return issue ? `${what} ${issue}` : what;
}

/** A search and its next pages (at most maxPages, so a view's requests stay bounded). */
export async function search(path, maxPages = 5) {
  const all = [];
  let bundle = await get(path);
  for (let page = 1; bundle; page++) {
    all.push(...(bundle.entry || []).map((e) => e.resource).filter(Boolean));
    const next = bundle.link?.find((l) => l.relation === 'next')?.url;
    if (!next || page >= maxPages) break;
    bundle = await get(next);
  }
  return all;
}

export function byType(resources, type) {
  return resources.filter((r) => r.resourceType === type);
}

export function ref(resource) {
  return `${resource.resourceType}/${resource.id}`;
}

/** The id part of a reference such as "Patient/123" or an absolute one. */
export function idOf(reference) {
  return reference?.reference?.split('/').slice(-1)[0] || null;
}

export function refersTo(reference, resource) {
  const r = reference?.reference;
  return !!r && (r === ref(resource) || r.endsWith('/' + ref(resource)));
}
