// Talking to hpod: JSON calls with the session's CSRF token on state-changing requests,
// and the columnar study snapshot.

let csrf = null;
let onUnauthorized = () => {};

export function setCsrf(token) { csrf = token; }
export function setUnauthorizedHandler(f) { onUnauthorized = f; }

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

export async function api(method, path, body) {
  const headers = {};
  if (method !== 'GET' && csrf) headers['X-Hpod-Csrf'] = csrf;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(path, {
    method, headers, credentials: 'same-origin', cache: 'no-store',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let j = null;
  try { j = await r.json(); } catch (e) { /* not JSON */ }
  if (r.status === 401 && path !== '/api/v1/session') onUnauthorized();
  if (!r.ok) throw new ApiError(r.status, (j && j.detail) || r.statusText);
  return j;
}

// A study name as one path segment. encodeURIComponent keeps '/' inside the segment
// (hpod routes on the raw path, then decodes); but "." and ".." (even as %2E) are dot
// segments that the browser resolves before sending, so /api/v1/studies/.. would reach
// another endpoint: such a name is refused here, never sent.
export function segment(s) {
  if (s === '.' || s === '..') throw new ApiError(0, `a study named "${s}" cannot be opened in a browser (URLs treat it as a directory step): use hpoctl or the API`);
  return encodeURIComponent(s);
}

const ARRAYS = { i32: Int32Array, u8: Uint8Array, u32: Uint32Array, f32: Float32Array, f64: Float64Array };

// GET /api/v1/studies/{name}/columns: a JSON header and typed arrays that view the
// response's bytes directly (see daemon/service/study_columns.hpp).
export async function fetchColumns(name) {
  const r = await fetch(`/api/v1/studies/${segment(name)}/columns`, { credentials: 'same-origin', cache: 'no-store' });
  if (r.status === 401) onUnauthorized();
  if (!r.ok) {
    let detail = r.statusText;
    try { detail = (await r.json()).detail; } catch (e) { /* keep */ }
    throw new ApiError(r.status, detail);
  }
  const buf = await r.arrayBuffer();
  const bytes = new Uint8Array(buf);
  if (new TextDecoder().decode(bytes.subarray(0, 8)) !== 'HPODCOL1') throw new ApiError(0, 'not a column snapshot');
  const hl = new DataView(buf).getUint32(8, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + hl)));
  const base = 12 + hl;
  const column = (name) => {
    const c = header.columns[name];
    return new ARRAYS[c.type](buf, base + c.offset, c.length);
  };
  return { header, column, bytes: buf.byteLength };
}
