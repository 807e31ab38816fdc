import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDataset } from '../../src/datasets/registry.ts';
import type { Dataset } from '../../src/datasets/types.ts';

const all = (d: Dataset) => ({ x: [...d.train.x, ...d.test.x], y: [...d.train.y, ...d.test.y] });
const count = (y: number[], k: number) => y.filter((v) => v === k).length;

test('xor: four exact corners labelled by XOR, replicated, stratified 80/20 split', () => {
  const d = loadDataset('xor', { replicas: 10, seed: 3 });
  assert.equal(d.features, 2);
  assert.equal(d.classes, 2);
  assert.equal(d.train.x.length, 32);
  assert.equal(d.test.x.length, 8);
  const { x, y } = all(d);
  const corners = new Map<string, number>();
  x.forEach((p, i) => {
    assert.ok((p[0] === 0 || p[0] === 1) && (p[1] === 0 || p[1] === 1), `sample ${i} is not a corner`);
    assert.equal(y[i], p[0] !== p[1] ? 1 : 0);
    corners.set(`${p[0]},${p[1]}`, (corners.get(`${p[0]},${p[1]}`) ?? 0) + 1);
  });
  assert.deepEqual([...corners.values()], [10, 10, 10, 10]);
  assert.equal(count(d.test.y, 0), 4);
  assert.equal(count(d.test.y, 1), 4);
});

test('xor: jitter moves samples off the corners by about the requested deviation', () => {
  const d = loadDataset('xor', { replicas: 500, jitter: 0.05, seed: 1 });
  const { x, y } = all(d);
  let sq = 0;
  x.forEach((p, i) => {
    const cx = Math.round(p[0]);
    const cy = Math.round(p[1]);
    assert.equal(y[i], cx !== cy ? 1 : 0);
    sq += (p[0] - cx) ** 2 + (p[1] - cy) ** 2;
  });
  const std = Math.sqrt(sq / (2 * x.length));
  assert.ok(Math.abs(std - 0.05) < 0.005, `jitter std ${std}`);
});

test('moons without noise: each class lies exactly on its half circle', () => {
  const d = loadDataset('moons', { n: 101, noise: 0, seed: 2 });
  const { x, y } = all(d);
  assert.equal(x.length, 101);
  assert.equal(count(y, 0), 50);
  assert.equal(count(y, 1), 51);
  x.forEach((p, i) => {
    if (y[i] === 0) {
      assert.ok(Math.abs(Math.hypot(p[0], p[1]) - 1) < 1e-12 && p[1] >= -1e-12, `upper arc sample ${i}`);
    } else {
      assert.ok(Math.abs(Math.hypot(p[0] - 1, p[1] - 0.5) - 1) < 1e-12 && p[1] <= 0.5 + 1e-12, `lower ${i}`);
    }
  });
  // The arcs interleave: each half circle reaches past the other's centre.
  const lowerXs = x.filter((_, i) => y[i] === 1).map((p) => p[0]);
  assert.ok(Math.min(...lowerXs) < 1e-9 && Math.max(...lowerXs) > 2 - 1e-9);
});

test('moons with noise: points stay near their own arc, closer to it than to the other', () => {
  const noise = 0.05;
  const d = loadDataset('moons', { n: 400, noise, seed: 5 });
  const { x, y } = all(d);
  // Distance to an arc: to the circle where the angle lies on the arc's half, else to an endpoint.
  const upper = (p: Float64Array) =>
    p[1] >= 0
      ? Math.abs(Math.hypot(p[0], p[1]) - 1)
      : Math.min(Math.hypot(p[0] - 1, p[1]), Math.hypot(p[0] + 1, p[1]));
  const lower = (p: Float64Array) =>
    p[1] <= 0.5
      ? Math.abs(Math.hypot(p[0] - 1, p[1] - 0.5) - 1)
      : Math.min(Math.hypot(p[0], p[1] - 0.5), Math.hypot(p[0] - 2, p[1] - 0.5));
  let own = 0;
  let closer = 0;
  x.forEach((p, i) => {
    const [mine, other] = y[i] === 0 ? [upper(p), lower(p)] : [lower(p), upper(p)];
    own += mine;
    if (mine < other) closer++;
  });
  assert.ok(own / x.length < 2 * noise, `mean distance to own arc ${own / x.length}`);
  assert.ok(closer / x.length > 0.95, `fraction closer to own arc ${closer / x.length}`);
});

test('generated datasets: same seed reproduces, another seed differs', () => {
  for (const name of ['xor', 'moons'] as const) {
    const opts = name === 'xor' ? { replicas: 20, jitter: 0.1 } : { n: 100, noise: 0.1 };
    const a = loadDataset(name, { ...opts, seed: 7 });
    const b = loadDataset(name, { ...opts, seed: 7 });
    const c = loadDataset(name, { ...opts, seed: 8 });
    assert.deepEqual(a, b, `${name} not reproducible`);
    assert.notDeepEqual(a.train.x, c.train.x, `${name} ignores the seed`);
  }
});

test('generated datasets: testFraction sets the held-out share per class', () => {
  const d = loadDataset('moons', { n: 200, testFraction: 0.3, seed: 1 });
  assert.equal(count(d.test.y, 0), 30);
  assert.equal(count(d.test.y, 1), 30);
  assert.equal(d.train.x.length, 140);
});
