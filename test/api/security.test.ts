// Security: binding beyond loopback needs a token; with a token every mutating request must carry
// it (401 otherwise) and GETs stay open; the WebSocket needs it beyond loopback; no CORS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { ApiConfigError, isLoopback, startApi } from '../../src/api/index.ts';
import { FakeSurface } from './fake-surface.ts';
import { TOKEN, harness } from './helpers.ts';
import { connect } from './ws.ts';

test('loopback addresses are recognised', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]'])
    assert.equal(isLoopback(h), true, h);
  for (const h of ['0.0.0.0', '::', '192.168.1.10', '10.0.0.1', 'example.org'])
    assert.equal(isLoopback(h), false, h);
});

test('a non-loopback bind without a token refuses to start, naming the host', async () => {
  for (const host of ['0.0.0.0', '::']) {
    await assert.rejects(startApi(new FakeSurface(), { host, port: 0 }), (e: Error) => {
      assert.ok(e instanceof ApiConfigError);
      assert.match(e.message, /^host: refusing to bind .* without a token/);
      return true;
    });
  }
  await assert.rejects(
    startApi(new FakeSurface(), { host: '0.0.0.0', port: 0, token: 'short' }),
    /token: must be at least 16/,
  );
});

test('with a token, mutating requests need it (401 without or with a wrong one), reads do not', async () => {
  const h = await harness({ token: TOKEN });
  try {
    const none = await h.post('/api/runs', { kind: 'train' }, {});
    assert.equal(none.status, 401);
    assert.equal(none.body.field, 'headers.authorization');
    assert.match(none.body.reason, /Bearer token is required/);
    const wrong = await h.post('/api/runs', { kind: 'train' }, { authorization: `Bearer ${TOKEN}x` });
    assert.equal(wrong.status, 401);
    assert.match(wrong.body.reason, /does not match/);
    assert.equal(
      (await h.post('/api/runs', { kind: 'train' }, { authorization: TOKEN })).status,
      401,
      'scheme required',
    );
    assert.equal((await h.post('/api/estop', { reason: 'x' }, {})).status, 401);
    assert.deepEqual(h.surface.estops, [], 'a refused estop did nothing');
    assert.equal((await h.post('/api/bench/reconnect', undefined, {})).status, 401);
    assert.equal(h.surface.reconnects, 0, 'a refused reconnect did nothing');
    assert.equal((await h.get('/api/runs')).body.length, 0, 'nothing was created');

    const ok = await h.post('/api/runs', { kind: 'train' });
    assert.equal(ok.status, 201);
    assert.equal((await h.post(`/api/runs/${ok.body.id}/abort`)).status, 200);
    assert.equal((await h.get('/api/health')).status, 200);
    const del = await fetch(`${h.api.url}/api/runs/1`, { method: 'DELETE' });
    assert.equal(del.status, 401, 'DELETE is mutating too');
  } finally {
    await h.api.close();
  }
});

test('no CORS: a preflight gets no allow-origin header', async () => {
  const h = await harness();
  try {
    const res = await fetch(`${h.api.url}/api/runs`, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(res.headers.get('access-control-allow-origin'), null);
    const get = await fetch(`${h.api.url}/api/health`, { headers: { origin: 'http://evil.example' } });
    assert.equal(get.headers.get('access-control-allow-origin'), null);
  } finally {
    await h.api.close();
  }
});

/** A non-loopback IPv4 address of this machine, if it has one. */
function lanAddress(): string | null {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return null;
}

test('beyond loopback the WebSocket needs the token', async (t) => {
  const host = lanAddress() ?? '0.0.0.0';
  t.diagnostic(`binding ${host}`);
  const api = await startApi(new FakeSurface(), { host, port: 0, token: TOKEN });
  try {
    const port = new URL(api.url).port;
    const base = `ws://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}/api/events`;
    await assert.rejects(connect(base), /HTTP 401/);
    await assert.rejects(connect(`${base}?token=wrong-token-0123456789`), /HTTP 401/);
    (await connect(`${base}?token=${TOKEN}`)).close();
    (await connect(base, { authorization: `Bearer ${TOKEN}` })).close();
  } finally {
    await api.close();
  }
});
