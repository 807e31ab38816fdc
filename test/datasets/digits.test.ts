import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { downsample2x2 } from '../../src/datasets/digits.ts';
import { loadDataset } from '../../src/datasets/registry.ts';

const PIXELS = 784;
const mnistDir = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
/** The mnist package's own stored data for one digit (the source the committed files came from). */
const packageData = (d: number): number[] =>
  JSON.parse(readFileSync(join(mnistDir, `${d}.json`), 'utf8')).data;
const digits = loadDataset('digits');

test('digits: 10,000 images split 7,996 train / 2,004 test, 784 features, 10 classes', () => {
  assert.equal(digits.features, 784);
  assert.equal(digits.classes, 10);
  assert.equal(digits.train.x.length, 7996);
  assert.equal(digits.test.x.length, 2004);
  for (const x of [...digits.train.x, ...digits.test.x]) assert.equal(x.length, PIXELS);
});

test('digits: per digit the first floor(0.8·n) stored images train and the rest test', () => {
  for (let d = 0; d <= 9; d++) {
    const raw = packageData(d);
    const n = raw.length / PIXELS;
    const nTrain = Math.floor(0.8 * n);
    const train = digits.train.x.filter((_, i) => digits.train.y[i] === d);
    const test = digits.test.x.filter((_, i) => digits.test.y[i] === d);
    assert.equal(train.length, nTrain, `digit ${d} train`);
    assert.equal(test.length, n - nTrain, `digit ${d} test`);
    const image = (k: number) => raw.slice(k * PIXELS, (k + 1) * PIXELS);
    for (const [got, k] of [
      [train[0], 0],
      [train[nTrain - 1], nTrain - 1],
      [test[0], nTrain],
      [test[test.length - 1], n - 1],
    ] as const) {
      got.forEach((v, p) => assert.ok(Math.abs(v - image(k)[p]) <= 5e-4, `digit ${d} image ${k} pixel ${p}`));
    }
  }
});

test('digits: pixels lie in [0, 1] and images are not blank', () => {
  for (const x of [...digits.train.x, ...digits.test.x]) {
    let max = 0;
    for (const v of x) {
      assert.ok(v >= 0 && v <= 1, `pixel ${v}`);
      if (v > max) max = v;
    }
    assert.ok(max > 0.5);
  }
  assert.deepEqual(digits.featureRange, { min: 0, max: 1 });
});

test('downsample2x2 averages each 2×2 block (hand-computed 4×4 image)', () => {
  const image = Float64Array.from({ length: 16 }, (_, i) => i + 1); // rows 1-4, 5-8, 9-12, 13-16
  assert.deepEqual(Array.from(downsample2x2(image, 4)), [3.5, 5.5, 11.5, 13.5]);
});

test('downsample2x2 puts a single bright pixel of a 28×28 image into its block at one quarter', () => {
  const image = new Float64Array(784);
  image[9 * 28 + 20] = 1; // row 9, column 20 → block (4, 10)
  const out = downsample2x2(image, 28);
  assert.equal(out.length, 196);
  out.forEach((v, i) => assert.equal(v, i === 4 * 14 + 10 ? 0.25 : 0));
  assert.throws(() => downsample2x2(new Float64Array(10), 3), /even side/);
});

test('digits-14: same split and labels, 196 features pooled from the 28×28 images', () => {
  const small = loadDataset('digits-14');
  assert.equal(small.name, 'digits-14');
  assert.equal(small.features, 196);
  assert.equal(small.train.x.length, 7996);
  assert.equal(small.test.x.length, 2004);
  assert.deepEqual(small.train.y, digits.train.y);
  for (const i of [0, 1234, 7995]) {
    const big = digits.train.x[i];
    const p = small.train.x[i];
    for (let r = 0; r < 14; r++) {
      for (let c = 0; c < 14; c++) {
        let sum = 0;
        for (const [dr, dc] of [
          [0, 0],
          [0, 1],
          [1, 0],
          [1, 1],
        ])
          sum += big[(2 * r + dr) * 28 + 2 * c + dc];
        assert.ok(Math.abs(p[r * 14 + c] - sum / 4) < 1e-12);
      }
    }
  }
});
