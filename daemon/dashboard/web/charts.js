// The study page's plots. Each chart draws everything once (full()), then applies events
// as they come: a new completed trial is one more point or line, a new report one more
// segment. A full redraw happens only when the axes must change (a value outside them),
// at most every two seconds for the learning curves.
import { Layers, Scale, Density, Tooltip, drawAxes, range, pad, ramp, fmt, MARGIN } from './plot.js';
import { S } from './store.js';

function card(parent, title, controls = []) {
  const c = document.createElement('section');
  c.className = 'card plot-card';
  const h = document.createElement('header');
  const t = document.createElement('h3');
  t.textContent = title;
  h.appendChild(t);
  const ctl = document.createElement('div');
  ctl.className = 'controls';
  for (const x of controls) ctl.appendChild(x);
  h.appendChild(ctl);
  c.appendChild(h);
  const body = document.createElement('div');
  body.className = 'plot-body';
  c.appendChild(body);
  parent.appendChild(c);
  return { card: c, body, title: t };
}

export function checkbox(label, checked, onchange) {
  const l = document.createElement('label');
  l.className = 'check';
  const i = document.createElement('input');
  i.type = 'checkbox';
  i.checked = checked;
  i.addEventListener('change', () => onchange(i.checked));
  l.append(i, document.createTextNode(' ' + label));
  return l;
}

function note(body, text) {
  const p = document.createElement('p');
  p.className = 'plot-note';
  p.textContent = text;
  body.appendChild(p);
  return p;
}

// Positions of a parameter's values on an axis: log or linear numbers, or slots for
// categorical choices.
function paramScale(p, values, n, a, b) {
  if (p.kind === 'cat') {
    const k = Math.max(1, p.choices.length);
    const s = new Scale(-0.5, k - 0.5, a, b);
    s.cat = p;
    s.ticks = () => p.choices.map((c, i) => i);
    return s;
  }
  let lo = p.low, hi = p.high;
  if (lo === undefined || hi === undefined) [lo, hi] = range(values, n, { positive: p.log }) || [0, 1];
  if (p.kind === 'int') { lo -= 0.5; hi += 0.5; }
  else if (!p.log) [lo, hi] = pad([lo, hi], false, 0.02);
  return new Scale(lo, hi, a, b, p.log && lo > 0);
}

function catTicks(s) {
  return s.cat ? s.cat.choices.map((c, i) => ({ v: i, label: String(s.cat.label(i)).slice(0, 10) })) : undefined;
}

// Deterministic horizontal spread of categorical points, from the trial number.
function jitter(i) {
  const x = Math.sin(i * 12.9898) * 43758.5453;
  return (x - Math.floor(x) - 0.5) * 0.6;
}

// What every plot has: a card with its title and an optional log-scale switch, stacked
// canvases, a tooltip, a click that opens the trial under the pointer, and a legend
// (fixed markup).
class PlotChart {
  constructor(parent, data, opts, { title, height, layers, logSwitch = true, legend }) {
    this.data = data;
    this.opts = opts;
    this.log = false;
    this.hoverI = -1;
    const c = card(parent, title, logSwitch ? [checkbox('log y', false, (v) => { this.log = v; this.full(); })] : []);
    this.body = c.body;
    this.layers = new Layers(c.body, height, layers);
    this.tip = new Tooltip(c.body);
    this.layers.box.addEventListener('click', () => { if (this.hoverI >= 0) opts.openTrial(this.hoverI); });
    const lg = document.createElement('div');
    lg.className = 'legend';
    lg.innerHTML = legend;
    c.body.appendChild(lg);
  }
}

// ----------------------------------------------------------------- optimisation history
export class HistoryChart extends PlotChart {
  constructor(parent, data, opts) {
    // Layers: axes, the best-so-far line, the points (on top of the line), the hover mark.
    super(parent, data, opts, { title: 'Optimisation history', height: 280, layers: 4,
      legend: '<span class="dot blue"></span> completed trial <span class="line red"></span> best so far' });
    this.layers.box.addEventListener('mousemove', (e) => this.hover(e));
    this.layers.box.addEventListener('mouseleave', () => { this.tip.hide(); this.layers.clear(3); this.hoverI = -1; });
    this.improvements = [];
  }

  full() {
    const d = this.data;
    this.layers.fit();
    const a = (this.area = this.layers.area());
    const vals = [];
    for (let i = 0; i < d.n; i++) if (d.state[i] === S.COMPLETE && Number.isFinite(d.value[i]) && (!this.log || d.value[i] > 0)) vals.push(d.value[i]);
    const yr = pad(range(vals, vals.length, { positive: this.log }), this.log);
    this.xs = new Scale(-0.5, Math.max(10, d.n * 1.1), a.x, a.x + a.w);
    this.ys = new Scale(yr[0], yr[1], a.y + a.h, a.y, this.log);
    this.layers.clear(0);
    this.layers.clear(2);
    drawAxes(this.layers.ctx(0), a, this.xs, this.ys, 'trial number', 'objective value');
    const ctx = this.layers.ctx(2);
    this.size = vals.length > 1000 ? 3 : 5;
    ctx.fillStyle = 'rgba(37,99,235,0.75)';
    for (let i = 0; i < d.n; i++) if (d.state[i] === S.COMPLETE) this.dot(ctx, i);
    this.improvements = [];
    for (let i = 0; i < d.n; i++) this.addImprovement(i);
    this.drawBest();
  }

  dot(ctx, i) {
    const v = this.data.value[i];
    if (!Number.isFinite(v) || (this.log && v <= 0)) return;
    const r = this.size;
    ctx.fillRect(this.xs.map(i) - r / 2, this.ys.map(v) - r / 2, r, r);
  }

  // Best-so-far is a step function of the trial number; its corners are the trials that
  // beat every completed trial with a smaller number. A trial finishing out of order
  // touches only the corners after it.
  addImprovement(i) {
    const d = this.data;
    if (d.state[i] !== S.COMPLETE || Number.isNaN(d.value[i])) return false;
    const imp = this.improvements;
    let k = imp.length;
    while (k > 0 && imp[k - 1] > i) k--;
    if (k > 0 && !d.better(d.value[i], d.value[imp[k - 1]])) return false;
    let end = k;
    while (end < imp.length && !d.better(d.value[imp[end]], d.value[i])) end++;
    imp.splice(k, end - k, i);
    return true;
  }

  drawBest() {
    const d = this.data, ctx = this.layers.ctx(1), a = this.area;
    this.layers.clear(1);
    const imp = this.improvements.filter((i) => Number.isFinite(d.value[i]) && (!this.log || d.value[i] > 0));
    if (!imp.length) return;
    ctx.save();
    ctx.beginPath();
    ctx.rect(a.x, a.y, a.w, a.h);
    ctx.clip();
    ctx.strokeStyle = '#dc2626';
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(this.xs.map(imp[0]), this.ys.map(d.value[imp[0]]));
    for (let k = 1; k < imp.length; k++) {
      ctx.lineTo(this.xs.map(imp[k]), this.ys.map(d.value[imp[k - 1]]));
      ctx.lineTo(this.xs.map(imp[k]), this.ys.map(d.value[imp[k]]));
    }
    ctx.lineTo(this.xs.map(d.n - 1), this.ys.map(d.value[imp[imp.length - 1]]));
    ctx.stroke();
    ctx.restore();
  }

  // Returns true when the chart needs a full redraw.
  onTrial(ch) {
    if (!this.xs) return true;
    const d = this.data, i = ch.i;
    if (ch.isNew && i > this.xs.hi) return true;
    if (ch.state !== S.COMPLETE || ch.prev === S.COMPLETE) return false;
    const v = d.value[i];
    if (Number.isFinite(v) && (!this.ys.contains(v) || (this.log && v <= 0))) return true;
    const ctx = this.layers.ctx(2);
    ctx.fillStyle = 'rgba(37,99,235,0.75)';
    this.dot(ctx, i);
    this.addImprovement(i);
    this.drawBest();
    return false;
  }

  hover(e) {
    if (!this.xs) return;
    const r = this.layers.box.getBoundingClientRect(), mx = e.clientX - r.left, my = e.clientY - r.top, d = this.data;
    let best = -1, bd = 100;
    for (let i = 0; i < d.n; i++) {
      if (d.state[i] !== S.COMPLETE || !Number.isFinite(d.value[i])) continue;
      const dx = this.xs.map(i) - mx, dy = this.ys.map(d.value[i]) - my, dd = dx * dx + dy * dy;
      if (dd < bd) { bd = dd; best = i; }
    }
    this.hoverI = best;
    this.layers.clear(3);
    if (best < 0) return this.tip.hide();
    const ctx = this.layers.ctx(3);
    ctx.strokeStyle = '#111';
    ctx.strokeRect(this.xs.map(best) - 4, this.ys.map(d.value[best]) - 4, 8, 8);
    this.tip.show(mx, my, [`trial ${best}`, `value ${fmt(d.value[best])}`, 'click for details']);
  }
}

// ------------------------------------------------------------------- learning curves
export class CurvesChart extends PlotChart {
  constructor(parent, data, opts) {
    super(parent, data, opts, { title: 'Intermediate values', height: 440, layers: 2,
      legend: '<span class="swatch blue"></span> completed / failed (density of all curves) ' +
        '<span class="line orange"></span> running <span class="line red"></span> best trial ' +
        '<span class="swatch grey"></span> pruned (lower panel)' });
    this.layers.box.addEventListener('mousemove', (e) => { this.mouse = e; this.opts.schedule(); });
    this.layers.box.addEventListener('mouseleave', () => { this.mouse = null; this.hoverI = -1; this.tip.hide(); this.overlayDirty = true; this.opts.schedule(); });
    this.running = new Set();
    this.outside = 0;
    this.lastFull = 0;
  }

  panelOf(state) { return state === S.PRUNED ? 1 : 0; }

  full() {
    const t0 = performance.now();
    const d = this.data, L = this.layers;
    L.fit();
    const dpr = L.dpr;
    const gap = 26, h = (L.height - MARGIN.top - MARGIN.bottom - gap) / 2;
    const w = L.width - MARGIN.left - MARGIN.right;
    this.areas = [
      { x: MARGIN.left, y: MARGIN.top, w, h },
      { x: MARGIN.left, y: MARGIN.top + h + gap, w, h },
    ];
    const yr = pad(range(this.sample(), Infinity, { positive: this.log, trim: 0.002 }), this.log, 0.08);
    this.xs = new Scale(0, Math.max(1, d.maxStep * 1.05), MARGIN.left, MARGIN.left + w);
    this.ys = this.areas.map((a) => new Scale(yr[0], yr[1], a.y + a.h, a.y, this.log));
    // Device-pixel scales for the rasters.
    const wd = Math.round(w * dpr), hd = Math.round(h * dpr);
    this.xd = new Scale(this.xs.lo, this.xs.hi, 0, wd - 1);
    this.yd = new Scale(yr[0], yr[1], hd - 1, 0, this.log);
    this.dens = [new Density(wd, hd, [37, 99, 235]), new Density(wd, hd, [120, 120, 120])];
    this.running.clear();
    // The hot loop: every point of the snapshot, straight from the typed arrays.
    const off = d.ivOff, st = d.ivStep, va = d.ivVal, xd = this.xd, yd = this.yd, log = this.log;
    for (let i = 0; i < d.nBase; i++) {
      const s = d.state[i];
      if (s === S.RUNNING) { this.running.add(i); continue; }
      if (s === S.WAITING) continue;
      const den = this.dens[this.panelOf(s)];
      let px = NaN, py = NaN;
      for (let k = off[i]; k < off[i + 1]; k++) {
        const v = va[k];
        if (!Number.isFinite(v) || (log && v <= 0)) { px = NaN; continue; }
        const x = xd.map(st[k]), y = yd.map(v);
        if (px === px) den.segment(px, py, x, y); else den.point(x, y);
        px = x; py = y;
      }
    }
    for (let i = 0; i < d.n; i++) {
      const s = d.state[i];
      if (s === S.RUNNING) { this.running.add(i); continue; }
      if (i < d.nBase && !d.extra.has(i)) continue;
      if (s !== S.WAITING && d.extra.has(i)) {
        if (i < d.nBase) { this.curve(i, this.dens[this.panelOf(s)], -1, true); }
        this.curve(i, this.dens[this.panelOf(s)], 1, false);
      }
    }
    L.clear(0);
    const ctx = L.ctx(0);
    const titles = ['completed, failed and running trials', 'pruned trials'];
    this.areas.forEach((a, p) => {
      drawAxes(ctx, a, this.xs, this.ys[p], p === 1 ? 'step' : '', 'value');
      this.dens[p].normalise();
      this.dens[p].paint(ctx, Math.round(a.x * dpr), Math.round(a.y * dpr), true);
      ctx.save();
      ctx.font = '11px system-ui, sans-serif';
      ctx.fillStyle = '#39414b';
      ctx.fillText(`${titles[p]}`, a.x + 6, a.y + 13);
      ctx.restore();
    });
    this.outside = 0;
    this.lastFull = performance.now();
    this.overlayDirty = true;
    this.drawOverlay();
    this.fullMs = performance.now() - t0;
  }

  // Up to ~40,000 of the values, from the snapshot and from what arrived since, for the axes.
  sample() {
    const d = this.data, out = [];
    const stride = Math.max(1, Math.floor(d.ivVal.length / 20000));
    for (let k = 0; k < d.ivVal.length; k += stride) out.push(d.ivVal[k]);
    let live = 0;
    for (const x of d.extra.values()) live += x.values.length;
    const every = Math.max(1, Math.floor(live / 20000));
    let k = 0;
    for (const x of d.extra.values()) for (const v of x.values) if (k++ % every === 0) out.push(v);
    return out;
  }

  // Adds (d = 1) or removes (d = -1) trial i's curve in a raster. With baseOnly, only the
  // snapshot's part (used to undo the fast loop before redrawing a curve that grew).
  curve(i, den, dsign, baseOnly) {
    const d = this.data, xd = this.xd, yd = this.yd, log = this.log;
    let px = NaN, py = NaN;
    const f = (step, v) => {
      if (!Number.isFinite(v) || (log && v <= 0)) { px = NaN; return; }
      const x = xd.map(step), y = yd.map(v);
      if (px === px) den.segment(px, py, x, y, dsign); else den.point(x, y, dsign);
      px = x; py = y;
    };
    if (baseOnly) {
      for (let k = d.ivOff[i]; k < d.ivOff[i + 1]; k++) f(d.ivStep[k], d.ivVal[k]);
    } else {
      d.forEachReport(i, f);
    }
  }

  onReport(r) {
    if (!this.xs) return true;
    const v = r.value;
    if (r.step > this.xs.hi || (Number.isFinite(v) && (!this.ys[0].contains(v) || (this.log && v <= 0)))) this.outside++;
    const s = this.data.state[r.i];
    if (s === S.RUNNING || s === S.WAITING) { this.running.add(r.i); this.overlayDirty = true; return this.wantsFull(); }
    // A report for a finished trial (rare): one more segment in its raster.
    const den = this.dens[this.panelOf(s)];
    if (Number.isFinite(v) && !(this.log && v <= 0)) {
      const x = this.xd.map(r.step), y = this.yd.map(v);
      if (r.before && Number.isFinite(r.before[1])) den.segment(this.xd.map(r.before[0]), this.yd.map(r.before[1]), x, y);
      else den.point(x, y);
    }
    this.paintDirty();
    return this.wantsFull();
  }

  onTrial(ch) {
    if (!this.xs) return true;
    const { i, prev, state } = ch;
    if (state === S.RUNNING || state === S.WAITING) { this.running.add(i); this.overlayDirty = true; return false; }
    if (prev === S.RUNNING || prev === S.WAITING || ch.isNew) {
      // Finished: its curve leaves the overlay and joins its panel's density.
      this.running.delete(i);
      this.curve(i, this.dens[this.panelOf(state)], 1, false);
    } else if (this.panelOf(prev) !== this.panelOf(state)) {
      this.curve(i, this.dens[this.panelOf(prev)], -1, false);
      this.curve(i, this.dens[this.panelOf(state)], 1, false);
    }
    this.paintDirty();
    this.overlayDirty = true;
    return this.wantsFull();
  }

  paintDirty() {
    const dpr = this.layers.dpr, ctx = this.layers.ctx(0);
    this.dens.forEach((den, p) => den.paint(ctx, Math.round(this.areas[p].x * dpr), Math.round(this.areas[p].y * dpr)));
  }

  // Values outside the axes: redraw with new axes, but not more than every two seconds.
  wantsFull() { return this.outside > 0 && performance.now() - this.lastFull > 2000; }

  frame() {
    if (this.mouse) { this.hover(this.mouse); this.mouse = null; }
    if (this.overlayDirty) this.drawOverlay();
  }

  drawOverlay() {
    this.overlayDirty = false;
    const L = this.layers, d = this.data, ctx = L.ctx(1);
    L.clear(1);
    if (!this.areas) return;
    const line = (i, p, color, width) => {
      const ys = this.ys[p], a = this.areas[p];
      ctx.save();
      ctx.beginPath();
      ctx.rect(a.x, a.y, a.w, a.h);
      ctx.clip();
      ctx.strokeStyle = color;
      ctx.lineWidth = width;
      ctx.beginPath();
      let pen = false;
      d.forEachReport(i, (step, v) => {
        if (!Number.isFinite(v) || (this.log && v <= 0)) { pen = false; return; }
        const x = this.xs.map(step), y = ys.map(v);
        if (pen) ctx.lineTo(x, y); else ctx.moveTo(x, y);
        pen = true;
      });
      ctx.stroke();
      ctx.restore();
    };
    for (const i of this.running) line(i, 0, 'rgba(234,88,12,0.9)', 1.5);
    if (d.best >= 0) line(d.best, 0, '#dc2626', 2);
    if (this.hoverI >= 0) line(this.hoverI, this.panelOf(d.state[this.hoverI]), '#111', 2);
  }

  // The curve nearest to the pointer (a scan over every point; runs once per frame).
  hover(e) {
    const r = this.layers.box.getBoundingClientRect(), mx = e.clientX - r.left, my = e.clientY - r.top, d = this.data;
    const p = this.areas && my > this.areas[1].y - 13 ? 1 : 0;
    if (!this.areas) return;
    const ys = this.ys[p], xs = this.xs;
    let best = -1, bd = 64, bs = 0, bv = 0;
    const consider = (i, step, v) => {
      const dx = xs.map(step) - mx, dy = ys.map(v) - my, dd = dx * dx + dy * dy;
      if (dd < bd) { bd = dd; best = i; bs = step; bv = v; }
    };
    for (let i = 0; i < d.n; i++) {
      if (this.panelOf(d.state[i]) !== p) continue;
      if (i < d.nBase) for (let k = d.ivOff[i]; k < d.ivOff[i + 1]; k++) consider(i, d.ivStep[k], d.ivVal[k]);
      const x = d.extra.get(i);
      if (x) for (let k = 0; k < x.steps.length; k++) consider(i, x.steps[k], x.values[k]);
    }
    if (best !== this.hoverI) { this.hoverI = best; this.overlayDirty = true; }
    if (best < 0) return this.tip.hide();
    this.tip.show(mx, my, [`trial ${best}`, `step ${bs}: ${fmt(bv)}`, 'click for details']);
  }
}

// ------------------------------------------------------------- slice: parameter vs value
export class SliceChart extends PlotChart {
  constructor(parent, data, opts) {
    super(parent, data, opts, { title: 'Parameter vs objective (slice)', height: 200, layers: 1,
      legend: 'completed trials; colour: trial number (dark: early, yellow: recent)' });
  }

  full() {
    const d = this.data;
    const cols = Math.max(1, Math.floor((this.body.clientWidth || 800) / 250));
    const params = d.params.filter((p) => !p.single);
    this.nParams = d.params.length;
    const rows = Math.max(1, Math.ceil(params.length / cols));
    this.layers.box.style.height = rows * 190 + 'px';
    this.layers.fit();
    const ctx = this.layers.ctx(0);
    this.layers.clear(0);
    const vals = [];
    for (let i = 0; i < d.n; i++) if (d.state[i] === S.COMPLETE && Number.isFinite(d.value[i])) vals.push(d.value[i]);
    const yr = pad(range(vals, vals.length, { positive: this.log }), this.log);
    const pw = this.layers.width / cols;
    const m = { left: 50, right: 8, top: 8, bottom: 34 };
    this.panels = params.map((p, k) => {
      const x0 = (k % cols) * pw, y0 = Math.floor(k / cols) * 190;
      const a = { x: x0 + m.left, y: y0 + m.top, w: pw - m.left - m.right, h: 190 - m.top - m.bottom };
      const xs = paramScale(p, p.values, d.n, a.x, a.x + a.w);
      const ys = new Scale(yr[0], yr[1], a.y + a.h, a.y, this.log);
      drawAxes(ctx, a, xs, ys, p.name + (p.log ? ' (log)' : ''), k % cols === 0 ? 'objective' : '', { xticks: catTicks(xs) });
      return { p, a, xs, ys };
    });
    this.nColour = Math.max(1, d.n);
    this.size = vals.length > 1000 ? 3 : 5;
    for (let i = 0; i < d.n; i++) if (d.state[i] === S.COMPLETE) this.dots(ctx, i);
  }

  dots(ctx, i) {
    const d = this.data, v = d.value[i];
    if (!Number.isFinite(v) || (this.log && v <= 0)) return;
    ctx.fillStyle = ramp(i / this.nColour);
    for (const { p, xs, ys } of this.panels) {
      let x = p.values[i];
      if (Number.isNaN(x)) continue;
      if (p.kind === 'cat') x += jitter(i);
      ctx.fillRect(xs.map(x) - this.size / 2, ys.map(v) - this.size / 2, this.size, this.size);
    }
  }

  onTrial(ch) {
    if (!this.panels) return true;
    if (ch.state !== S.COMPLETE || ch.prev === S.COMPLETE) return false;
    const v = this.data.value[ch.i];
    if (this.nParams !== this.data.params.length) return true;
    if (Number.isFinite(v) && this.panels.length && !this.panels[0].ys.contains(v)) return true;
    this.dots(this.layers.ctx(0), ch.i);
    return false;
  }
}

// ------------------------------------------------------------------ parallel coordinates
export class ParallelChart extends PlotChart {
  constructor(parent, data, opts) {
    super(parent, data, opts, { title: 'Parallel coordinates', height: 300, layers: 1, logSwitch: false,
      legend: 'one line per completed trial through its parameters; colour: objective (dark: best)' });
  }

  full() {
    const d = this.data;
    this.layers.fit();
    const ctx = this.layers.ctx(0);
    this.layers.clear(0);
    const vals = [];
    for (let i = 0; i < d.n; i++) if (d.state[i] === S.COMPLETE && Number.isFinite(d.value[i])) vals.push(d.value[i]);
    const vr = range(vals, vals.length) || [0, 1];
    const top = 24, bottom = this.layers.height - 30, left = 40, right = this.layers.width - 60;
    const axes = [{ name: 'objective', scale: new Scale(vr[0], vr[1] > vr[0] ? vr[1] : vr[0] + 1, bottom, top), values: d.value }];
    for (const p of d.params) if (!p.single) axes.push({ name: p.name, scale: paramScale(p, p.values, d.n, bottom, top), values: p.values, p });
    this.nParams = d.params.length;
    const step = axes.length > 1 ? (right - left) / (axes.length - 1) : 0;
    axes.forEach((ax, k) => { ax.x = left + k * step; });
    this.axes = axes;
    this.vr = vr;
    // Worst first, so the best trials end up on top.
    const order = [];
    for (let i = 0; i < d.n; i++) if (d.state[i] === S.COMPLETE && Number.isFinite(d.value[i])) order.push(i);
    order.sort((a, b) => (d.better(d.value[a], d.value[b]) ? 1 : -1));
    const buckets = 24;
    let k = 0;
    ctx.lineWidth = 1;
    ctx.globalAlpha = order.length > 2000 ? 0.25 : 0.6;
    for (let b = 0; b < buckets; b++) {
      ctx.beginPath();
      ctx.strokeStyle = ramp(1 - (b + 0.5) / buckets);
      const end = Math.round(((b + 1) / buckets) * order.length);
      for (; k < end; k++) this.path(ctx, order[k]);
      ctx.stroke();
    }
    ctx.globalAlpha = 1;
    this.drawAxes(ctx, top, bottom);
  }

  colour(i) {
    const d = this.data, [lo, hi] = this.vr;
    let t = hi > lo ? (d.value[i] - lo) / (hi - lo) : 0.5;
    if (d.maximize) t = 1 - t;
    return ramp(Math.min(1, Math.max(0, t)));
  }

  path(ctx, i) {
    let pen = false;
    for (const ax of this.axes) {
      let v = ax.values[i];
      if (Number.isNaN(v)) { pen = false; continue; }
      if (ax.p && ax.p.kind === 'cat') v += jitter(i) * 0.5;
      const y = ax.scale.map(v);
      if (pen) ctx.lineTo(ax.x, y); else ctx.moveTo(ax.x, y);
      pen = true;
    }
  }

  drawAxes(ctx, top, bottom) {
    ctx.save();
    ctx.font = '11px system-ui, sans-serif';
    for (const ax of this.axes) {
      ctx.strokeStyle = '#39414b';
      ctx.beginPath();
      ctx.moveTo(ax.x + 0.5, top);
      ctx.lineTo(ax.x + 0.5, bottom);
      ctx.stroke();
      ctx.fillStyle = '#111';
      ctx.textAlign = 'center';
      ctx.fillText(ax.name.slice(0, 16), ax.x, top - 8);
      ctx.textAlign = 'left';
      ctx.fillStyle = '#5b6470';
      const ticks = ax.p && ax.p.kind === 'cat' ? ax.p.choices.map((c, i) => ({ v: i, label: String(ax.p.label(i)).slice(0, 8) }))
        : ax.scale.ticks(5).map((v) => ({ v, label: fmt(v) }));
      for (const t of ticks) {
        const y = ax.scale.map(t.v);
        if (y < top - 1 || y > bottom + 1) continue;
        ctx.fillRect(ax.x - 2, y, 5, 1);
        ctx.fillText(t.label, ax.x + 5, y + 3);
      }
    }
    ctx.restore();
  }

  onTrial(ch) {
    if (!this.axes) return true;
    if (ch.state !== S.COMPLETE || ch.prev === S.COMPLETE) return false;
    if (this.nParams !== this.data.params.length) return true;
    const v = this.data.value[ch.i];
    if (Number.isFinite(v) && !this.axes[0].scale.contains(v)) return true;
    const ctx = this.layers.ctx(0);
    ctx.strokeStyle = this.colour(ch.i);
    ctx.globalAlpha = 0.8;
    ctx.beginPath();
    this.path(ctx, ch.i);
    ctx.stroke();
    ctx.globalAlpha = 1;
    return false;
  }
}

// ---------------------------------------------------------------------- importance
export class ImportanceChart {
  constructor(parent) {
    const c = card(parent, 'Hyper-parameter importance (fANOVA)', []);
    this.body = c.body;
    this.list = document.createElement('div');
    this.list.className = 'bars';
    c.body.appendChild(this.list);
    this.note = note(c.body, 'computing…');
  }
  set(r) {
    this.list.replaceChildren();
    if (!r.params.length) {
      this.note.textContent = r.detail ? `not available: ${r.detail}` : 'not available yet';
      return;
    }
    for (const p of r.params) {
      const row = document.createElement('div');
      row.className = 'bar-row';
      const name = document.createElement('span');
      name.className = 'bar-name';
      name.textContent = p.name;
      const track = document.createElement('span');
      track.className = 'bar-track';
      const bar = document.createElement('span');
      bar.className = 'bar';
      bar.style.width = (100 * p.importance).toFixed(1) + '%';
      track.appendChild(bar);
      const val = document.createElement('span');
      val.className = 'bar-value';
      val.textContent = p.importance.toFixed(3);
      row.append(name, track, val);
      this.list.appendChild(row);
    }
    this.note.textContent = `share of the objective's variance explained by each parameter alone (random forest of 64 trees on ${r.n_trials}` +
      (r.n_completed > r.n_trials ? ` of ${r.n_completed}` : '') + ' completed trials)';
  }
}
