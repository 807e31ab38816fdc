// The ideal mode's learning-rate schedule (learningRateEndFactor): η decays linearly per epoch,
// in the Trainer's epochs and in the daemon's step loop alike (both read learningRateFactor).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layoutNetwork } from '../../src/network/description.ts';
import {
  Trainer,
  learningRateFactor,
  parseTrainingConfig,
  randomConductances,
} from '../../src/training/index.ts';
import { Rng } from '../../src/util/random.ts';
import { LinearBench } from './linear-bench.ts';

test('learningRateFactor: 1 in the first epoch, linear down towards the end factor', () => {
  const config = parseTrainingConfig({ epochs: 4, learningRateEndFactor: 0.2 });
  [1, 0.8, 0.6, 0.4].forEach((want, e) =>
    assert.ok(Math.abs(learningRateFactor(config, e) - want) < 1e-12, `epoch ${e}`),
  );
  const constant = parseTrainingConfig({ epochs: 4 });
  assert.deepEqual(
    [0, 3].map((e) => learningRateFactor(constant, e)),
    [1, 1],
  );
  assert.throws(() => parseTrainingConfig({ learningRateEndFactor: 0 }), /learningRateEndFactor must be > 0/);
  assert.throws(
    () => parseTrainingConfig({ learningRateEndFactor: 1.5 }),
    /learningRateEndFactor must be <= 1/,
  );
});

test('the Trainer steps with η · factor of the epoch, per array (layerScale)', async () => {
  const layout = layoutNetwork({ inputs: 2, hidden: [3], outputs: 2 });
  const bench = new LinearBench(layout, randomConductances(layout, new Rng(1)));
  const etas: number[][] = [];
  const step = bench.ideal.step;
  bench.ideal.step = (gradient, eta, range, momentum) => {
    etas.push([...eta]);
    return step(gradient, eta, range, momentum);
  };
  const trainer = new Trainer(bench, layout, {
    mode: 'ideal',
    epochs: 2,
    batchSize: 2,
    learningRate: 1e-8,
    learningRateEndFactor: 0.5,
    layerScale: [1, 0.1],
    settle: { kind: 'fixed', time_s: 1e-6 },
    beta_S: 1e-6,
    seed: 3,
  });
  const train = {
    x: [
      Float64Array.of(0.4, -0.2),
      Float64Array.of(-0.5, 0.3),
      Float64Array.of(0.1, 0.6),
      Float64Array.of(0, -0.4),
    ],
    y: [0, 1, 1, 0],
  };
  await trainer.train(train);
  assert.equal(etas.length, 4, 'two steps per epoch');
  const close = (a: number, b: number) => Math.abs(a - b) <= 1e-12 * Math.abs(b);
  for (const [i, factor] of [1, 1, 0.75, 0.75].entries()) {
    assert.ok(close(etas[i][0], 1e-8 * factor), `step ${i} array 0: ${etas[i][0]}`);
    assert.ok(close(etas[i][1], 1e-9 * factor), `step ${i} array 1: ${etas[i][1]}`);
  }
});
