import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Mlp } from '../../src/baseline/mlp.ts';
import type { Activation, MlpConfig } from '../../src/baseline/mlp.ts';
import { Rng } from '../../src/util/random.ts';

const config = (over: Partial<MlpConfig>): MlpConfig => ({
  features: 3,
  hidden: [5, 4],
  classes: 3,
  doubledInputs: true,
  differentialOutputs: true,
  activation: 'tanh',
  bias_V: { low: -0.5, high: 0.5 },
  initScale: 1.5,
  loss: 'squared-error',
  ...over,
});

/** Central finite difference of the loss with respect to every weight. */
function numericGradient(model: Mlp, x: Float64Array, label: number, eps = 1e-6): Float64Array[] {
  return model.weights.map((w) =>
    Float64Array.from(w, (_, j) => {
      const keep = w[j];
      w[j] = keep + eps;
      const up = model.loss(x, label);
      w[j] = keep - eps;
      const down = model.loss(x, label);
      w[j] = keep;
      return (up - down) / (2 * eps);
    }),
  );
}

const cases: [string, Partial<MlpConfig>][] = [
  ['tanh, doubled inputs, differential outputs', {}],
  ['hardtanh, doubled inputs, differential outputs', { activation: 'hardtanh' as Activation }],
  [
    'tanh, asymmetric bounds, plain inputs and outputs',
    { doubledInputs: false, differentialOutputs: false, bias_V: { low: -0.2, high: 0.7 } },
  ],
  ['hardtanh, single hidden layer', { activation: 'hardtanh' as Activation, hidden: [6] }],
  ['tanh, squared hinge', { loss: 'squared-hinge' }],
];

test('the squared hinge counts only the scores short of their one-hot targets', () => {
  const rng = new Rng(5);
  const hinge = new Mlp(config({ loss: 'squared-hinge', initScale: 4 }), new Rng(8));
  const squared = new Mlp(config({ initScale: 4 }), new Rng(8));
  let dropped = 0;
  for (let sample = 0; sample < 20; sample++) {
    const x = Float64Array.from({ length: 3 }, () => rng.range(-1, 1));
    const label = sample % 3;
    const s = hinge.scores(x);
    let expected = 0;
    s.forEach((score, k) => {
      const e = k === label ? Math.min(0, score - 1) : Math.max(0, score);
      if (e === 0) dropped++;
      expected += 0.5 * e * e;
    });
    assert.ok(Math.abs(hinge.loss(x, label) - expected) < 1e-15);
    assert.ok(hinge.loss(x, label) <= squared.loss(x, label));
  }
  assert.ok(dropped > 5, 'the check saw too few scores past their targets');
});

for (const [name, over] of cases) {
  test(`backprop gradient matches finite differences: ${name}`, () => {
    const rng = new Rng(21);
    const model = new Mlp(config(over), rng.fork());
    let nonzero = 0;
    for (let sample = 0; sample < 4; sample++) {
      const x = Float64Array.from({ length: 3 }, () => rng.range(-1, 1));
      const label = sample % 3;
      const grads = model.zeroGradients();
      const cost = model.accumulateGradient(x, label, grads);
      assert.ok(Math.abs(cost - model.loss(x, label)) < 1e-15);
      const numeric = numericGradient(model, x, label);
      grads.forEach((g, l) =>
        g.forEach((v, j) => {
          if (v !== 0) nonzero++;
          assert.ok(
            Math.abs(v - numeric[l][j]) < 1e-7 + 1e-5 * Math.abs(v),
            `layer ${l} weight ${j}: ${v} vs ${numeric[l][j]}`,
          );
        }),
      );
    }
    assert.ok(nonzero > 20, 'the check saw too few non-zero gradient entries');
  });
}

test('accumulateGradient adds to the buffers: two samples give the sum of their gradients', () => {
  const model = new Mlp(config({}), new Rng(3));
  const a = Float64Array.of(0.3, -0.8, 0.1);
  const b = Float64Array.of(-0.5, 0.2, 0.9);
  const ga = model.zeroGradients();
  const gb = model.zeroGradients();
  const both = model.zeroGradients();
  model.accumulateGradient(a, 0, ga);
  model.accumulateGradient(b, 2, gb);
  model.accumulateGradient(a, 0, both);
  model.accumulateGradient(b, 2, both);
  both.forEach((g, l) => g.forEach((v, j) => assert.ok(Math.abs(v - ga[l][j] - gb[l][j]) < 1e-15)));
});

/** The doubled network written out: input lines [x, −x], first layer rows W+ then W−. */
function explicitDoubledLoss(
  wPlus: Float64Array,
  wMinus: Float64Array,
  rest: Float64Array[],
  x: Float64Array,
  label: number,
) {
  const act = (a: number) => 0.5 * Math.tanh(a / 0.5);
  const layer = (u: number[], w: (r: number, c: number) => number, cols: number) =>
    Array.from({ length: cols }, (_, c) => act(u.reduce((s, ur, r) => s + ur * w(r, c), 0)));
  const n = x.length;
  const cols0 = wPlus.length / n;
  let v = layer(
    [...x, ...x.map((t) => -t)],
    (r, c) => (r < n ? wPlus[r * cols0 + c] : wMinus[(r - n) * cols0 + c]),
    cols0,
  );
  for (const w of rest) {
    const cols = w.length / v.length;
    v = layer(v, (r, c) => w[r * cols + c], cols);
  }
  let cost = 0;
  for (let k = 0; k < v.length / 2; k++) cost += 0.5 * (v[2 * k] - v[2 * k + 1] - (k === label ? 1 : 0)) ** 2;
  return cost;
}

test('folded doubled inputs: same loss as the explicit [x, −x] network, gradient = ∂C/∂W+ = −∂C/∂W−', () => {
  const rng = new Rng(8);
  const model = new Mlp(config({}), rng.fork());
  const n = 3;
  const wPlus = Float64Array.from(model.weights[0], () => rng.range(-0.8, 0.8));
  const wMinus = Float64Array.from(model.weights[0], () => rng.range(-0.8, 0.8));
  model.weights[0].set(wPlus.map((p, j) => p - wMinus[j]));
  const rest = model.weights.slice(1);
  const x = Float64Array.from({ length: n }, () => rng.range(-1, 1));
  const label = 1;
  assert.ok(Math.abs(model.loss(x, label) - explicitDoubledLoss(wPlus, wMinus, rest, x, label)) < 1e-12);
  const grads = model.zeroGradients();
  model.accumulateGradient(x, label, grads);
  const eps = 1e-6;
  const partial = (w: Float64Array, j: number) => {
    const keep = w[j];
    w[j] = keep + eps;
    const up = explicitDoubledLoss(wPlus, wMinus, rest, x, label);
    w[j] = keep - eps;
    const down = explicitDoubledLoss(wPlus, wMinus, rest, x, label);
    w[j] = keep;
    return (up - down) / (2 * eps);
  };
  grads[0].forEach((g, j) => {
    assert.ok(Math.abs(g - partial(wPlus, j)) < 1e-7, `W+ ${j}`);
    assert.ok(Math.abs(-g - partial(wMinus, j)) < 1e-7, `W- ${j}`);
  });
  assert.deepEqual(model.stepScale, [2, 1, 1]);
});

test('without bias inputs the network is odd: scores(−x) = −scores(x) for symmetric diode bounds', () => {
  const rng = new Rng(5);
  for (const activation of ['tanh', 'hardtanh'] as const) {
    const model = new Mlp(config({ activation }), rng.fork());
    const x = Float64Array.from({ length: 3 }, () => rng.range(-1, 1));
    const s = model.scores(x);
    const m = model.scores(x.map((t) => -t));
    s.forEach((v, k) => assert.ok(Math.abs(v + m[k]) < 1e-12));
  }
});
