// The calibration routes against the in-memory surface: the list, one record as JSON, its figures
// as SVG images, and the 4xx naming the field for bad or unknown ids and figure names.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, type Harness } from './helpers.ts';

let h: Harness;
before(async () => {
  h = await harness();
});
after(() => h.api.close());

test('calibration records are listed newest first and exported as JSON', async () => {
  assert.deepEqual((await h.get('/api/calibrations')).body, []);
  h.surface.addCalibration('2026-01-01T00:00:00.000Z');
  const second = h.surface.addCalibration('2026-02-01T00:00:00.000Z');
  const list = await h.get('/api/calibrations');
  assert.equal(list.status, 200);
  assert.deepEqual(
    list.body.map((c: { id: number }) => c.id),
    [second.id, second.id - 1],
  );
  assert.deepEqual(list.body[0], second);
  assert.equal((await h.get('/api/calibrations?limit=1')).body.length, 1);

  const one = await h.get(`/api/calibrations/${second.id}`);
  assert.equal(one.status, 200);
  assert.equal(one.body.kind, 'dac');
  assert.equal(one.body.createdAt, '2026-02-01T00:00:00.000Z');
  assert.match(one.headers.get('content-type') ?? '', /^application\/json/);
});

test('a figure is served as an SVG image', async () => {
  const { id } = h.surface.addCalibration();
  const res = await fetch(`${h.api.url}/api/calibrations/${id}/figures/dac-residuals.svg`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^image\/svg\+xml/);
  assert.match(await res.text(), /^<svg /);
});

test('bad and unknown ids, limits and figure names are refused naming the field', async () => {
  const { id } = h.surface.addCalibration();
  const cases: [string, number, string, RegExp][] = [
    ['/api/calibrations/0', 400, 'id', /positive integer/],
    ['/api/calibrations/abc', 400, 'id', /positive integer/],
    ['/api/calibrations/999', 404, 'id', /no calibration 999/],
    ['/api/calibrations?limit=0', 400, 'query.limit', /positive integer/],
    ['/api/calibrations?limit=5000', 400, 'query.limit', /<= 1000/],
    ['/api/calibrations?colour=red', 400, 'query.colour', /unknown field/],
    ['/api/calibrations/999/figures/dac-residuals.svg', 404, 'id', /no calibration 999/],
    [`/api/calibrations/${id}/figures/iv.svg`, 404, 'name', /has no figure 'iv'; it has dac-residuals/],
    [`/api/calibrations/${id}/figures/dac-residuals.png`, 400, 'file', /followed by \.svg/],
    [`/api/calibrations/${id}/figures/..%2Fsecret.svg`, 400, 'file', /followed by \.svg/],
  ];
  for (const [path, status, field, reason] of cases) {
    const r = await h.get(path);
    assert.equal(r.status, status, `${path}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.field, field, path);
    assert.match(r.body.reason, reason, path);
  }
});

test('the calibration routes are in the OpenAPI description', async () => {
  const spec = (await h.get('/api/openapi.json')).body;
  for (const path of [
    '/api/calibrations',
    '/api/calibrations/{id}',
    '/api/calibrations/{id}/figures/{file}',
  ]) {
    assert.ok(spec.paths[path]?.get, path);
  }
});
