// SMART App Launch as any public app does it: discovery, PKCE (S256), the authorization code, refresh and
// revocation. Tokens live in this module's memory only; what must survive the redirect to the sign-in page
// (the PKCE verifier, the state, where the user was) is in sessionStorage and used once.

const CLIENT_ID = 'workspace';
const PENDING = 'workspace.pending-launch';
const STANDALONE_SCOPE = 'openid fhirUser online_access user/*.rs user/DetectedIssue.u patient/*.rs';
const EHR_SCOPE = 'openid fhirUser launch online_access user/*.rs user/DetectedIssue.u patient/*.rs';

let session = null;
let config = null;

export const fhirBase = new URL('fhir', document.baseURI).href.replace(/\/$/, '');
const redirectUri = new URL('/', window.location.href).href;

export function current() {
  return session;
}

async function discover() {
  if (!config) {
    const response = await fetch(fhirBase + '/.well-known/smart-configuration', { headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error(`the SMART configuration answered ${response.status}`);
    config = await response.json();
  }
  return config;
}

function randomString(bytes) {
  const data = crypto.getRandomValues(new Uint8Array(bytes));
  return base64url(data);
}

function base64url(bytes) {
  let text = '';
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

async function challenge(verifier) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

/** Sends the browser to the authorization endpoint (standalone launch, or EHR launch with `launch`). */
export async function signIn(launch) {
  const smart = await discover();
  const verifier = randomString(48);
  const state = randomString(24);
  sessionStorage.setItem(PENDING, JSON.stringify({ state, verifier, hash: window.location.hash || '' }));
  const url = new URL(smart.authorization_endpoint, window.location.href);
  if (url.origin !== window.location.origin) throw new Error('the authorization endpoint is on another host');
  const params = {
    response_type: 'code', client_id: CLIENT_ID, redirect_uri: redirectUri,
    scope: launch ? EHR_SCOPE : STANDALONE_SCOPE, state, aud: fhirBase,
    code_challenge: await challenge(verifier), code_challenge_method: 'S256',
  };
  if (launch) params.launch = launch;
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  window.location.assign(url.href);
}

/**
 * At start: finishes a sign-in (code and state in the address), or starts an EHR launch (iss and launch),
 * and tidies the address. Answers the session, or null when the user has still to sign in.
 */
export async function start() {
  const params = new URLSearchParams(window.location.search);
  if (params.has('launch') && params.has('iss')) {
    if (params.get('iss').replace(/\/$/, '') !== fhirBase) throw new Error('the launch names another FHIR server: ' + params.get('iss'));
    await signIn(params.get('launch'));
    return null;
  }
  if (params.has('error')) {
    history.replaceState(null, '', '/');
    throw new Error(`sign-in did not complete: ${params.get('error')} ${params.get('error_description') || ''}`);
  }
  if (params.has('code')) {
    const pending = JSON.parse(sessionStorage.getItem(PENDING) || 'null');
    sessionStorage.removeItem(PENDING);
    history.replaceState(null, '', '/' + (pending?.hash || ''));
    if (!pending || pending.state !== params.get('state')) throw new Error('the sign-in answer does not match the request (state)');
    const smart = await discover();
    await tokenRequest(smart.token_endpoint, {
      grant_type: 'authorization_code', code: params.get('code'), redirect_uri: redirectUri,
      client_id: CLIENT_ID, code_verifier: pending.verifier,
    });
  }
  return session;
}

async function tokenRequest(endpoint, fields) {
  const response = await fetch(endpoint, {
    method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams(fields),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(`the token request was refused: ${body.error || response.status} ${body.error_description || ''}`);
  const claims = body.id_token ? decodeJwt(body.id_token) : {};
  session = {
    accessToken: body.access_token,
    refreshToken: body.refresh_token || session?.refreshToken,
    expiresAt: Date.now() + (body.expires_in || 300) * 1000,
    scope: body.scope || '',
    patient: body.patient || session?.patient || null,
    fhirUser: claims.fhirUser || session?.fhirUser || null,
  };
  return session;
}

function decodeJwt(jwt) {
  try {
    const payload = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(decodeURIComponent(escape(atob(payload))));
  } catch {
    return {};
  }
}

/** A fresh access token, refreshing it shortly before it expires. */
export async function accessToken() {
  if (!session) return null;
  if (session.refreshToken && Date.now() > session.expiresAt - 30_000) {
    const smart = await discover();
    await tokenRequest(smart.token_endpoint, { grant_type: 'refresh_token', refresh_token: session.refreshToken, client_id: CLIENT_ID });
  }
  return session.accessToken;
}

/** Revokes the refresh and access tokens (RFC 7009) and forgets them. */
export async function signOut() {
  const ended = session;
  session = null;
  sessionStorage.clear();
  if (!ended) return;
  const smart = await discover();
  const endpoint = smart.revocation_endpoint || new URL('/oauth2/revoke', window.location.href).href;
  for (const [token, hint] of [[ended.refreshToken, 'refresh_token'], [ended.accessToken, 'access_token']]) {
    if (!token) continue;
    await fetch(endpoint, {
      method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, token_type_hint: hint, client_id: CLIENT_ID }),
    });
  }
}

export function isPatientUser() {
  return !!session && (session.fhirUser || '').startsWith('Patient/');
}
