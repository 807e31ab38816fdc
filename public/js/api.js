/* global fetch, localStorage, location, setTimeout, WebSocket */
// REST and WebSocket access to the daemon, with the optional bearer token kept in localStorage.

const TOKEN_KEY = 'nudged.token';

export const token = {
  get: () => localStorage.getItem(TOKEN_KEY) ?? '',
  set: (value) => (value ? localStorage.setItem(TOKEN_KEY, value) : localStorage.removeItem(TOKEN_KEY)),
};

/** An API error carrying the field and reason the daemon named. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body && body.field ? `${body.field}: ${body.reason}` : `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

async function request(method, path, body) {
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && token.get()) headers.authorization = `Bearer ${token.get()}`;
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

export const api = {
  health: () => request('GET', '/api/health'),
  bench: () => request('GET', '/api/bench'),
  jobKinds: () => request('GET', '/api/job-kinds'),
  runs: () => request('GET', '/api/runs?limit=50'),
  run: (id, maxPoints = 2000) => request('GET', `/api/runs/${id}?maxPoints=${maxPoints}`),
  /** Only the steps and epochs after the given ones (undefined: from the first). */
  runSince: (id, sinceStep, sinceEpoch) => {
    const q = [
      ['sinceStep', sinceStep],
      ['sinceEpoch', sinceEpoch],
    ].filter(([, v]) => v !== undefined);
    return request('GET', `/api/runs/${id}?${q.map(([k, v]) => `${k}=${v}`).join('&')}`);
  },
  conductances: (id) =>
    request('GET', id === null ? '/api/bench/conductances' : `/api/runs/${id}/conductances`),
  submit: (kind, params) => request('POST', '/api/runs', { kind, params }),
  control: (id, action) => request('POST', `/api/runs/${id}/${action}`, {}),
  estop: (reason) => request('POST', '/api/estop', { reason }),
  clearFault: () => request('POST', '/api/clear-fault', {}),
};

/**
 * Subscribes to the live event stream and reconnects (with backoff) when it drops.
 * `onEvent(event)` gets every event; `onState('open' | 'closed')` the connection state.
 * Returns a function that closes the current connection (the stream then reconnects).
 */
export function subscribe(onEvent, onState) {
  let delay = 500;
  let socket = null;
  const open = () => {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    // Every type the page draws; per-sample `phase` events (the bulk of the stream) are left out.
    const types = 'types=job,metrics,epoch,pulses,nodes,snapshot,result,log,estop';
    const query = `?${types}${token.get() ? `&token=${encodeURIComponent(token.get())}` : ''}`;
    socket = new WebSocket(`${scheme}://${location.host}/api/events${query}`);
    socket.onopen = () => {
      delay = 500;
      onState('open');
    };
    socket.onmessage = (m) => onEvent(JSON.parse(m.data));
    socket.onclose = () => {
      onState('closed');
      setTimeout(open, delay);
      delay = Math.min(delay * 2, 10000);
    };
  };
  open();
  return () => socket && socket.close();
}
