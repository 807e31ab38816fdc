// API fuzzing: invalid JSON, wrong types, out-of-range values, unknown fields and unknown ids are
// refused with a 4xx naming the field and the reason, and nothing changes (checked through GET).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, type Harness, type Json } from './helpers.ts';

let h: Harness;
let running: number;
let snapshot: () => Promise<string>;

before(async () => {
  h = await harness();
  running = (await h.post('/api/runs', { kind: 'train', params: { epochs: 1 } })).body.id;
  h.surface.setState(running, 'running');
  h.surface.emitStep(running);
  snapshot = async () =>
    JSON.stringify([(await h.get('/api/runs')).body, (await h.get('/api/health')).body, h.surface.estops]);
});
after(() => h.api.close());

interface Case {
  name: string;
  send: () => Promise<{ status: number; body: Json }>;
  status: number;
  field: string;
  reason?: RegExp;
}

const cases = (): Case[] => [
  {
    name: 'invalid JSON',
    send: () => h.postRaw('/api/runs', '{"kind": "train",'),
    status: 400,
    field: 'body',
    reason: /invalid JSON/,
  },
  {
    name: 'JSON that is not an object',
    send: () => h.postRaw('/api/runs', '[1,2]'),
    status: 400,
    field: 'body',
  },
  { name: 'a JSON string body', send: () => h.postRaw('/api/runs', '"train"'), status: 400, field: 'body' },
  {
    name: 'prototype pollution key',
    send: () => h.postRaw('/api/runs', '{"kind":"train","__proto__":{"admin":true}}'),
    status: 400,
    field: '__proto__',
  },
  {
    name: 'wrong content type',
    send: () => h.postRaw('/api/runs', 'kind=train', 'application/x-www-form-urlencoded'),
    status: 415,
    field: 'content-type',
  },
  {
    name: 'missing kind',
    send: () => h.post('/api/runs', { params: {} }),
    status: 400,
    field: 'kind',
    reason: /required/,
  },
  {
    name: 'unknown kind',
    send: () => h.post('/api/runs', { kind: 'dance' }),
    status: 400,
    field: 'kind',
    reason: /one of/,
  },
  {
    name: 'kind of wrong type',
    send: () => h.post('/api/runs', { kind: 7 }),
    status: 400,
    field: 'kind',
    reason: /string/,
  },
  {
    name: 'unknown top-level field',
    send: () => h.post('/api/runs', { kind: 'train', colour: 'red' }),
    status: 400,
    field: 'colour',
    reason: /unknown field/,
  },
  {
    name: 'priority as a string',
    send: () => h.post('/api/runs', { kind: 'train', priority: '5' }),
    status: 400,
    field: 'priority',
    reason: /integer/,
  },
  {
    name: 'priority out of range',
    send: () => h.post('/api/runs', { kind: 'train', priority: 1e6 }),
    status: 400,
    field: 'priority',
    reason: /<= 1000/,
  },
  {
    name: 'fractional priority',
    send: () => h.post('/api/runs', { kind: 'train', priority: 1.5 }),
    status: 400,
    field: 'priority',
  },
  {
    name: 'params not an object',
    send: () => h.post('/api/runs', { kind: 'train', params: [1] }),
    status: 400,
    field: 'params',
  },
  {
    name: 'unknown param (refused by the daemon)',
    send: () => h.post('/api/runs', { kind: 'train', params: { epochz: 3 } }),
    status: 400,
    field: 'params.epochz',
  },
  {
    name: 'param out of range (refused by the daemon)',
    send: () => h.post('/api/runs', { kind: 'train', params: { epochs: 0 } }),
    status: 400,
    field: 'params.epochs',
  },
  { name: 'unknown id', send: () => h.get('/api/runs/999'), status: 404, field: 'id' },
  {
    name: 'non-numeric id',
    send: () => h.get('/api/runs/abc'),
    status: 400,
    field: 'id',
    reason: /positive integer/,
  },
  { name: 'negative id', send: () => h.get('/api/runs/-1'), status: 400, field: 'id' },
  { name: 'zero-padded id', send: () => h.post('/api/runs/01/pause'), status: 400, field: 'id' },
  { name: 'pause an unknown id', send: () => h.post('/api/runs/4242/pause'), status: 404, field: 'id' },
  {
    name: 'unknown field on pause',
    send: () => h.post(`/api/runs/${running}/pause`, { now: true }),
    status: 400,
    field: 'now',
  },
  {
    name: 'abort reason of wrong type',
    send: () => h.post(`/api/runs/${running}/abort`, { reason: 42 }),
    status: 400,
    field: 'reason',
  },
  {
    name: 'abort reason too long',
    send: () => h.post(`/api/runs/${running}/abort`, { reason: 'x'.repeat(501) }),
    status: 400,
    field: 'reason',
  },
  {
    name: 'resume a running job (conflict)',
    send: () => h.post(`/api/runs/${running}/resume`),
    status: 409,
    field: 'id',
  },
  {
    name: 'estop reason empty',
    send: () => h.post('/api/estop', { reason: '' }),
    status: 400,
    field: 'reason',
  },
  {
    name: 'estop unknown field',
    send: () => h.post('/api/estop', { reason: 'x', force: 1 }),
    status: 400,
    field: 'force',
  },
  {
    name: 'bad list state',
    send: () => h.get('/api/runs?state=sleeping'),
    status: 400,
    field: 'query.state',
  },
  { name: 'list limit zero', send: () => h.get('/api/runs?limit=0'), status: 400, field: 'query.limit' },
  {
    name: 'list limit too large',
    send: () => h.get('/api/runs?limit=5000'),
    status: 400,
    field: 'query.limit',
    reason: /<= 1000/,
  },
  {
    name: 'unknown query parameter',
    send: () => h.get('/api/runs?colour=red'),
    status: 400,
    field: 'query.colour',
  },
  {
    name: 'export without format',
    send: () => h.get(`/api/runs/${running}/export`),
    status: 400,
    field: 'query.format',
  },
  {
    name: 'export in xml',
    send: () => h.get(`/api/runs/${running}/export?format=xml`),
    status: 400,
    field: 'query.format',
  },
  {
    name: 'export unknown id',
    send: () => h.get('/api/runs/77/export?format=csv'),
    status: 404,
    field: 'id',
  },
  {
    name: 'maxPoints not a number',
    send: () => h.get(`/api/runs/${running}?maxPoints=lots`),
    status: 400,
    field: 'query.maxPoints',
  },
  {
    name: 'sinceStep negative',
    send: () => h.get(`/api/runs/${running}?sinceStep=-1`),
    status: 400,
    field: 'query.sinceStep',
    reason: /non-negative integer/,
  },
  { name: 'unknown route', send: () => h.get('/api/nothing'), status: 404, field: 'url' },
  {
    name: 'body over 1 MiB',
    send: () => h.postRaw('/api/runs', `{"kind":"${'x'.repeat(1_100_000)}"}`),
    status: 413,
    field: 'body',
  },
];

test('every malformed request gets a 4xx naming the field and the reason, and changes nothing', async () => {
  const before = await snapshot();
  for (const c of cases()) {
    const r = await c.send();
    assert.equal(r.status, c.status, `${c.name}: status (${JSON.stringify(r.body)})`);
    assert.equal(r.body.field, c.field, `${c.name}: field (${JSON.stringify(r.body)})`);
    assert.equal(typeof r.body.reason, 'string', `${c.name}: reason`);
    assert.ok(r.body.reason.length > 0, `${c.name}: reason is not empty`);
    if (c.reason) assert.match(r.body.reason, c.reason, c.name);
    assert.equal(await snapshot(), before, `${c.name}: state unchanged`);
  }
});

test('seeded random bodies never produce a 5xx nor create a job', async () => {
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const values = [null, true, -1, 0, 1.5, 1e308, '', 'train', 'x'.repeat(300), [], {}, { kind: 'train' }];
  const keys = ['kind', 'params', 'priority', 'reason', 'x', ''];
  const before = (await h.get('/api/runs')).body.length;
  for (let i = 0; i < 150; i++) {
    const body: Record<string, unknown> = {};
    const n = Math.floor(rand() * 4);
    for (let k = 0; k < n; k++)
      body[keys[Math.floor(rand() * keys.length)]] = values[Math.floor(rand() * values.length)];
    // Keep only bodies that are invalid for job creation: a kind of 'train' with nothing else is valid.
    if (body.kind === 'train' && Object.keys(body).every((k) => k === 'kind' || k === 'priority')) body.x = 1;
    const path = ['/api/runs', `/api/runs/${running}/abort`, '/api/estop', '/api/clear-fault'][i % 4];
    if (path !== '/api/runs' && Object.keys(body).length === 0) body.x = 1;
    const r = await h.post(path, body);
    assert.ok(r.status >= 400 && r.status < 500, `${path} ${JSON.stringify(body)} → ${r.status}`);
    assert.equal(typeof r.body.field, 'string');
  }
  assert.equal((await h.get('/api/runs')).body.length, before);
  assert.equal((await h.get(`/api/runs/${running}`)).body.job.state, 'running');
  assert.deepEqual(h.surface.estops, []);
});
