// The workspace's shell: sign-in, navigation and the router. Each view is a module with
// render(main, param) that may answer a function to stop it (the room board's polling).
import { h, clear } from './dom.js';
import * as smart from './smart.js';
import { requests } from './fhir.js';
import * as finder from './views/finder.js';
import * as overview from './views/overview.js';
import * as flowsheet from './views/flowsheet.js';
import * as room from './views/room.js';
import * as summary from './views/summary.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
let stopView = null;
let generation = 0;

const routes = [
  [/^#\/patient\/([A-Za-z0-9\-.]{1,64})$/, overview],
  [/^#\/session\/([A-Za-z0-9\-.]{1,64})$/, flowsheet],
  [/^#\/summary\/([A-Za-z0-9\-.]{1,64})$/, summary],
  [/^#\/room$/, room],
  [/^#?\/?$|^#\/patients$/, finder],
];

async function boot() {
  let session = null;
  try {
    session = await smart.start();
  } catch (error) {
    showSignIn(error.message);
    return;
  }
  if (!session) {
    if (!new URLSearchParams(window.location.search).has('launch')) showSignIn();
    return;
  }
  drawNav();
  window.addEventListener('hashchange', route);
  if (session.patient && (smart.isPatientUser() || !window.location.hash || window.location.hash === '#/')) {
    window.location.hash = '#/patient/' + session.patient;
  }
  route();
}

function showSignIn(problem) {
  clear(nav);
  clear(who);
  clear(main).append(
    h('section', { class: 'signin' },
      h('h1', {}, 'Infusion workspace'),
      h('p', {}, 'Sign in with your clinic account to see patients\u2019 infusion records and the infusion room.'),
      problem ? h('p', { class: 'error', role: 'alert' }, problem) : null,
      h('button', { id: 'sign-in', type: 'button', onclick: () => smart.signIn().catch((e) => showSignIn(e.message)) }, 'Sign in')));
  document.body.dataset.ready = 'signed-out';
}

function drawNav() {
  clear(nav);
  const session = smart.current();
  const links = smart.isPatientUser()
    ? [[`#/patient/${session.patient}`, 'My record']]
    : [['#/patients', 'Patients'], ['#/room', 'Infusion room']];
  nav.append(h('ul', {}, links.map(([href, text]) => h('li', {}, h('a', { href }, text)))));
  clear(who).append(
    h('span', {}, session.fhirUser ? `Signed in as ${session.fhirUser}` : 'Signed in'),
    h('button', { id: 'sign-out', type: 'button', class: 'secondary', onclick: signOut }, 'Sign out'));
}

async function signOut() {
  if (stopView) stopView();
  stopView = null;
  window.removeEventListener('hashchange', route);
  await smart.signOut();
  history.replaceState(null, '', '/');
  showSignIn('You are signed out; the workspace\u2019s tokens were revoked.');
}

async function route() {
  if (stopView) stopView();
  stopView = null;
  const mine = ++generation;
  const hash = window.location.hash;
  const match = routes.map(([pattern, view]) => [hash.match(pattern), view]).find(([m]) => m);
  const [params, view] = match || [[], null];
  document.body.dataset.ready = 'loading';
  requests.count = 0;
  const started = performance.now();
  clear(main);
  if (!view) {
    main.append(h('p', { class: 'error', role: 'alert' }, 'There is no such page in the workspace.'));
    document.body.dataset.ready = 'error';
    return;
  }
  if (smart.isPatientUser() && view !== overview && view !== flowsheet && view !== summary) {
    window.location.hash = '#/patient/' + smart.current().patient;
    return;
  }
  try {
    stopView = (await view.render(main, params[1])) || null;
    if (mine !== generation) return;
    document.body.dataset.ready = 'done';
  } catch (error) {
    if (mine !== generation) return;
    if (error.status === 401) {
      // The sign-in ended (expired or revoked elsewhere): sign in again, coming back to this view.
      window.removeEventListener('hashchange', route);
      showSignIn(error.message);
      return;
    }
    main.append(h('p', { class: 'error', role: 'alert' }, error.message || String(error)));
    document.body.dataset.ready = 'error';
    console.error(error);
  }
  main.dataset.requests = String(requests.count);
  main.dataset.millis = String(Math.round(performance.now() - started));
  if (!main.contains(document.activeElement)) main.focus({ preventScroll: true });
}

boot();
