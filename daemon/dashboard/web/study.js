// The study page: header (state, counts, budget, controls), best trial, running trials,
// the plots, the trial table and a trial's details. Loads the study once as columns, then
// follows its event stream from the snapshot's last event id: each event updates the
// data in place and the plots draw only what it adds.
import { api, fetchColumns, segment } from './api.js';
import { HistoryChart, CurvesChart, SliceChart, ParallelChart, ImportanceChart } from './charts.js';
import { fmt, Layers, Scale, drawAxes, range, pad } from './plot.js';
import { StudyData, S, STATES } from './store.js';
import { TrialTable, RunningTable, stateBadge, duration } from './table.js';

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function kv(rows) {
  const t = el('table', 'kv');
  for (const [k, v] of rows) {
    const r = el('tr');
    r.appendChild(el('th', null, k));
    const td = el('td');
    if (v instanceof Node) td.appendChild(v); else td.textContent = v;
    r.appendChild(td);
    t.appendChild(r);
  }
  return t;
}

function attrText(v) { return typeof v === 'string' ? v : JSON.stringify(v); }

export class StudyPage {
  constructor(root, name, ui) {
    this.name = name;
    this.ui = ui;
    this.root = root;
    this.dead = false;
    this.timers = [];
    this.pendingFull = new Set();
    this.dirty = { header: false, running: false, table: false };
    this.scheduled = false;
    root.replaceChildren();
    this.status = el('p', 'loading', 'Loading study ' + name + '…');
    root.appendChild(this.status);
    this.load().catch((e) => { if (!this.dead) this.status.textContent = 'Could not load the study: ' + e.message; });
  }

  destroy() {
    this.dead = true;
    if (this.es) this.es.close();
    for (const t of this.timers) clearInterval(t);
    if (this.detail) this.detail.close();
  }

  async load() {
    const t0 = performance.now();
    performance.mark('hpod-study-start');
    const importance = api('GET', `/api/v1/studies/${segment(this.name)}/importance`).catch((e) => ({ params: [], detail: e.message }));
    const [snap, summary] = await Promise.all([fetchColumns(this.name), api('GET', `/api/v1/studies/${segment(this.name)}`)]);
    if (this.dead) return;
    const t1 = performance.now();
    const data = (this.data = new StudyData(snap));
    this.summary = summary;
    const t2 = performance.now();
    this.build();
    const charts = [this.history, this.curves, this.slice, this.parallel];
    for (const c of charts) c.full();
    this.header();
    this.running.render();
    this.table.render();
    const t3 = performance.now();
    this.importance.set(await importance);
    if (this.dead) return;
    const t4 = performance.now();
    performance.mark('hpod-rendered');
    window.hpodTimings = {
      fetch_ms: t1 - t0, decode_ms: t2 - t1, draw_ms: t3 - t2, importance_wait_ms: t4 - t3, total_ms: t4 - t0,
      curves_ms: this.curves.fullMs, bytes: snap.bytes, trials: data.n, reports: data.reports,
    };
    window.hpodRendered = performance.now();
    window.hpodFrames = { frames: 0, max_ms: 0, total_ms: 0, full_redraws: 0 };
    window.hpodLive = { trials: data.n, reports: data.reports, events: 0, lastEventId: data.lastEventId };
    this.lastImportance = data.counts[S.COMPLETE];
    this.subscribe();
    this.timers.push(setInterval(() => this.refreshSummary(), 5000));
    this.timers.push(setInterval(() => this.refreshImportance(), 10000));
    this.timers.push(setInterval(() => { this.dirty.running = true; this.schedule(); }, 1000));
    if (this.pendingTrial !== undefined) this.openTrial(this.pendingTrial);
  }

  build() {
    const root = this.root, data = this.data;
    root.replaceChildren();
    this.head = el('section', 'card study-head');
    this.head.id = 'study-head';
    root.appendChild(this.head);
    const top = el('div', 'row');
    this.bestCard = el('section', 'card best');
    this.bestCard.id = 'best-trial';
    top.appendChild(this.bestCard);
    const runWrap = el('div', 'grow');
    top.appendChild(runWrap);
    root.appendChild(top);
    const opts = { openTrial: (i) => this.navigateTrial(i), schedule: () => this.schedule(), kill: (i) => this.kill(i) };
    this.running = new RunningTable(runWrap, data, opts);
    const grid = el('div', 'plots');
    root.appendChild(grid);
    this.history = new HistoryChart(grid, data, opts);
    this.curves = new CurvesChart(grid, data, opts);
    this.slice = new SliceChart(grid, data, opts);
    this.parallel = new ParallelChart(grid, data, opts);
    this.importance = new ImportanceChart(grid);
    this.table = new TrialTable(root, data, opts);
    this.liveInfo = el('p', 'live-info');
    this.liveInfo.id = 'live-info';
    root.appendChild(this.liveInfo);
  }

  // ------------------------------------------------------------------ the header
  header() {
    const d = this.data, s = this.summary, h = this.head;
    h.replaceChildren();
    const title = el('div', 'title-row');
    title.append(el('h2', null, this.name), el('span', 'badge study-' + s.state, s.state), el('span', 'muted', s.direction));
    const ctl = el('div', 'controls');
    if (s.managed && s.state !== 'stopped' && s.state !== 'completed') {
      const act = (label, path, confirmText, cls) => {
        const b = el('button', cls, label);
        b.addEventListener('click', async () => {
          if (confirmText && !window.confirm(confirmText)) return;
          try { this.summary = await api('POST', `/api/v1/studies/${segment(this.name)}/${path}`); this.dirty.header = true; this.schedule(); }
          catch (e) { this.ui.toast('Could not ' + label + ': ' + e.message); }
        });
        return b;
      };
      if (s.state === 'paused') ctl.appendChild(act('resume', 'resume'));
      else ctl.appendChild(act('pause', 'pause'));
      ctl.appendChild(act('stop', 'stop', `Stop study ${this.name}? Running trials are stopped and FAIL; this cannot be undone.`, 'danger'));
    }
    title.appendChild(ctl);
    h.appendChild(title);
    const facts = el('div', 'facts');
    const chips = el('div', 'chips');
    chips.id = 'study-counts';
    for (const st of ['RUNNING', 'COMPLETE', 'PRUNED', 'FAIL', 'WAITING']) {
      const c = d.counts[STATES.indexOf(st)];
      if (!c && st === 'WAITING') continue;
      const chip = el('span', 'chip state-' + st.toLowerCase(), `${st.toLowerCase()} ${c}`);
      chip.dataset.state = st;
      chips.appendChild(chip);
    }
    facts.appendChild(chips);
    const info = [];
    if (s.sampler) info.push('sampler ' + s.sampler);
    if (s.pruner) info.push('pruner ' + s.pruner);
    if (s.executor) info.push('executor ' + s.executor);
    info.push(`${d.n} trials, ${d.reports.toLocaleString()} reports`);
    facts.appendChild(el('span', 'muted', info.join(' · ')));
    h.appendChild(facts);
    if (s.budget) h.appendChild(budgetBar(s.budget));
    if (s.last_error) h.appendChild(el('p', 'error', s.last_error));
    this.bestCardRender();
  }

  bestCardRender() {
    const d = this.data, c = this.bestCard;
    c.replaceChildren(el('h3', null, 'Best trial'));
    if (d.best < 0) { c.appendChild(el('p', 'muted', 'no completed trial yet')); return; }
    const i = d.best;
    const v = el('div', 'best-value', fmt(d.value[i]));
    v.id = 'best-value';
    const link = el('a', null, `trial ${i}`);
    link.href = `#/study/${encodeURIComponent(this.name)}/trial/${i}`;
    c.append(v, link);
    c.appendChild(kv(d.params.filter((p) => !Number.isNaN(p.values[i])).map((p) => [p.name, String(p.kind === 'cat' ? p.label(p.values[i]) : fmt(p.values[i]))])));
  }

  async refreshSummary() {
    try {
      this.summary = await api('GET', `/api/v1/studies/${segment(this.name)}`);
      this.dirty.header = true;
      this.schedule();
    } catch (e) { /* the stream's state shows connection trouble */ }
  }

  async refreshImportance() {
    const done = this.data.counts[S.COMPLETE];
    if (done === this.lastImportance) return;
    this.lastImportance = done;
    try { this.importance.set(await api('GET', `/api/v1/studies/${segment(this.name)}/importance`)); } catch (e) { /* keep */ }
  }

  // ------------------------------------------------------------------- live updates
  subscribe() {
    const url = `/api/v1/studies/${segment(this.name)}/events?after=${this.data.lastEventId}`;
    const es = (this.es = new EventSource(url));
    this.events = 0;
    let last = this.data.lastEventId;
    const on = (type, f) => es.addEventListener(type, (e) => {
      if (this.dead) return;
      const id = +e.lastEventId;
      if (id !== last + 1) {
        // A gap (more events than hpod keeps went by while disconnected) or hpod restarted
        // (ids start again): the data here is no longer complete. Load the study afresh.
        es.close();
        this.ui.reload();
        return;
      }
      last = id;
      this.events++;
      this.lastEventId = e.lastEventId;
      let j;
      try { j = JSON.parse(e.data); } catch (err) { return; }
      const t0 = performance.now();
      f(j);
      const stats = window.hpodFrames;
      if (stats) {
        const ms = performance.now() - t0;
        stats.events = (stats.events || 0) + 1;
        stats.event_ms = (stats.event_ms || 0) + ms;
        stats.max_event_ms = Math.max(stats.max_event_ms || 0, ms);
      }
      this.schedule();
    });
    on('trial', (t) => this.onTrial(t));
    on('report', (r) => this.onReport(r));
    on('launch', (l) => { this.data.applyLaunch(l); this.dirty.running = true; });
    on('study', (s) => { Object.assign(this.summary, s); this.dirty.header = true; });
    es.onopen = () => this.ui.connection('live');
    es.onerror = () => {
      if (es.readyState === EventSource.CLOSED) {
        this.ui.connection('disconnected');
        this.ui.checkSession();
      } else this.ui.connection('reconnecting');
    };
  }

  onTrial(t) {
    const ch = this.data.applyTrial(t);
    for (const c of [this.history, this.curves, this.slice, this.parallel]) if (c.onTrial(ch)) this.pendingFull.add(c);
    if (this.table.onTrial(ch)) this.dirty.table = true;
    this.dirty.header = true;
    this.dirty.running = true;
    if (this.detail && this.detail.number === ch.i) this.detail.changed();
  }

  onReport(r) {
    const rep = this.data.applyReport(r);
    if (this.curves.onReport(rep)) this.pendingFull.add(this.curves);
    this.dirty.running = true;
    if (this.table.onReport(rep.i)) this.dirty.table = true;
    if (this.detail && this.detail.number === rep.i) this.detail.report(rep);
  }

  schedule() {
    if (this.scheduled || this.dead) return;
    this.scheduled = true;
    requestAnimationFrame(() => this.frame());
  }

  frame() {
    this.scheduled = false;
    if (this.dead || !this.data) return;
    const t0 = performance.now();
    const stats = (window.hpodFrames = window.hpodFrames || { frames: 0, max_ms: 0, total_ms: 0, full_redraws: 0 });
    stats.full_redraws += this.pendingFull.size;
    for (const c of this.pendingFull) c.full();
    this.pendingFull.clear();
    this.curves.frame();
    if (this.curves.outside > 0 && !this.curveTimer) {
      // Values outside the axes: one redraw with new axes once two seconds have passed.
      this.curveTimer = setTimeout(() => { this.curveTimer = null; if (this.curves.wantsFull()) this.pendingFull.add(this.curves); this.schedule(); }, 2100);
    }
    if (this.dirty.header) { this.header(); this.dirty.header = false; }
    if (this.dirty.running) { this.running.render(); this.dirty.running = false; }
    if (this.dirty.table) { this.table.render(); this.dirty.table = false; }
    this.liveInfo.textContent = `${this.data.n} trials · ${this.data.reports.toLocaleString()} reports · ${this.events || 0} live events`;
    window.hpodLive = { trials: this.data.n, reports: this.data.reports, events: this.events, lastEventId: this.lastEventId };
    // What applying events costs the page (the scale test reads it).
    const ms = performance.now() - t0;
    stats.frames++;
    stats.total_ms += ms;
    stats.max_ms = Math.max(stats.max_ms, ms);
  }

  // ------------------------------------------------------------------- actions
  async kill(i) {
    if (!window.confirm(`Kill trial ${i}? It becomes FAIL and its process or job is stopped.`)) return;
    try { await api('DELETE', `/api/v1/trials/${this.data.id[i]}?reason=${encodeURIComponent('killed from the dashboard')}`); }
    catch (e) { this.ui.toast('Could not kill trial ' + i + ': ' + e.message); }
  }

  navigateTrial(i) { location.hash = `#/study/${encodeURIComponent(this.name)}/trial/${i}`; }

  openTrial(i) {
    if (!this.data) { this.pendingTrial = i; return; }
    if (this.detail) this.detail.close();
    this.detail = i === null || i === undefined ? null : new TrialDetail(this, i);
  }
}

function budgetBar(b) {
  const wrap = el('div', 'budget');
  if (b.n_trials) {
    const frac = Math.min(1, b.finished / b.n_trials);
    const bar = el('div', 'progress');
    const fill = el('div', 'fill');
    fill.style.width = (100 * frac).toFixed(1) + '%';
    bar.appendChild(fill);
    wrap.append(el('span', null, `budget ${b.finished} / ${b.n_trials} finished`), bar);
  } else {
    wrap.appendChild(el('span', null, `${b.finished} finished, no trial budget`));
  }
  const extra = [`up to ${b.max_parallel} in parallel`];
  if (b.timeout_s) extra.push(`timeout ${duration(b.timeout_s)}`);
  wrap.appendChild(el('span', 'muted', extra.join(' · ')));
  return wrap;
}

// ------------------------------------------------------------------ trial details
class TrialDetail {
  constructor(page, number) {
    this.page = page;
    this.number = number;
    this.el = el('aside', 'drawer');
    this.el.id = 'trial-detail';
    document.body.appendChild(this.el);
    this.stream = 'stdout';
    this.load();
    this.timer = setInterval(() => { if (this.page.data.state[this.number] === S.RUNNING) this.loadLog(); }, 3000);
  }

  close() {
    clearInterval(this.timer);
    this.el.remove();
    if (this.page.detail === this) this.page.detail = null;
  }

  changed() {
    clearTimeout(this.reload);
    this.reload = setTimeout(() => this.load(), 300);
  }

  async load() {
    const p = this.page;
    try {
      this.t = await api('GET', `/api/v1/studies/${segment(p.name)}/trials/${this.number}`);
    } catch (e) {
      this.el.replaceChildren(el('p', 'error', e.message));
      return;
    }
    this.render();
    this.loadLog();
  }

  render() {
    const t = this.t;
    const head = el('header');
    const close = el('button', 'close', '×');
    close.title = 'close';
    close.addEventListener('click', () => { location.hash = `#/study/${encodeURIComponent(this.page.name)}`; });
    head.append(el('h3', null, `Trial ${t.number}`), stateBadge(t.state), close);
    const rows = [['value', fmt(typeof t.value === 'number' ? t.value : t.value === null ? null : t.value)], ['trial id', String(t.id)],
      ['started', t.datetime_start || ''], ['finished', t.datetime_complete || ''], ['duration', duration(t.duration_s)]];
    const parts = [head, kv(rows), el('h4', null, 'Parameters'), kv(Object.entries(t.params).map(([k, v]) => [k, attrText(v)]))];
    parts.push(el('h4', null, `Reports (${t.intermediate_values.length})`));
    const plotBox = el('div', 'mini-plot');
    parts.push(plotBox);
    this.reportsBox = el('div', 'reports-table');
    parts.push(this.reportsBox);
    parts.push(el('h4', null, 'System attributes'), kv(Object.entries(t.system_attrs).map(([k, v]) => [k, attrText(v)])));
    if (Object.keys(t.user_attrs).length) parts.push(el('h4', null, 'User attributes'), kv(Object.entries(t.user_attrs).map(([k, v]) => [k, attrText(v)])));
    const logHead = el('div', 'log-head');
    logHead.appendChild(el('h4', null, 'Output'));
    for (const s of ['stdout', 'stderr']) {
      const b = el('button', s === this.stream ? 'tab active' : 'tab', s);
      b.addEventListener('click', () => { this.stream = s; this.render(); this.loadLog(); });
      logHead.appendChild(b);
    }
    const refresh = el('button', 'small', 'refresh');
    refresh.addEventListener('click', () => this.loadLog());
    logHead.appendChild(refresh);
    this.log = el('pre', 'log');
    this.log.id = 'trial-log';
    this.log.textContent = '…';
    parts.push(logHead, this.log);
    if (t.state === 'RUNNING') {
      const kill = el('button', 'danger', 'kill this trial');
      kill.addEventListener('click', () => this.page.kill(this.number));
      parts.push(kill);
    }
    this.el.replaceChildren(...parts);
    this.points = t.intermediate_values.map(([s, v]) => [s, typeof v === 'number' ? v : NaN]);
    this.plot = new Layers(plotBox, 160, 1);
    this.drawReports();
  }

  report(rep) {
    if (!this.points) return;
    this.points.push([rep.step, rep.value]);
    this.drawReports();
  }

  drawReports() {
    const pts = this.points, L = this.plot;
    L.fit();
    L.clear(0);
    const ctx = L.ctx(0), a = L.area({ left: 50, right: 8, top: 6, bottom: 22 });
    const vals = pts.map((p) => p[1]);
    const xr = pts.length ? [pts[0][0], pts[pts.length - 1][0]] : [0, 1];
    const xs = new Scale(xr[0], Math.max(xr[1], xr[0] + 1), a.x, a.x + a.w);
    const yr = pad(range(vals, vals.length), false);
    const ys = new Scale(yr[0], yr[1], a.y + a.h, a.y);
    drawAxes(ctx, a, xs, ys, '', '');
    ctx.strokeStyle = '#2563eb';
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    pts.forEach(([s, v], k) => { if (k) ctx.lineTo(xs.map(s), ys.map(v)); else ctx.moveTo(xs.map(s), ys.map(v)); });
    ctx.stroke();
    const tbl = el('table', 'kv small');
    const last = pts.slice(-200).reverse();
    for (const [s, v] of last) {
      const r = el('tr');
      r.append(el('th', null, String(s)), el('td', null, fmt(v)));
      tbl.appendChild(r);
    }
    this.reportsBox.replaceChildren(tbl);
    if (pts.length > 200) this.reportsBox.appendChild(el('p', 'muted', `latest 200 of ${pts.length} shown`));
  }

  async loadLog() {
    const p = this.page, stream = this.stream, log = this.log;
    try {
      const r = await api('GET', `/api/v1/studies/${segment(p.name)}/trials/${this.number}/log?stream=${stream}&bytes=65536`);
      // The tab changed (or the drawer was rebuilt) while this was on its way.
      if (!log || log !== this.log || stream !== this.stream) return;
      this.log.textContent = (r.offset > 0 ? `… (${r.offset.toLocaleString()} earlier bytes not shown)\n` : '') + (r.text || '(empty)');
      this.log.scrollTop = this.log.scrollHeight;
    } catch (e) {
      if (log && log === this.log) log.textContent = e.message;
    }
  }
}
