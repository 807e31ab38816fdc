// Classical momentum of the ideal training mode (TrainingConfig.momentum): the config field and
// its errors, the pipeline handing μ to every ideal step, momentum changing the trajectory and
// still learning, and the pulses mode ignoring it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IdealGradient } from '../../src/capabilities/index.ts';
import { layoutNetwork } from '../../src/network/description.ts';
import {
  Trainer,
  applyIdealUpdate,
  parseTrainingConfig,
  randomConductances,
} from '../../src/training/index.ts';
import type { TrainingConfigInput } from '../../src/training/index.ts';
import { Rng } from '../../src/util/random.ts';
import { diagonalDataset } from './diagonal-data.ts';
import { LinearBench } from './linear-bench.ts';

const layout = layoutNetwork({ inputs: 2, hidden: [3], outputs: 2 });

const ideal: TrainingConfigInput = {
  settle: { kind: 'fixed', time_s: 1e-6 },
  seed: 3,
  mode: 'ideal',
  learningRate: 2e-9,
  batchSize: 4,
  epochs: 6,
  beta_S: 1e-6,
};

test('config: momentum defaults to 0, takes [0, 1), and an error names the field', () => {
  assert.equal(parseTrainingConfig({}).momentum, 0);
  assert.equal(parseTrainingConfig({ momentum: 0.9 }).momentum, 0.9);
  assert.throws(() => parseTrainingConfig({ momentum: -0.1 }), /momentum: momentum must be >= 0/);
  assert.throws(() => parseTrainingConfig({ momentum: 1 }), /momentum: momentum must be < 1/);
  assert.throws(() => parseTrainingConfig({ momentum: 'lots' as unknown as number }), /momentum:/);
});

test('applyIdealUpdate hands μ to the bench (0 when not given)', () => {
  const seen: number[] = [];
  const g = randomConductances(layout, new Rng(1));
  const bench = new LinearBench(layout, g);
  const step = bench.ideal.step;
  bench.ideal.step = (gradient, eta, range, momentum) => {
    seen.push(momentum);
    return step(gradient, eta, range, momentum);
  };
  const gradient: IdealGradient = { kind: 'dense', values: new Float64Array(layout.totalDevices).fill(1e3) };
  applyIdealUpdate(bench.ideal, layout, gradient, 1e-9);
  applyIdealUpdate(bench.ideal, layout, gradient, 1e-9, undefined, 0.75);
  assert.deepEqual(seen, [0, 0.75]);
});

test('ideal mode: every step gets config.momentum; momentum changes the run and still learns', async () => {
  const data = diagonalDataset(24, 2);
  const run = async (momentum: number) => {
    const bench = new LinearBench(layout, randomConductances(layout, new Rng(1)));
    const seen: number[] = [];
    const step = bench.ideal.step;
    bench.ideal.step = (gradient, eta, range, mu) => {
      seen.push(mu);
      return step(gradient, eta, range, mu);
    };
    const trainer = new Trainer(bench, layout, { ...ideal, momentum });
    const before = await trainer.evaluate(data);
    await trainer.train(data);
    const after = await trainer.evaluate(data);
    return { seen, g: Array.from(bench.g_S), before: before.meanCost, after: after.meanCost };
  };
  const plain = await run(0);
  const heavy = await run(0.6);
  assert.equal(heavy.seen.length, 6 * 6);
  assert.ok(heavy.seen.every((m) => m === 0.6));
  assert.ok(plain.seen.every((m) => m === 0));
  assert.notDeepEqual(heavy.g, plain.g);
  assert.ok(heavy.after < 0.8 * heavy.before, `${heavy.before} → ${heavy.after}`);
});

test('pulses mode ignores momentum', async () => {
  const data = diagonalDataset(16, 5);
  const run = async (momentum: number) => {
    const bench = new LinearBench(layout, randomConductances(layout, new Rng(4)));
    const trainer = new Trainer(bench, layout, {
      settle: { kind: 'fixed', time_s: 1e-6 },
      seed: 3,
      batchSize: 4,
      epochs: 3,
      beta_S: 1e-6,
      momentum,
    });
    await trainer.train(data);
    return Array.from(bench.g_S);
  };
  const plain = await run(0);
  assert.deepEqual(await run(0.9), plain);
});
