import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDataset } from '../../src/datasets/registry.ts';
import { scaleToVolts, withBiasInput } from '../../src/datasets/scaling.ts';
import type { Dataset } from '../../src/datasets/types.ts';

const v = (...xs: number[]) => Float64Array.from(xs);
/** Feature 0 spans [0, 10] on train, feature 1 is constant on train; the test set lies elsewhere. */
const crafted: Dataset = {
  name: 'crafted',
  features: 2,
  classes: 2,
  train: { x: [v(0, 3), v(10, 3), v(4, 3)], y: [0, 1, 0] },
  test: { x: [v(5, 7), v(20, -1), v(-10, 3)], y: [1, 0, 1] },
};

test('scaleToVolts maps with train min/max only and leaves labels untouched', () => {
  const s = scaleToVolts(crafted, { min_V: -1, max_V: 1, clip: false });
  assert.deepEqual(Array.from(s.train.x[0]), [-1, 0]);
  assert.deepEqual(Array.from(s.train.x[1]), [1, 0]);
  assert.ok(Math.abs(s.train.x[2][0] - -0.2) < 1e-12);
  // 5 is the middle of the TRAIN range [0, 10]; a constant train feature maps to the middle.
  assert.deepEqual(Array.from(s.test.x[0]), [0, 0]);
  assert.deepEqual(Array.from(s.test.x[1]), [3, 0]);
  assert.deepEqual(Array.from(s.test.x[2]), [-3, 0]);
  assert.deepEqual(s.test.y, crafted.test.y);
  assert.deepEqual(Array.from(crafted.test.x[1]), [20, -1], 'input dataset mutated');
});

test('scaleToVolts clips to the voltage range by default', () => {
  const s = scaleToVolts(crafted, { min_V: 0, max_V: 2 });
  assert.deepEqual(Array.from(s.test.x[1]), [2, 1]);
  assert.deepEqual(Array.from(s.test.x[2]), [0, 1]);
});

test('scaleToVolts uses a fixed source range when given, and the digits pixel range by default', () => {
  const fixed = scaleToVolts(crafted, { min_V: 0, max_V: 1, source: { min: 0, max: 20 }, clip: false });
  assert.deepEqual(Array.from(fixed.test.x[1]), [1, -0.05]);
  const digits = loadDataset('digits-14');
  const s = scaleToVolts(digits, { min_V: 0.2, max_V: 0.6 });
  for (const i of [0, 500]) {
    digits.test.x[i].forEach((p, j) => assert.ok(Math.abs(s.test.x[i][j] - (0.2 + 0.4 * p)) < 1e-12));
  }
  assert.equal(s.featureRange, undefined);
});

test('scaleToVolts rejects bad options naming the field', () => {
  assert.throws(() => scaleToVolts(crafted, { min_V: 1, max_V: 0 }), /min_V/);
  assert.throws(
    () => scaleToVolts(crafted, { min_V: 0, max_V: 1, source: { min: 2, max: 1 } }),
    /min must be below max/,
  );
});

test('withBiasInput appends a constant input line to every sample', () => {
  const b = withBiasInput(crafted, 0.5);
  assert.equal(b.features, 3);
  for (const x of [...b.train.x, ...b.test.x]) assert.equal(x[2], 0.5);
  assert.deepEqual(Array.from(b.test.x[0]), [5, 7, 0.5]);
});

test('scaleToVolts centred: gain times the deviation from the TRAIN mean, clipped to the range', () => {
  // Train means: feature 0 → 14/3, feature 1 → 3 (constant on train, so it carries 0 V).
  const s = scaleToVolts(crafted, { min_V: -10, max_V: 10, centerGain_V: 2 });
  assert.ok(Math.abs(s.train.x[0][0] - 2 * (0 - 14 / 3)) < 1e-12);
  assert.equal(s.train.x[0][1], 0);
  assert.ok(Math.abs(s.test.x[0][0] - 2 * (5 - 14 / 3)) < 1e-12);
  assert.equal(s.test.x[0][1], 8);
  assert.equal(s.test.x[1][0], 10, 'clipped at max_V');
  assert.equal(s.test.x[2][0], -10, 'clipped at min_V');
  const unclipped = scaleToVolts(crafted, { min_V: -10, max_V: 10, centerGain_V: 2, clip: false });
  assert.ok(Math.abs(unclipped.test.x[1][0] - 2 * (20 - 14 / 3)) < 1e-12);
  assert.throws(() => scaleToVolts(crafted, { min_V: -1, max_V: 1, centerGain_V: 0 }), /centerGain_V/);
});
