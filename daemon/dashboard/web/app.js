// hpod's dashboard: login, the list of studies, and a study's page (study.js).
import { api, setCsrf, setUnauthorizedHandler } from './api.js';
import { fmt } from './plot.js';
import { StudyPage } from './study.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
let session = null;
let page = null;

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

const ui = {
  toast(text) {
    const t = el('div', 'toast', text);
    document.body.appendChild(t);
    setTimeout(() => t.remove(), 5000);
  },
  connection(state) {
    const c = document.getElementById('connection');
    c.textContent = state;
    c.className = 'conn ' + state;
  },
  // Builds the current page again from scratch (the study page's data went stale).
  reload() {
    if (page) page.destroy();
    page = null;
    route();
  },
  async checkSession() {
    try {
      const s = await api('GET', '/api/v1/session');
      if (s.auth_required && !s.authenticated) showLogin('Your session has ended: log in again.');
    } catch (e) { /* hpod is down: the stream keeps trying */ }
  },
};

function renderNav() {
  nav.replaceChildren();
  const crumbs = el('span', 'crumbs');
  const home = el('a', null, 'studies');
  home.href = '#/';
  crumbs.appendChild(home);
  if (page instanceof StudyPage) crumbs.append(document.createTextNode(' / '), el('span', null, page.name));
  nav.appendChild(crumbs);
  const conn = el('span', 'conn', '');
  conn.id = 'connection';
  nav.appendChild(conn);
  if (session && session.auth_required) {
    const out = el('button', 'small', 'log out');
    out.id = 'logout';
    out.addEventListener('click', logout);
    nav.appendChild(out);
  }
}

function showLogin(message) {
  if (page) page.destroy();
  page = null;
  nav.replaceChildren();
  const form = el('form', 'card login');
  form.id = 'login';
  form.appendChild(el('h2', null, 'Log in to hpod'));
  form.appendChild(el('p', 'muted', 'Paste an admin token (hpoctl token makes one; hpod keeps only its SHA-256). ' +
    'The browser then keeps a session cookie; the token is not stored.'));
  if (message) form.appendChild(el('p', 'error', message));
  const input = el('input');
  input.type = 'password';
  input.name = 'token';
  input.id = 'token';
  input.autocomplete = 'current-password';
  input.placeholder = 'admin token';
  const button = el('button', 'primary', 'Log in');
  button.type = 'submit';
  form.append(input, button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      session = await api('POST', '/api/v1/session', { token: input.value.trim() });
      setCsrf(session.csrf);
      input.value = '';
      route();
    } catch (err) {
      showLogin(err.status === 401 ? 'That is not an admin token.' : err.message);
    }
  });
  main.replaceChildren(form);
  input.focus();
}

async function logout() {
  try { await api('DELETE', '/api/v1/session'); } catch (e) { /* gone anyway */ }
  session = { auth_required: true, authenticated: false };
  setCsrf(null);
  location.hash = '#/';
  showLogin();
}

// ------------------------------------------------------------------ studies list
class StudiesPage {
  constructor(root) {
    this.root = root;
    root.replaceChildren(el('p', 'loading', 'Loading studies…'));
    this.load();
    this.timer = setInterval(() => this.load(), 3000);
  }
  destroy() { clearInterval(this.timer); }
  async load() {
    let r;
    try { r = await api('GET', '/api/v1/studies'); } catch (e) { this.root.replaceChildren(el('p', 'error', e.message)); return; }
    const card = el('section', 'card');
    card.appendChild(el('h2', null, 'Studies'));
    if (!r.studies.length) {
      card.appendChild(el('p', 'muted', 'No studies yet: submit one with hpoctl submit study.json.'));
      this.root.replaceChildren(card);
      return;
    }
    const t = el('table', 'studies');
    t.id = 'studies-table';
    const hr = el('tr');
    for (const h of ['study', 'state', 'direction', 'trials', 'best value', 'budget', 'sampler / pruner', 'executor']) hr.appendChild(el('th', null, h));
    const thead = el('thead');
    thead.appendChild(hr);
    const tbody = el('tbody');
    for (const s of r.studies) {
      const tr = el('tr');
      tr.dataset.study = s.name;
      const a = el('a', null, s.name);
      a.href = `#/study/${encodeURIComponent(s.name)}`;
      const name = el('td');
      name.appendChild(a);
      const state = el('td');
      state.appendChild(el('span', 'badge study-' + s.state, s.state));
      const counts = el('td', 'counts');
      counts.appendChild(stackBar(s.trials));
      const best = el('td', null, s.best_trial ? `${fmt(typeof s.best_trial.value === 'number' ? s.best_trial.value : s.best_trial.value)} (trial ${s.best_trial.number})` : '—');
      const budget = el('td');
      if (s.budget && s.budget.n_trials) {
        const bar = el('div', 'progress small');
        const fill = el('div', 'fill');
        fill.style.width = (100 * Math.min(1, s.budget.finished / s.budget.n_trials)).toFixed(1) + '%';
        bar.appendChild(fill);
        budget.append(bar, el('span', 'muted', `${s.budget.finished} / ${s.budget.n_trials}`));
      } else budget.textContent = s.budget ? `${s.budget.finished} finished` : '—';
      tr.append(name, state, el('td', null, s.direction), counts, best, budget,
        el('td', 'muted', [s.sampler, s.pruner].filter(Boolean).join(' / ') || '—'), el('td', 'muted', s.executor || '—'));
      tr.addEventListener('click', (e) => { if (e.target.tagName !== 'A') location.hash = a.getAttribute('href'); });
      tbody.appendChild(tr);
      if (s.last_error) {
        const er = el('tr', 'error-row');
        const td = el('td', 'error', s.last_error);
        td.colSpan = 8;
        er.appendChild(td);
        tbody.appendChild(er);
      }
    }
    t.append(thead, tbody);
    card.appendChild(t);
    this.root.replaceChildren(card);
  }
}

function stackBar(trials) {
  const wrap = el('div', 'stack-wrap');
  const total = Object.values(trials).reduce((a, b) => a + b, 0);
  const bar = el('div', 'stack');
  const text = [];
  for (const st of ['COMPLETE', 'PRUNED', 'FAIL', 'RUNNING', 'WAITING']) {
    const n = trials[st] || 0;
    if (!n) continue;
    const seg = el('span', 'seg state-' + st.toLowerCase());
    seg.style.width = (100 * n / total).toFixed(2) + '%';
    seg.title = `${n} ${st.toLowerCase()}`;
    bar.appendChild(seg);
    text.push(`${n} ${st.toLowerCase()}`);
  }
  wrap.append(bar, el('span', 'muted', text.join(', ') || 'none'));
  return wrap;
}

// ------------------------------------------------------------------ routing
function route() {
  const m = location.hash.slice(1).match(/^\/study\/([^/]+)(?:\/trial\/(\d+))?$/);
  let name = null;
  try { name = m && decodeURIComponent(m[1]); } catch (e) { /* a malformed escape: not a study */ }
  if (name !== null) {
    const trial = m[2] === undefined ? null : +m[2];
    if (!(page instanceof StudyPage) || page.name !== name) {
      if (page) page.destroy();
      page = new StudyPage(main, name, ui);
      document.title = name + ' · hpod';
    }
    page.openTrial(trial);
  } else {
    if (page) page.destroy();
    page = new StudiesPage(main);
    document.title = 'hpod';
  }
  renderNav();
}

async function boot() {
  setUnauthorizedHandler(() => ui.checkSession());
  window.addEventListener('hashchange', () => { if (session && session.authenticated) route(); });
  try {
    session = await api('GET', '/api/v1/session');
  } catch (e) {
    main.replaceChildren(el('p', 'error', 'hpod is not answering: ' + e.message));
    return;
  }
  setCsrf(session.csrf);
  if (!session.authenticated) {
    if (session.auth_required) return showLogin();
    main.replaceChildren(el('p', 'error', 'hpod refuses this address: without admin tokens it serves only localhost / 127.0.0.1.'));
    return;
  }
  route();
}

boot();
