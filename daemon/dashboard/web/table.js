// The trial table (sortable, filterable, paged) and the running-trials table. The table
// keeps the filtered, sorted list of trial numbers; a trial event moves one entry (binary
// search), and only the visible page is drawn.
import { fmt } from './plot.js';
import { STATES } from './store.js';

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

export function stateBadge(state) {
  const name = typeof state === 'number' ? STATES[state] : state;
  return el('span', 'badge state-' + String(name).toLowerCase(), name);
}

export function duration(s) {
  if (!Number.isFinite(s) || s < 0) return '';
  if (s < 60) return s.toFixed(1) + ' s';
  if (s < 3600) return Math.floor(s / 60) + ' min ' + Math.round(s % 60) + ' s';
  return Math.floor(s / 3600) + ' h ' + Math.round((s % 3600) / 60) + ' min';
}

// "lr<0.01 optimizer=adam state=pruned 12": comparisons on a column, else a substring of
// the trial number or state.
function parseFilter(text, data) {
  const tests = [];
  for (const tok of text.trim().split(/\s+/).filter(Boolean)) {
    const m = tok.match(/^([^<>=!]+)(<=|>=|!=|=|<|>)(.*)$/);
    if (!m) {
      const t = tok.toLowerCase();
      tests.push((i) => String(i).includes(t) || STATES[data.state[i]].toLowerCase().includes(t));
      continue;
    }
    const [, name, op, raw] = m;
    const p = data.param(name);
    let get, want;
    if (name === 'state') { get = (i) => STATES[data.state[i]].toLowerCase(); want = raw.toLowerCase(); }
    else if (name === 'value') { get = (i) => data.value[i]; want = +raw; }
    else if (name === 'number' || name === '#') { get = (i) => i; want = +raw; }
    else if (p && p.kind === 'cat') { get = (i) => String(p.label(p.values[i])); want = raw; }
    else if (p) { get = (i) => p.values[i]; want = +raw; }
    else { tests.push(() => false); continue; }
    const cmp = { '<': (a, b) => a < b, '>': (a, b) => a > b, '<=': (a, b) => a <= b, '>=': (a, b) => a >= b,
      '=': (a, b) => a == b, '!=': (a, b) => a != b }[op]; // eslint-disable-line eqeqeq
    tests.push((i) => cmp(get(i), want));
  }
  return (i) => tests.every((t) => t(i));
}

// A card with a title, room for controls, and a scrolling table.
function tableCard(parent, title, id, controls = []) {
  const card = el('section', 'card');
  const head = el('header');
  const h = el('h3', null, title);
  const ctl = el('div', 'controls');
  ctl.append(...controls);
  head.append(h, ctl);
  const wrap = el('div', 'table-wrap');
  const table = el('table', 'trials');
  table.id = id;
  wrap.appendChild(table);
  card.append(head, wrap);
  parent.appendChild(card);
  return { card, title: h, table };
}

export class TrialTable {
  constructor(parent, data, opts) {
    this.data = data;
    this.opts = opts;
    this.sortKey = 'number';
    this.sortDir = -1;
    this.page = 0;
    this.pageSize = 50;
    this.filterState = '';
    this.filterText = '';
    this.stateSel = el('select');
    this.stateSel.id = 'trial-state-filter';
    for (const s of ['', ...STATES]) {
      const o = el('option', null, s || 'all states');
      o.value = s;
      this.stateSel.appendChild(o);
    }
    this.stateSel.addEventListener('change', () => { this.filterState = this.stateSel.value; this.rebuild(); this.render(); });
    this.input = el('input');
    this.input.id = 'trial-filter';
    this.input.placeholder = 'filter: lr<0.01 optimizer=adam value<0.3';
    this.input.addEventListener('input', () => { this.filterText = this.input.value; this.rebuild(); this.render(); });
    const t = tableCard(parent, 'Trials', 'trial-table', [this.stateSel, this.input]);
    this.table = t.table;
    this.pager = el('div', 'pager');
    t.card.appendChild(this.pager);
    this.rebuild();
  }

  columns() {
    const d = this.data;
    const cols = [
      { key: 'number', label: '#', get: (i) => i, show: (i) => String(i) },
      { key: 'state', label: 'state', get: (i) => d.state[i], show: (i) => stateBadge(d.state[i]) },
      { key: 'value', label: 'value', get: (i) => d.value[i], show: (i) => (Number.isNaN(d.value[i]) ? '' : fmt(d.value[i])) },
      { key: 'duration', label: 'duration', get: (i) => (Number.isFinite(d.complete[i]) ? d.complete[i] : Date.now() / 1000) - d.start[i],
        show: (i) => duration((Number.isFinite(d.complete[i]) ? d.complete[i] : Date.now() / 1000) - d.start[i]) },
      { key: 'steps', label: 'last step', get: (i) => { const r = d.lastReport(i); return r ? r[0] : NaN; },
        show: (i) => { const r = d.lastReport(i); return r ? String(r[0]) : ''; } },
      { key: 'reports', label: 'reports', get: (i) => d.reportCount(i), show: (i) => String(d.reportCount(i)) },
    ];
    for (const p of d.params)
      cols.push({ key: 'p:' + p.name, label: p.name, get: (i) => p.values[i], show: (i) => (p.kind === 'cat' ? p.label(p.values[i]) : fmt(p.values[i])) });
    return cols;
  }

  comparator() {
    const col = this.columns().find((c) => c.key === this.sortKey) || this.columns()[0];
    const dir = this.sortDir, get = col.get;
    // NaN (no value) sorts last either way; ties by trial number.
    return (a, b) => {
      const x = get(a), y = get(b), xn = Number.isNaN(x), yn = Number.isNaN(y);
      if (xn || yn) return xn === yn ? a - b : xn ? 1 : -1;
      if (x < y) return -dir;
      if (x > y) return dir;
      return a - b;
    };
  }

  passes(i) {
    return (!this.filterState || STATES[this.data.state[i]] === this.filterState) && this.filter(i);
  }

  rebuild() {
    this.filter = parseFilter(this.filterText, this.data);
    this.cmp = this.comparator();
    const v = [];
    for (let i = 0; i < this.data.n; i++) if (this.passes(i)) v.push(i);
    v.sort(this.cmp);
    this.view = v;
  }

  // One trial changed: take it out and put it back where it now belongs.
  onTrial(ch) {
    if (this.data.params.length + 6 !== this.ncols) { this.rebuild(); return true; }
    const v = this.view, i = ch.i;
    if (!ch.isNew) {
      const at = v.indexOf(i);
      if (at >= 0) v.splice(at, 1);
    }
    if (this.passes(i)) {
      let lo = 0, hi = v.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.cmp(v[mid], i) < 0) lo = mid + 1; else hi = mid;
      }
      v.splice(lo, 0, i);
    }
    return true;
  }

  // A report changes a visible row only if the trial is on the page.
  onReport(i) { return this.pageSet && this.pageSet.has(i); }

  render() {
    const cols = this.columns();
    this.ncols = cols.length;
    const thead = el('thead'), tr = el('tr');
    for (const c of cols) {
      const th = el('th', null, c.label + (c.key === this.sortKey ? (this.sortDir > 0 ? ' ▲' : ' ▼') : ''));
      th.addEventListener('click', () => {
        if (this.sortKey === c.key) this.sortDir = -this.sortDir;
        else { this.sortKey = c.key; this.sortDir = c.key === 'number' ? -1 : 1; }
        this.rebuild();
        this.render();
      });
      tr.appendChild(th);
    }
    thead.appendChild(tr);
    const pages = Math.max(1, Math.ceil(this.view.length / this.pageSize));
    this.page = Math.min(this.page, pages - 1);
    const from = this.page * this.pageSize, rows = this.view.slice(from, from + this.pageSize);
    this.pageSet = new Set(rows);
    const tbody = el('tbody');
    for (const i of rows) {
      const r = el('tr');
      r.dataset.number = i;
      r.addEventListener('click', () => this.opts.openTrial(i));
      for (const c of cols) {
        const td = el('td');
        const v = c.show(i);
        if (v instanceof Node) td.appendChild(v); else td.textContent = v;
        r.appendChild(td);
      }
      tbody.appendChild(r);
    }
    this.table.replaceChildren(thead, tbody);
    this.pager.replaceChildren();
    const prev = el('button', null, '‹ newer');
    prev.disabled = this.page === 0;
    prev.addEventListener('click', () => { this.page--; this.render(); });
    const next = el('button', null, 'older ›');
    next.disabled = this.page >= pages - 1;
    next.addEventListener('click', () => { this.page++; this.render(); });
    if (this.sortKey !== 'number' || this.sortDir !== -1) { prev.textContent = '‹ previous'; next.textContent = 'next ›'; }
    const info = el('span', null, this.view.length
      ? `${from + 1}–${from + rows.length} of ${this.view.length} trials` + (this.view.length < this.data.n ? ` (filtered from ${this.data.n})` : '')
      : 'no trials match');
    this.pager.append(prev, info, next);
  }
}

export class RunningTable {
  constructor(parent, data, opts) {
    this.data = data;
    this.opts = opts;
    const t = tableCard(parent, 'Running trials', 'running-table');
    this.title = t.title;
    this.table = t.table;
  }

  render() {
    const d = this.data, now = Date.now() / 1000;
    const running = Array.from(d.running).sort((a, b) => a - b);
    this.title.textContent = `Running trials (${running.length})`;
    const head = el('tr');
    for (const h of ['#', 'running for', 'last step', 'last value', 'reports', 'executor', 'job id', 'node', 'GPUs', ''])
      head.appendChild(el('th', null, h));
    const thead = el('thead');
    thead.appendChild(head);
    const tbody = el('tbody');
    for (const i of running) {
      const a = d.attrs.get(i) || {}, last = d.lastReport(i);
      const r = el('tr');
      r.dataset.number = i;
      const cells = [String(i), duration(now - d.start[i]), last ? String(last[0]) : '', last ? fmt(last[1]) : '',
        String(d.reportCount(i)), a.executor || '', a.slurm_job_id || a.job_id || '', a.node || '', a.gpus === undefined ? '' : String(a.gpus)];
      for (const c of cells) r.appendChild(el('td', null, c));
      const td = el('td');
      if (this.opts.kill && Number.isFinite(d.id[i])) {
        const b = el('button', 'danger small', 'kill');
        b.addEventListener('click', (e) => { e.stopPropagation(); this.opts.kill(i); });
        td.appendChild(b);
      }
      r.appendChild(td);
      r.addEventListener('click', () => this.opts.openTrial(i));
      tbody.appendChild(r);
    }
    if (!running.length) {
      const r = el('tr'), td = el('td', 'empty', 'none');
      td.colSpan = 10;
      r.appendChild(td);
      tbody.appendChild(r);
    }
    this.table.replaceChildren(thead, tbody);
  }
}
