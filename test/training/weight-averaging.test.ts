// Weight averaging of the ideal mode (TrainingConfig.averaging, src/training/weight-averaging.ts):
// the config field and its errors, the averager's schedule, mean and saved state, and a training
// run that ends on the mean of the conductances sampled over its last epochs, written back before
// the last epoch's test evaluation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layoutNetwork } from '../../src/network/description.ts';
import {
  ConductanceAverager,
  Trainer,
  parseTrainingConfig,
  randomConductances,
} from '../../src/training/index.ts';
import type { TrainingConfigInput, TrainingEvent } from '../../src/training/index.ts';
import { Rng } from '../../src/util/random.ts';
import { diagonalDataset } from './diagonal-data.ts';
import { LinearBench } from './linear-bench.ts';

const layout = layoutNetwork({ inputs: 2, hidden: [3], outputs: 2 });

const ideal: TrainingConfigInput = {
  settle: { kind: 'fixed', time_s: 1e-6 },
  seed: 3,
  mode: 'ideal',
  learningRate: 2e-9,
  batchSize: 2,
  epochs: 4,
  beta_S: 1e-6,
  momentum: 0.5,
};

test('config: averaging is optional, everySteps defaults to 8, and errors name the field', () => {
  assert.equal(parseTrainingConfig({ mode: 'ideal' }).averaging, undefined);
  assert.deepEqual(parseTrainingConfig({ mode: 'ideal', averaging: { lastEpochs: 3 } }).averaging, {
    lastEpochs: 3,
    everySteps: 8,
  });
  assert.throws(
    () => parseTrainingConfig({ mode: 'pulses', averaging: { lastEpochs: 1 } }),
    /averaging: needs mode 'ideal'/,
  );
  assert.throws(
    () => parseTrainingConfig({ mode: 'ideal', epochs: 2, averaging: { lastEpochs: 3 } }),
    /averaging\.lastEpochs: 3 is more than the run's 2 epochs/,
  );
  assert.throws(
    () => parseTrainingConfig({ mode: 'ideal', averaging: { lastEpochs: 0 } }),
    /averaging\.lastEpochs: averaging\.lastEpochs must be >= 1/,
  );
  assert.throws(
    () => parseTrainingConfig({ mode: 'ideal', averaging: { lastEpochs: 1, everySteps: 1.5 } }),
    /averaging\.everySteps: averaging\.everySteps must be an integer/,
  );
});

test('averager: samples the window on its schedule, writes the exact mean, saves and restores', () => {
  const a = new ConductanceAverager(3, { epochs: 5, lastEpochs: 2, everySteps: 2 });
  assert.equal(a.fromEpoch, 3);
  assert.equal(a.lastEpoch, 4);
  const due = [2, 3, 4, 5].flatMap((e) =>
    [0, 1, 2, 3].filter((k) => a.samples(e, k)).map((k) => `${e}:${k}`),
  );
  assert.deepEqual(due, ['3:1', '3:3', '4:1', '4:3']);

  let g = Float64Array.of(1, 2, 3);
  const access = {
    kind: 'ideal-conductance-access' as const,
    read: (out?: Float64Array) => (out ? (out.set(g), out) : g.slice()),
    write: (v: Float64Array) => void (g = v.slice()),
    step: () => ({ meanAbsChange_S: 0, clipped: 0 }),
  };
  a.add(access);
  g = Float64Array.of(3, 6, 9);
  a.add(access);
  const saved = a.save();
  const b = new ConductanceAverager(3, { epochs: 5, lastEpochs: 2, everySteps: 2 });
  b.restore(saved);
  assert.equal(b.samplesTaken, 2);
  assert.throws(() => b.restore(new Uint8Array(8)), /averaging state: 8 bytes, expected 32 for 3 devices/);
  assert.equal(b.samplesTaken, 2);

  g = Float64Array.of(5, 5, 5);
  const r = b.writeMean(access);
  assert.deepEqual(Array.from(g), [2, 4, 6]);
  assert.equal(r.samples, 2);
  assert.equal(r.meanAbsChange_S, (3 + 1 + 1) / 3);
  assert.equal(b.samplesTaken, 0);
  // Without samples the conductances stay as they are.
  assert.deepEqual(b.writeMean(access), { samples: 0, meanAbsChange_S: 0 });
  assert.deepEqual(Array.from(g), [2, 4, 6]);
});

test('a run with averaging ends on the mean of its samples, written before the last test', async () => {
  const data = diagonalDataset(16, 2);
  const test = diagonalDataset(8, 9);
  const run = async (config: TrainingConfigInput) => {
    const bench = new LinearBench(layout, randomConductances(layout, new Rng(1)));
    const trainer = new Trainer(bench, layout, config);
    const events: TrainingEvent[] = [];
    // The conductances after every step, as the step ended (the averager samples them there).
    const afterStep: Float64Array[] = [];
    await trainer.train(data, {
      test,
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'step-ended') afterStep.push(Float64Array.from(bench.g_S));
      },
    });
    return { bench, events, afterStep, g: Float64Array.from(bench.g_S) };
  };

  const plain = await run(ideal);
  const averaged = await run({ ...ideal, averaging: { lastEpochs: 2, everySteps: 3 } });
  // Until the write-back both runs are the same (sampling does not change the conductances).
  assert.deepEqual(averaged.afterStep, plain.afterStep);

  // 8 steps per epoch: samples after steps 2 and 5 of epochs 2 and 3 (run steps 18, 21, 26, 29).
  const sampled = [18, 21, 26, 29].map((s) => averaged.afterStep[s]);
  const mean = sampled[0].map((_, d) => sampled.reduce((sum, g) => sum + g[d], 0) / sampled.length);
  assert.deepEqual(Array.from(averaged.g), Array.from(mean));
  assert.notDeepEqual(Array.from(averaged.g), Array.from(plain.g));

  const types = averaged.events.map((e) => e.type);
  const write = types.indexOf('weights-averaged');
  assert.equal(types.filter((t) => t === 'weights-averaged').length, 1);
  assert.equal(types.lastIndexOf('step-ended'), write - 1, 'written after the last step');
  assert.ok(types.lastIndexOf('evaluation-ended') > write, 'the last test evaluates the mean');
  const e = averaged.events[write] as Extract<TrainingEvent, { type: 'weights-averaged' }>;
  assert.equal(e.epoch, 3);
  assert.equal(e.samples, 4);
  const last = plain.g;
  const change = mean.reduce((sum, g, d) => sum + Math.abs(g - last[d]), 0) / mean.length;
  assert.ok(Math.abs(e.meanAbsChange_S - change) <= 1e-12 * change, `${e.meanAbsChange_S} vs ${change}`);
});
