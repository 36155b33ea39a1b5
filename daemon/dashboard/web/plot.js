// Canvas plotting primitives: layered canvases sized to their box, linear/log scales with
// tick marks, axes, and a density raster for many polylines. Written for this dashboard:
// the plots draw up to a million points and then update point by point.

export const MARGIN = { left: 58, right: 14, top: 10, bottom: 34 };

// A stack of canvases over one box: layer 0 holds what is expensive to draw, upper
// layers what changes often (hover, running trials).
export class Layers {
  constructor(parent, height, count = 2) {
    this.box = document.createElement('div');
    this.box.className = 'plot-box';
    this.box.style.height = height + 'px';
    parent.appendChild(this.box);
    this.canvases = [];
    for (let i = 0; i < count; i++) {
      const c = document.createElement('canvas');
      c.className = 'plot-layer';
      this.box.appendChild(c);
      this.canvases.push(c);
    }
    this.width = 0;
    this.height = 0;
  }
  // Matches the backing stores to the box; true when the size changed.
  fit() {
    const w = Math.max(50, Math.floor(this.box.clientWidth));
    const h = Math.max(50, Math.floor(this.box.clientHeight));
    const dpr = window.devicePixelRatio || 1;
    if (w === this.width && h === this.height && dpr === this.dpr) return false;
    this.width = w;
    this.height = h;
    this.dpr = dpr;
    for (const c of this.canvases) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(h * dpr);
      c.style.width = w + 'px';
      c.style.height = h + 'px';
      c.getContext('2d').setTransform(dpr, 0, 0, dpr, 0, 0);
    }
    return true;
  }
  ctx(i) { return this.canvases[i].getContext('2d'); }
  clear(i) { this.ctx(i).clearRect(0, 0, this.width, this.height); }
  // The plotting area inside the margins.
  area(margin = MARGIN) {
    return { x: margin.left, y: margin.top, w: this.width - margin.left - margin.right, h: this.height - margin.top - margin.bottom };
  }
}

// Maps [lo, hi] (data) onto [a, b] (pixels), linearly or in log10.
export class Scale {
  constructor(lo, hi, a, b, log = false) {
    if (log) {
      lo = Math.max(lo, 1e-300);
      hi = Math.max(hi, lo * 10);
    }
    if (!(hi > lo)) {
      const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
      lo -= pad;
      hi += pad;
    }
    Object.assign(this, { lo, hi, a, b, log });
    this.l0 = log ? Math.log10(lo) : lo;
    this.k = (b - a) / ((log ? Math.log10(hi) : hi) - this.l0);
  }
  map(v) { return this.a + ((this.log ? Math.log10(v) : v) - this.l0) * this.k; }
  contains(v) { return v >= this.lo && v <= this.hi; }
  ticks(count = 6) { return this.log ? logTicks(this.lo, this.hi) : niceTicks(this.lo, this.hi, count); }
}

export function niceTicks(lo, hi, count) {
  const span = hi - lo;
  if (!(span > 0) || !isFinite(span)) return [lo];
  const raw = span / Math.max(1, count);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => span / s <= count) || 10 * mag;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

export function logTicks(lo, hi) {
  const out = [];
  const e0 = Math.floor(Math.log10(lo)), e1 = Math.ceil(Math.log10(hi));
  const every = Math.max(1, Math.ceil((e1 - e0) / 6));
  for (let e = e0; e <= e1; e += every) {
    const v = Math.pow(10, e);
    if (v >= lo * 0.999 && v <= hi * 1.001) out.push(v);
  }
  if (out.length < 2) return niceTicks(lo, hi, 4);
  return out;
}

export function fmt(v) {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v;
  if (Number.isNaN(v)) return 'NaN';
  if (!isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(2).replace('e+', 'e');
  if (Number.isInteger(v)) return String(v);
  return String(+v.toPrecision(4));
}

export function drawAxes(ctx, area, xs, ys, xlabel, ylabel, opts = {}) {
  ctx.save();
  ctx.font = '11px system-ui, sans-serif';
  ctx.strokeStyle = '#e3e6ea';
  ctx.fillStyle = '#5b6470';
  ctx.lineWidth = 1;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  const xt = opts.xticks || xs.ticks(Math.max(2, Math.floor(area.w / 80)));
  for (const t of xt) {
    const v = typeof t === 'object' ? t.v : t;
    const x = Math.round(xs.map(v)) + 0.5;
    if (x < area.x - 1 || x > area.x + area.w + 1) continue;
    ctx.beginPath();
    ctx.moveTo(x, area.y);
    ctx.lineTo(x, area.y + area.h);
    ctx.stroke();
    ctx.fillText(typeof t === 'object' ? t.label : fmt(v), x, area.y + area.h + 4);
  }
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const t of ys.ticks(Math.max(2, Math.floor(area.h / 40)))) {
    const y = Math.round(ys.map(t)) + 0.5;
    if (y < area.y - 1 || y > area.y + area.h + 1) continue;
    ctx.beginPath();
    ctx.moveTo(area.x, y);
    ctx.lineTo(area.x + area.w, y);
    ctx.stroke();
    ctx.fillText(fmt(t), area.x - 5, y);
  }
  ctx.strokeStyle = '#aab2bd';
  ctx.strokeRect(area.x + 0.5, area.y + 0.5, area.w, area.h);
  ctx.fillStyle = '#39414b';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'bottom';
  if (xlabel) ctx.fillText(xlabel, area.x + area.w / 2, area.y + area.h + 32);
  if (ylabel) {
    ctx.translate(12, area.y + area.h / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = 'middle';
    ctx.fillText(ylabel, 0, 0);
  }
  ctx.restore();
}

// Value range of the finite entries, optionally trimmed to quantiles (a few diverged
// trials should not flatten every other curve). Samples at most ~20,000 values.
export function range(values, count, { positive = false, trim = 0 } = {}) {
  count = Math.min(count, values.length);
  const stride = Math.max(1, Math.floor(count / 20000));
  const sample = [];
  for (let i = 0; i < count; i += stride) {
    const v = values[i];
    if (Number.isFinite(v) && (!positive || v > 0)) sample.push(v);
  }
  if (!sample.length) return null;
  sample.sort((a, b) => a - b);
  const k = Math.floor(trim * (sample.length - 1));
  return [sample[k], sample[sample.length - 1 - k]];
}

export function pad(r, log, f = 0.05) {
  if (!r) return log ? [0.1, 10] : [0, 1];
  let [lo, hi] = r;
  if (log) {
    const a = Math.log10(lo), b = Math.log10(hi), p = Math.max((b - a) * f, 0.05);
    return [Math.pow(10, a - p), Math.pow(10, b + p)];
  }
  const p = (hi - lo) * f || Math.abs(lo) * 0.1 || 1;
  return [lo - p, hi + p];
}

// Counts how many polylines cross each pixel and turns the counts into colour: a million
// points of learning curves draw in one pass over the data, and a new segment updates
// only the pixels it touches.
export class Density {
  constructor(w, h, rgb) {
    this.w = w;
    this.h = h;
    this.rgb = rgb;
    this.acc = new Uint32Array(w * h);
    this.norm = 1;
    this.dirty = null;
  }
  clear() { this.acc.fill(0); this.dirty = null; }
  // Bresenham; `d` is +1 to add the segment, -1 to take it out again.
  segment(x0, y0, x1, y1, d = 1) {
    x0 |= 0; y0 |= 0; x1 |= 0; y1 |= 0;
    const w = this.w, h = this.h, acc = this.acc;
    if ((x0 < 0 && x1 < 0) || (x0 >= w && x1 >= w) || (y0 < 0 && y1 < 0) || (y0 >= h && y1 >= h)) return;
    const dx = Math.abs(x1 - x0), dy = -Math.abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
    let err = dx + dy, x = x0, y = y0;
    for (let n = 0; n < 100000; n++) {
      if (x >= 0 && x < w && y >= 0 && y < h) acc[y * w + x] += d;
      if (x === x1 && y === y1) break;
      const e2 = 2 * err;
      if (e2 >= dy) { err += dy; x += sx; }
      if (e2 <= dx) { err += dx; y += sy; }
    }
    this.touch(Math.min(x0, x1), Math.min(y0, y1), Math.max(x0, x1), Math.max(y0, y1));
  }
  point(x, y, d = 1) {
    x |= 0; y |= 0;
    if (x >= 0 && x < this.w && y >= 0 && y < this.h) {
      this.acc[y * this.w + x] += d;
      this.touch(x, y, x, y);
    }
  }
  // Grows the rectangle that paint() will refresh (fields, not an array: this runs once
  // per segment).
  touch(x0, y0, x1, y1) {
    if (this.dirty === null) {
      this.dirty = true;
      this.rx0 = x0; this.ry0 = y0; this.rx1 = x1; this.ry1 = y1;
      return;
    }
    if (x0 < this.rx0) this.rx0 = x0;
    if (y0 < this.ry0) this.ry0 = y0;
    if (x1 > this.rx1) this.rx1 = x1;
    if (y1 > this.ry1) this.ry1 = y1;
  }
  // The colour scale: the 99th percentile of the covered pixels is full colour.
  normalise() {
    const nz = [];
    const step = Math.max(1, Math.floor(this.acc.length / 50000));
    for (let i = 0; i < this.acc.length; i += step) if (this.acc[i]) nz.push(this.acc[i]);
    nz.sort((a, b) => a - b);
    this.norm = Math.max(1, nz.length ? nz[Math.floor(0.99 * (nz.length - 1))] : 1);
    this.lnorm = Math.log1p(this.norm);
  }
  // Paints the dirty rectangle (or everything) into ctx at (ox, oy), in device pixels
  // (the raster has the canvas's own resolution).
  paint(ctx, ox, oy, all = false) {
    let x0 = 0, y0 = 0, x1 = this.w - 1, y1 = this.h - 1;
    if (!all) {
      if (this.dirty === null) return;
      x0 = Math.max(0, this.rx0); y0 = Math.max(0, this.ry0);
      x1 = Math.min(this.w - 1, this.rx1); y1 = Math.min(this.h - 1, this.ry1);
    }
    this.dirty = null;
    if (x1 < x0 || y1 < y0) return;
    const w = x1 - x0 + 1, h = y1 - y0 + 1;
    const img = ctx.createImageData(w, h);
    const px = img.data, acc = this.acc, [cr, cg, cb] = this.rgb, ln = this.lnorm || Math.log1p(this.norm);
    for (let y = 0; y < h; y++) {
      let o = (y0 + y) * this.w + x0, p = y * w * 4;
      for (let x = 0; x < w; x++, o++, p += 4) {
        const c = acc[o];
        if (!c) continue;
        const a = Math.min(1, Math.log1p(c) / ln);
        px[p] = cr; px[p + 1] = cg; px[p + 2] = cb; px[p + 3] = 50 + 205 * a;
      }
    }
    ctx.putImageData(img, ox + x0, oy + y0);
  }
}

// Colour of a value in [0, 1] on a blue → yellow ramp (viridis-like, hand-picked stops).
const RAMP = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
export function ramp(t) {
  t = Math.min(1, Math.max(0, t)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(t)), f = t - i, a = RAMP[i], b = RAMP[i + 1];
  return `rgb(${Math.round(a[0] + (b[0] - a[0]) * f)},${Math.round(a[1] + (b[1] - a[1]) * f)},${Math.round(a[2] + (b[2] - a[2]) * f)})`;
}

// A small floating label near the pointer.
export class Tooltip {
  constructor(parent) {
    this.el = document.createElement('div');
    this.el.className = 'tooltip';
    this.el.hidden = true;
    parent.appendChild(this.el);
  }
  show(x, y, lines) {
    this.el.replaceChildren(...lines.map((l) => { const d = document.createElement('div'); d.textContent = l; return d; }));
    this.el.hidden = false;
    const pw = this.el.parentElement.clientWidth;
    this.el.style.left = Math.min(x + 12, pw - this.el.offsetWidth - 4) + 'px';
    this.el.style.top = (y + 12) + 'px';
  }
  hide() { this.el.hidden = true; }
}
