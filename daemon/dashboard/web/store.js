// A study in the browser: the column snapshot, then every event applied in place. Trial
// numbers are dense, so trial number i is row i of every column. Arrays grow by doubling;
// reports that arrive after the snapshot go to small per-trial arrays next to the
// snapshot's flat ones, so applying an event never copies the study.

export const STATES = ['RUNNING', 'COMPLETE', 'PRUNED', 'FAIL', 'WAITING'];
export const S = { RUNNING: 0, COMPLETE: 1, PRUNED: 2, FAIL: 3, WAITING: 4 };

export function num(v) {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return NaN;
}

function grown(old, cap, fill) {
  const a = new old.constructor(cap);
  a.set(old);
  if (fill !== undefined) a.fill(fill, old.length);
  return a;
}

// A parameter: its distribution and the column of internal values (a categorical's
// choice index).
export class Param {
  constructor(name, dist) {
    this.name = name;
    const a = (dist && dist.attributes) || {};
    const kind = dist ? dist.name : 'FloatDistribution';
    this.kind = /Categorical/.test(kind) ? 'cat' : /Int/.test(kind) ? 'int' : 'float';
    this.log = !!a.log || /LogUniform/.test(kind);
    this.low = a.low;
    this.high = a.high;
    this.choices = this.kind === 'cat' ? (a.choices || []).slice() : null;
    this.keys = this.choices ? this.choices.map((c) => JSON.stringify(c)) : null;
  }
  // One possible value: nothing to plot against.
  get single() {
    return this.kind === 'cat' ? this.choices.length <= 1 : this.low !== undefined && this.low === this.high;
  }
  // External value (from a trial event) → internal.
  internal(v) {
    if (v === undefined || (v === null && this.kind !== 'cat')) return NaN;
    if (this.kind !== 'cat') return num(v);
    const k = JSON.stringify(v);
    let i = this.keys.indexOf(k);
    if (i < 0) { // a choice the snapshot did not know (dynamic search space)
      this.choices.push(v);
      this.keys.push(k);
      i = this.choices.length - 1;
    }
    return i;
  }
  label(internal) {
    if (Number.isNaN(internal)) return '';
    if (this.kind === 'cat') {
      const c = this.choices[internal];
      return typeof c === 'string' ? c : JSON.stringify(c);
    }
    return internal;
  }
}

export class StudyData {
  constructor(snapshot) {
    const { header, column } = snapshot;
    this.summary = header.study;
    this.lastEventId = header.last_event_id;
    this.maximize = header.study.direction === 'maximize';
    const n = header.n_trials;
    this.n = n;
    const cap = Math.max(64, Math.ceil(n * 1.25));
    this.id = grown(column('id'), cap, NaN);
    this.state = grown(column('state'), cap, S.WAITING);
    this.value = grown(column('value'), cap, NaN);
    this.start = grown(column('datetime_start'), cap, NaN);
    this.complete = grown(column('datetime_complete'), cap, NaN);
    this.params = header.params.map((p) => {
      const param = new Param(p.name, p.distribution);
      param.values = grown(column('param:' + p.name), cap, NaN);
      return param;
    });
    this.ivOff = column('iv_offset');
    this.ivStep = column('iv_step');
    this.ivVal = column('iv_value');
    this.nBase = n;
    this.extra = new Map(); // trial → {steps, values}: reports after the snapshot
    this.reports = this.ivVal.length;
    this.attrs = new Map(Object.entries(header.running || {}).map(([k, v]) => [+k, v]));
    this.counts = [0, 0, 0, 0, 0];
    this.running = new Set();
    for (let i = 0; i < n; i++) {
      this.counts[this.state[i]]++;
      if (this.state[i] === S.RUNNING) this.running.add(i);
    }
    this.best = -1;
    for (let i = 0; i < n; i++) this.considerBest(i);
    this.maxStep = 0;
    for (let k = 0; k < this.ivStep.length; k++) if (this.ivStep[k] > this.maxStep) this.maxStep = this.ivStep[k];
  }

  cap() { return this.state.length; }
  ensure(n) {
    if (n <= this.cap()) return;
    const cap = Math.max(n, this.cap() * 2);
    this.id = grown(this.id, cap, NaN);
    this.state = grown(this.state, cap, S.WAITING);
    this.value = grown(this.value, cap, NaN);
    this.start = grown(this.start, cap, NaN);
    this.complete = grown(this.complete, cap, NaN);
    for (const p of this.params) p.values = grown(p.values, cap, NaN);
  }

  better(a, b) { return this.maximize ? a > b : a < b; }
  considerBest(i) {
    if (this.state[i] !== S.COMPLETE || Number.isNaN(this.value[i])) return false;
    if (this.best < 0 || this.better(this.value[i], this.value[this.best])) {
      this.best = i;
      return true;
    }
    return false;
  }

  param(name) { return this.params.find((p) => p.name === name); }

  // Reports of trial i: calls f(step, value) in step order.
  forEachReport(i, f) {
    if (i < this.nBase) {
      const a = this.ivOff[i], b = this.ivOff[i + 1];
      for (let k = a; k < b; k++) f(this.ivStep[k], this.ivVal[k]);
    }
    const x = this.extra.get(i);
    if (x) for (let k = 0; k < x.steps.length; k++) f(x.steps[k], x.values[k]);
  }
  reportCount(i) {
    const base = i < this.nBase ? this.ivOff[i + 1] - this.ivOff[i] : 0;
    const x = this.extra.get(i);
    return base + (x ? x.steps.length : 0);
  }
  lastReport(i) {
    const x = this.extra.get(i);
    if (x && x.steps.length) return [x.steps[x.steps.length - 1], x.values[x.values.length - 1]];
    if (i < this.nBase && this.ivOff[i + 1] > this.ivOff[i]) {
      const k = this.ivOff[i + 1] - 1;
      return [this.ivStep[k], this.ivVal[k]];
    }
    return null;
  }

  // A "trial" event: created or changed. Returns what changed.
  applyTrial(t) {
    const i = t.number;
    const isNew = i >= this.n;
    if (isNew) {
      this.ensure(i + 1);
      for (let k = this.n; k <= i; k++) this.counts[this.state[k]]++;
      this.n = i + 1;
    }
    const prev = this.state[i];
    const state = STATES.indexOf(t.state);
    this.counts[prev]--;
    this.counts[state]++;
    this.state[i] = state;
    if (state === S.RUNNING) this.running.add(i); else this.running.delete(i);
    if (t.id !== undefined) this.id[i] = t.id;
    this.value[i] = t.value === null || t.value === undefined ? NaN : num(t.value);
    this.start[i] = t.datetime_start ? Date.parse(t.datetime_start) / 1000 : NaN;
    this.complete[i] = t.datetime_complete ? Date.parse(t.datetime_complete) / 1000 : NaN;
    for (const [name, v] of Object.entries(t.params || {})) {
      let p = this.param(name);
      if (!p) {
        p = new Param(name, typeof v === 'number' ? null : { name: 'CategoricalDistribution', attributes: { choices: [] } });
        p.values = new Float64Array(this.cap()).fill(NaN);
        this.params.push(p);
        this.params.sort((a, b) => (a.name < b.name ? -1 : 1));
      }
      p.values[i] = p.internal(v);
    }
    if (state !== S.RUNNING) this.attrs.delete(i);
    else if (t.system_attrs) {
      const a = this.attrs.get(i) || {};
      for (const k of ['executor', 'job_id', 'node', 'gpus', 'slurm_job_id'])
        if (t.system_attrs[k] !== undefined) a[k] = t.system_attrs[k];
      this.attrs.set(i, a);
    }
    const newBest = this.considerBest(i);
    return { i, isNew, prev, state, newBest };
  }

  // A "report" event. Returns the trial's previous point (for drawing the new segment).
  applyReport(r) {
    const i = r.number;
    if (i >= this.n) this.applyTrial({ number: i, state: 'RUNNING', params: {} });
    const before = this.lastReport(i);
    let x = this.extra.get(i);
    if (!x) this.extra.set(i, (x = { steps: [], values: [] }));
    x.steps.push(r.step);
    x.values.push(num(r.value));
    this.reports++;
    if (r.step > this.maxStep) this.maxStep = r.step;
    return { i, before, step: r.step, value: num(r.value) };
  }

  applyLaunch(l) {
    const a = this.attrs.get(l.number) || {};
    for (const k of ['executor', 'job_id', 'node', 'gpus', 'slurm_job_id']) if (l[k] !== undefined) a[k] = l[k];
    this.attrs.set(l.number, a);
  }
}
