// REST happy paths of the API against an in-memory daemon surface.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, type Harness } from './helpers.ts';

let h: Harness;
before(async () => {
  h = await harness();
});
after(() => h.api.close());

test('binds loopback on an ephemeral port and reports health with the version', async () => {
  assert.match(h.api.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const r = await h.get('/api/health');
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, {
    ok: true,
    fault: null,
    activeJob: null,
    queued: 0,
    uptime_s: 1,
    version: '0.0.0-test',
  });
  assert.equal(r.headers.get('access-control-allow-origin'), null, 'no CORS by default');
});

test('bench status, job kinds and the bench conductance map', async () => {
  assert.equal((await h.get('/api/bench')).body.instruments[0].name, 'sim-board');
  const kinds = (await h.get('/api/job-kinds')).body;
  assert.deepEqual(
    kinds.map((k: { kind: string }) => k.kind),
    ['train', 'evaluate'],
  );
  assert.equal(kinds[0].paramsSchema.properties.epochs.type, 'integer');
  const map = (await h.get('/api/bench/conductances')).body;
  assert.equal(map.job, null);
  assert.equal(map.arrays[0].g_S.length, 12);
});

test('a run is created, listed, driven through pause/resume/abort and exported', async () => {
  const created = await h.post('/api/runs', { kind: 'train', params: { epochs: 2 }, priority: 5 });
  assert.equal(created.status, 201);
  const id = created.body.id as number;
  assert.equal(created.body.state, 'queued');
  assert.equal(created.body.priority, 5);
  assert.deepEqual(created.body.config, { epochs: 2 });

  const listed = (await h.get('/api/runs?state=queued&limit=10')).body;
  assert.ok(listed.some((r: { job: { id: number } }) => r.job.id === id));

  h.surface.setState(id, 'running');
  for (let i = 0; i < 5; i++) h.surface.emitStep(id);
  const detail = (await h.get(`/api/runs/${id}?maxPoints=3`)).body;
  assert.equal(detail.job.state, 'running');
  assert.equal(detail.latest.step, 4);
  assert.equal(detail.steps.length, 3);
  const newer = (await h.get(`/api/runs/${id}?sinceStep=2&sinceEpoch=0`)).body;
  assert.deepEqual(
    newer.steps.map((s: { step: number }) => s.step),
    [3, 4],
    'sinceStep: only the steps after it',
  );

  assert.equal((await h.post(`/api/runs/${id}/pause`)).body.state, 'paused');
  assert.equal((await h.post(`/api/runs/${id}/resume`, {})).body.state, 'running');

  const csv = await fetch(`${h.api.url}/api/runs/${id}/export?format=csv`);
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
  const lines = (await csv.text()).trim().split('\n');
  assert.equal(lines[0], 'step,epoch,loss,accuracy,pulses');
  assert.equal(lines.length, 6);
  const jsonl = await fetch(`${h.api.url}/api/runs/${id}/export?format=jsonl`);
  assert.match(jsonl.headers.get('content-type') ?? '', /ndjson/);
  assert.equal((await jsonl.text()).trim().split('\n').length, 5);

  assert.equal((await h.get(`/api/runs/${id}/conductances`)).body.job, id);

  const aborted = await h.post(`/api/runs/${id}/abort`, { reason: 'enough' });
  assert.equal(aborted.body.state, 'aborted');
  assert.equal(aborted.body.reason, 'enough');
});

test('emergency stop fails the active job and latches a fault until cleared', async () => {
  const id = (await h.post('/api/runs', { kind: 'train' })).body.id as number;
  h.surface.setState(id, 'running');
  assert.deepEqual((await h.post('/api/estop', { reason: 'smoke' })).body, { stopped: true });
  assert.equal((await h.get(`/api/runs/${id}`)).body.job.state, 'failed');
  assert.equal((await h.get('/api/health')).body.fault, 'smoke');
  assert.equal((await h.post('/api/estop')).status, 200, 'an estop needs no body');
  const early = await h.post('/api/bench/reconnect');
  assert.equal(early.status, 409, 'no reconnect while the fault is latched');
  assert.equal(early.body.field, 'bench');
  assert.equal(h.surface.reconnects, 0);
  const cleared = await h.post('/api/clear-fault');
  assert.equal(cleared.status, 200);
  assert.equal(cleared.body.fault, null);
  const reconnected = await h.post('/api/bench/reconnect');
  assert.equal(reconnected.status, 200);
  assert.equal(reconnected.body.instruments[0].name, 'sim-board');
  assert.equal(h.surface.reconnects, 1);
});

test('OpenAPI description lists every route with its schemas', async () => {
  const doc = (await h.get('/api/openapi.json')).body;
  assert.equal(doc.openapi.startsWith('3.'), true);
  for (const path of [
    '/api/health',
    '/api/bench',
    '/api/job-kinds',
    '/api/runs',
    '/api/runs/{id}',
    '/api/runs/{id}/pause',
    '/api/runs/{id}/resume',
    '/api/runs/{id}/abort',
    '/api/runs/{id}/export',
    '/api/runs/{id}/conductances',
    '/api/bench/conductances',
    '/api/bench/reconnect',
    '/api/estop',
    '/api/clear-fault',
    '/api/events',
  ]) {
    assert.ok(doc.paths[path], `OpenAPI has ${path}`);
  }
  const create = doc.paths['/api/runs'].post;
  assert.deepEqual(create.requestBody.content['application/json'].schema.required, ['kind']);
  assert.ok(create.responses['201']);
  assert.ok(doc.paths['/api/runs/{id}'].get.parameters.some((p: { name: string }) => p.name === 'id'));
});

test('Prometheus metrics count steps, pulses and phase durations', async () => {
  const id = (await h.post('/api/runs', { kind: 'train' })).body.id as number;
  h.surface.setState(id, 'running');
  const before = await (await fetch(`${h.api.url}/metrics`)).text();
  const count = (text: string, re: RegExp) => Number(re.exec(text)?.[1] ?? 0);
  h.surface.emitStep(id);
  h.surface.emitStep(id);
  const text = await (await fetch(`${h.api.url}/metrics`)).text();
  const steps = /^nudged_training_steps_total (\d+)/m;
  assert.equal(count(text, steps) - count(before, steps), 2);
  const has = (re: RegExp) => assert.ok(re.test(text), `metrics match ${re}`);
  has(/^nudged_pulses_total\{outcome="applied"\} \d+/m);
  has(/^nudged_phase_duration_seconds_bucket\{le="0\.003",phase="free"\} \d+/m);
  has(new RegExp(`^nudged_active_job ${id}$`, 'm'));
  has(/^nudged_event_subscribers 0$/m);
  has(/^nudged_process_resident_memory_bytes \d+/m);
});

test('the dashboard and uPlot are served locally with a strict CSP', async () => {
  const page = await fetch(`${h.api.url}/`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<title>nudged/);
  assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
  const uplot = await fetch(`${h.api.url}/vendor/uplot/uPlot.esm.js`);
  assert.equal(uplot.status, 200);
  assert.ok((await uplot.text()).includes('export { uPlot as default }'), 'uPlot ES module');
  assert.equal((await fetch(`${h.api.url}/vendor/uplot/package.json`)).status, 404);
});
