import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { layoutNetwork } from '../../src/network/description.ts';
import { parseTrainingConfig } from '../../src/training/index.ts';
import { createLoss, nudgingCurrents, predictClass } from '../../src/training/losses.ts';
import type { Loss, LossConfig } from '../../src/training/losses.ts';
import { Rng } from '../../src/util/random.ts';

const squared: LossConfig = { kind: 'squared-error', target: { on_V: 1, off_V: 0 } };
const hinge: LossConfig = { kind: 'squared-hinge', target: { on_V: 0.5, off_V: -0.3 } };
const crossEntropy: LossConfig = { kind: 'cross-entropy', temperature_V: 0.2 };

function lossFor(config: LossConfig, differentialOutputs: boolean): Loss {
  return createLoss(layoutNetwork({ inputs: 2, hidden: [3], outputs: 3, differentialOutputs }), config);
}

/** Central finite difference of C with respect to each output voltage. */
function numericGradient(loss: Loss, out: Float64Array, label: number): Float64Array {
  const h = 1e-6;
  const g = new Float64Array(out.length);
  for (let i = 0; i < out.length; i++) {
    const up = Float64Array.from(out);
    const down = Float64Array.from(out);
    up[i] += h;
    down[i] -= h;
    g[i] = (loss.cost(up, label) - loss.cost(down, label)) / (2 * h);
  }
  return g;
}

describe('losses', () => {
  test('squared error on differential outputs is thesis Eq. 4.15 and its currents are Eq. 4.16', () => {
    const loss = lossFor(squared, true);
    const out = Float64Array.of(0.3, -0.1, 0.05, 0.2, -0.4, 0.1); // (Y+, Y−) per class
    const label = 1;
    const Y = [0, 1, 0];
    let c = 0;
    for (let k = 0; k < 3; k++) c += 0.5 * (out[2 * k] - out[2 * k + 1] - Y[k]) ** 2;
    assert.ok(Math.abs(loss.cost(out, label) - c) < 1e-15);
    const beta = 2e-6;
    const i = nudgingCurrents(loss, out, label, beta);
    for (let k = 0; k < 3; k++) {
      const plus = beta * (Y[k] + out[2 * k + 1] - out[2 * k]);
      assert.ok(Math.abs(i[2 * k] - plus) < 1e-20, `I${k}+`);
      assert.ok(Math.abs(i[2 * k + 1] + plus) < 1e-20, `I${k}− = −I${k}+`);
    }
  });

  test('squared error takes any target pair with on_V above off_V (0.5 V on, −0.3 V off)', () => {
    const loss = lossFor({ kind: 'squared-error', target: { on_V: 0.5, off_V: -0.3 } }, true);
    const out = Float64Array.of(0.3, -0.1, 0.05, 0.2, -0.4, 0.1);
    const Y = [-0.3, -0.3, 0.5]; // label 2
    let c = 0;
    for (let k = 0; k < 3; k++) c += 0.5 * (out[2 * k] - out[2 * k + 1] - Y[k]) ** 2;
    assert.ok(Math.abs(loss.cost(out, 2) - c) < 1e-15);
    const numeric = numericGradient(loss, out, 2);
    const currents = nudgingCurrents(loss, out, 2, 1e-3);
    for (let i = 0; i < out.length; i++) assert.ok(Math.abs(currents[i] + 1e-3 * numeric[i]) < 1e-12);
  });

  test('squared hinge: no cost or nudge for a score past its target, the squared error otherwise', () => {
    const loss = lossFor(hinge, true);
    const squaredLoss = lossFor({ kind: 'squared-error', target: hinge.target }, true);
    // Scores 0.7, −0.5, −0.3 with label 0: the labelled class is above 0.5 V, the others at or
    // below −0.3 V, so nothing is owed.
    const past = Float64Array.of(0.4, -0.3, -0.2, 0.3, 0, 0.3);
    assert.equal(loss.cost(past, 0), 0);
    assert.ok(nudgingCurrents(loss, past, 0, 1e-3).every((i) => i === 0));
    assert.ok(squaredLoss.cost(past, 0) > 0.02, 'the squared error would still pull them to the targets');
    // Scores 0.2, 0.1, −0.1 with label 0: every score is short of its target, so every term
    // is the squared error's.
    const short = Float64Array.of(0.1, -0.1, 0.05, -0.05, 0, 0.1);
    assert.ok(Math.abs(loss.cost(short, 0) - squaredLoss.cost(short, 0)) < 1e-15);
    assert.deepEqual(nudgingCurrents(loss, short, 0, 1e-3), nudgingCurrents(squaredLoss, short, 0, 1e-3));
    // Mixed, label 2: class 0 (score 0.2) is above −0.3 V and is pushed down; class 1 (score
    // −0.4) is past −0.3 V and left alone; class 2 (score 0.6) is past 0.5 V and left alone.
    const mixed = Float64Array.of(0.1, -0.1, -0.2, 0.2, 0.3, -0.3);
    assert.ok(Math.abs(loss.cost(mixed, 2) - 0.5 * 0.5 ** 2) < 1e-15);
    const i = nudgingCurrents(loss, mixed, 2, 1e-3);
    assert.ok(Math.abs(i[0] + 1e-3 * 0.5) < 1e-15 && Math.abs(i[1] - 1e-3 * 0.5) < 1e-15);
    assert.ok(i.subarray(2).every((v) => v === 0));
  });

  test('config: a squared-error target with on_V not above off_V is refused, naming the field', () => {
    const parse = (on_V: number, off_V: number) =>
      parseTrainingConfig({ loss: { kind: 'squared-error', target: { on_V, off_V } } });
    assert.deepEqual(parse(0.5, -0.3).loss, { kind: 'squared-error', target: { on_V: 0.5, off_V: -0.3 } });
    assert.throws(() => parse(0.2, 0.2), /loss\.target\.on_V: on_V must be above off_V/);
    assert.throws(() => parse(-1, 0), /loss\.target\.on_V: on_V must be above off_V/);
    const hingeConfig = parseTrainingConfig({ loss: { kind: 'squared-hinge' } }).loss;
    assert.deepEqual(hingeConfig, { kind: 'squared-hinge', target: { on_V: 1, off_V: 0 } });
    assert.throws(
      () => parseTrainingConfig({ loss: { kind: 'squared-hinge', target: { on_V: 0, off_V: 0.1 } } }),
      /loss\.target\.on_V: on_V must be above off_V/,
    );
  });

  for (const [name, config] of [
    ['squared error', squared],
    ['squared hinge', hinge],
    ['cross-entropy', crossEntropy],
  ] as const) {
    for (const differential of [true, false]) {
      test(`${name} (${differential ? 'differential' : 'single-ended'}): I = −β ∂C/∂V matches finite differences`, () => {
        const loss = lossFor(config, differential);
        const rng = new Rng(7);
        for (let trial = 0; trial < 5; trial++) {
          const out = Float64Array.from({ length: loss.outputNodes }, () => rng.range(-0.5, 0.5));
          const label = trial % 3;
          const beta = 1e-5;
          const currents = nudgingCurrents(loss, out, label, beta);
          const numeric = numericGradient(loss, out, label);
          for (let i = 0; i < out.length; i++) {
            assert.ok(
              Math.abs(currents[i] + beta * numeric[i]) < 1e-9 * beta,
              `node ${i}: ${currents[i]} vs ${-beta * numeric[i]}`,
            );
          }
        }
      });
    }
  }

  test('cross-entropy is T² times −log softmax(s/T) of the label', () => {
    const loss = lossFor(crossEntropy, true);
    const out = Float64Array.of(0.2, 0, 0, 0.1, 0.3, 0.3); // scores 0.2, −0.1, 0
    const t = 0.2;
    const s = [0.2, -0.1, 0];
    const z = s.reduce((a, v) => a + Math.exp(v / t), 0);
    for (let y = 0; y < 3; y++) {
      const expected = t * t * -Math.log(Math.exp(s[y] / t) / z);
      assert.ok(Math.abs(loss.cost(out, y) - expected) < 1e-12);
    }
  });

  test('cross-entropy stays finite for scores far beyond the temperature', () => {
    const loss = lossFor({ kind: 'cross-entropy', temperature_V: 1e-3 }, false);
    const out = Float64Array.of(5, -5, 0);
    assert.ok(Number.isFinite(loss.cost(out, 1)));
    assert.ok(Math.abs(loss.cost(out, 1) - (1e-6 * 10) / 1e-3) < 1e-9);
    assert.ok(nudgingCurrents(loss, out, 0, 1).every(Number.isFinite));
  });

  test('prediction is the argmax of the scores Ŷk+ − Ŷk− (thesis Eq. 4.14)', () => {
    const loss = lossFor(squared, true);
    const out = Float64Array.of(0.4, 0.4, 0.1, -0.3, 0.5, 0.2); // scores 0, 0.4, 0.3
    assert.equal(predictClass(loss.scores(out)), 1);
  });

  test('a label outside the classes is refused', () => {
    const loss = lossFor(squared, true);
    assert.throws(() => loss.cost(new Float64Array(6), 3), /label 3 is not a class index in 0\.\.2/);
    assert.throws(() => loss.cost(new Float64Array(5), 0), /5 values, the network has 6 output nodes/);
  });
});
