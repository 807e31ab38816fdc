// The Trainer end to end on a fake bench whose physics is a linear resistive network solved exactly.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { layoutNetwork } from '../../src/network/description.ts';
import {
  BenchBusyError,
  DeviceMap,
  OperationTimeoutError,
  SettleError,
  StepError,
  Trainer,
  TrainingCancelledError,
  programAndVerify,
  randomConductances,
} from '../../src/training/index.ts';
import type { TrainingConfigInput, TrainingEvent } from '../../src/training/index.ts';
import { Rng } from '../../src/util/random.ts';
import { diagonalDataset } from './diagonal-data.ts';
import { LinearBench } from './linear-bench.ts';

const layout = layoutNetwork({ inputs: 2, hidden: [3], outputs: 2 });

function bench(seed = 1): LinearBench {
  return new LinearBench(layout, randomConductances(layout, new Rng(seed)));
}

const fast: TrainingConfigInput = { settle: { kind: 'fixed', time_s: 1e-6 }, seed: 3 };

describe('Trainer on a linear resistive bench', () => {
  test('ideal mode with the centered estimator lowers the loss', async () => {
    const b = bench();
    const data = diagonalDataset(24, 2);
    const trainer = new Trainer(b, layout, {
      ...fast,
      mode: 'ideal',
      learningRate: 4e-9,
      batchSize: 4,
      epochs: 8,
      beta_S: 1e-6,
    });
    const before = await trainer.evaluate(data);
    const summary = await trainer.train(data);
    const after = await trainer.evaluate(data);
    assert.equal(summary.epochs.length, 8);
    assert.equal(summary.steps, 8 * 6);
    assert.ok(after.meanCost < 0.8 * before.meanCost, `${before.meanCost} → ${after.meanCost}`);
    assert.ok(after.accuracy > before.accuracy);
  });

  test('sign-SGD pulses lower the loss, with one-sided and random-sign estimators too', async () => {
    for (const estimator of ['centered', 'one-sided', 'random-sign'] as const) {
      const b = bench(4);
      const data = diagonalDataset(16, 5);
      const trainer = new Trainer(b, layout, { ...fast, estimator, batchSize: 4, epochs: 6, beta_S: 1e-6 });
      const before = await trainer.evaluate(data);
      await trainer.train(data);
      const after = await trainer.evaluate(data);
      assert.ok(after.meanCost < before.meanCost, `${estimator}: ${before.meanCost} → ${after.meanCost}`);
    }
  });

  test('random-sign draws both signs of β, seeded', async () => {
    const signs = async () => {
      const events: TrainingEvent[] = [];
      const t = new Trainer(bench(), layout, { ...fast, estimator: 'random-sign', epochs: 1, batchSize: 2 });
      await t.train(diagonalDataset(12, 1), { onEvent: (e) => events.push(e) });
      return events.flatMap((e) => (e.type === 'nudged-state' ? [Math.sign(e.beta_S)] : []));
    };
    const first = await signs();
    assert.equal(first.length, 12);
    assert.ok(first.includes(1) && first.includes(-1));
    assert.deepEqual(await signs(), first);
  });

  test('each epoch reports its training cost and, with a test set, an evaluation', async () => {
    const trainer = new Trainer(bench(), layout, { ...fast, epochs: 2, batchSize: 3 });
    const data = diagonalDataset(6, 9);
    const s = await trainer.train(data, { test: data });
    assert.equal(s.epochs.length, 2);
    for (const e of s.epochs) {
      assert.equal(e.test?.samples, 6);
      assert.ok(e.trainAccuracy >= 0 && e.trainAccuracy <= 1);
    }
  });

  test('adaptive settling reads until two reads agree', async () => {
    const trainer = new Trainer(bench(), layout, {
      ...fast,
      settle: { kind: 'adaptive', interval_s: 1e-6, tolerance_V: 1e-9, maxReads: 5 },
    });
    const reads: number[] = [];
    await trainer.evaluate(diagonalDataset(2, 1), {
      onEvent: (e) => void (e.type === 'phase-ended' && reads.push(e.reads)),
    });
    assert.deepEqual(reads, [2, 2]); // the exact solution does not move between reads
  });

  test('adaptive settling on nodes that keep moving ends the step with a SettleError cause', async () => {
    const b = bench();
    const solve = b.solve.bind(b);
    let drift = 0;
    b.solve = () => solve().map((v) => v + (drift += 1e-3));
    const trainer = new Trainer(b, layout, {
      ...fast,
      settle: { kind: 'adaptive', interval_s: 1e-6, tolerance_V: 1e-4, maxReads: 4 },
    });
    await assert.rejects(trainer.evaluate(diagonalDataset(1, 1)), (e: unknown) => {
      assert.ok(e instanceof StepError);
      assert.equal(e.phase, 'free');
      assert.ok(e.cause instanceof SettleError);
      assert.equal(e.cause.reads, 4);
      return true;
    });
    assert.equal(b.safeStateCalls, 1);
  });
});

describe('Trainer failures on a linear resistive bench', () => {
  test('a fault mid-phase ends the step with StepError after safeState; outputs are safe', async () => {
    const b = bench();
    b.fault = { op: 'sampleAndRead', call: 2, mode: 'throw' }; // the first nudged read
    const events: TrainingEvent[] = [];
    const trainer = new Trainer(b, layout, fast);
    await assert.rejects(
      trainer.train(diagonalDataset(4, 1), { onEvent: (e) => events.push(e) }),
      (e: unknown) => {
        assert.ok(e instanceof StepError);
        assert.equal(e.phase, 'nudged-plus');
        assert.equal(e.step, 0);
        assert.equal(e.sample, 0);
        assert.match(String((e.cause as Error).message), /injected sampleAndRead fault/);
        return true;
      },
    );
    assert.equal(events.at(-1)?.type, 'fault');
    assert.equal(b.calls.at(-1), 'safeState');
    assert.ok(b.inputs_V.every((v) => v === 0) && b.nudge_A.every((v) => v === 0));
  });

  test('an operation that never answers ends with an OperationTimeoutError cause, not a hang', async () => {
    const b = bench();
    b.fault = { op: 'setCurrents', call: 2, mode: 'hang' }; // the first nudge
    const trainer = new Trainer(b, layout, { ...fast, operationTimeout_ms: 20 });
    await assert.rejects(trainer.train(diagonalDataset(2, 1)), (e: unknown) => {
      assert.ok(e instanceof StepError);
      assert.equal(e.phase, 'nudged-plus');
      assert.ok(e.cause instanceof OperationTimeoutError);
      assert.equal(e.cause.operation, 'nudge.setCurrents');
      return true;
    });
    assert.equal(b.safeStateCalls, 1);
  });

  test('aborting a run ends it with TrainingCancelledError and the bench safe', async () => {
    const b = bench();
    const abort = new AbortController();
    const trainer = new Trainer(b, layout, { ...fast, epochs: 50 });
    const run = trainer.train(diagonalDataset(8, 1), {
      signal: abort.signal,
      onEvent: (e) => void (e.type === 'step-ended' && e.step === 2 && abort.abort('operator')),
    });
    await assert.rejects(run, TrainingCancelledError);
    assert.equal(b.safeStateCalls, 1);
    assert.ok(b.nudge_A.every((v) => v === 0));
  });

  test('a second run on the same bench is refused while the first runs, allowed after', async () => {
    const b = bench();
    const first = new Trainer(b, layout, { ...fast, epochs: 2 });
    const second = new Trainer(b, layout, fast);
    const data = diagonalDataset(4, 1);
    const running = first.train(data);
    await assert.rejects(second.evaluate(data), BenchBusyError);
    await running;
    assert.equal((await second.evaluate(data)).samples, 4);
  });

  test('configuration and data errors name the field', () => {
    const b = bench();
    assert.throws(() => new Trainer(b, layout, { beta_S: 0 }), /beta_S: beta_S must be > 0/);
    const noIdeal = { ...b, ideal: undefined, sampler: b.sampler, safeState: () => b.safeState() };
    assert.throws(
      () => new Trainer(noIdeal, layout, { mode: 'ideal' }),
      /mode: 'ideal' needs a bench with ideal/,
    );
    const t = new Trainer(b, layout, fast);
    assert.throws(
      () => t.evaluate$({ x: [Float64Array.of(1)], y: [0] }),
      /data\.x\[0\] has 1 features, the network has 2/,
    );
    assert.throws(
      () => t.step$({ x: [Float64Array.of(1, 2)], y: [2] }),
      /batch\.y\[0\] = 2 is not a class in 0\.\.1/,
    );
  });
});

describe('program-and-verify', () => {
  test('reaches a target map within tolerance and reports the residual', async () => {
    const b = new LinearBench(layout, new Float64Array(layout.totalDevices).fill(5e-5), 1e-5, 1e-6);
    const target = randomConductances(layout, new Rng(8), { min_S: 2e-5, max_S: 8e-5 });
    const map = DeviceMap.create(layout, b.reader.arrays);
    const options = { tolerance_S: 0.6e-6, step_S: 1e-6, maxCount: 5, maxIterations: 20 };
    const report = await programAndVerify(b, map, target, options);
    assert.ok(report.converged);
    assert.equal(report.withinTolerance, layout.totalDevices);
    assert.ok(report.maxAbsError_S <= 0.6e-6);
    b.g_S.forEach((g, d) => assert.ok(Math.abs(g - target[d]) <= 0.6e-6, `device ${d}`));
  });

  test('stops at maxIterations and reports what is left', async () => {
    const b = new LinearBench(layout, new Float64Array(layout.totalDevices).fill(5e-5), 1e-5, 1e-6);
    const target = new Float64Array(layout.totalDevices).fill(9e-5);
    const map = DeviceMap.create(layout, b.reader.arrays);
    const report = await programAndVerify(b, map, target, { tolerance_S: 1e-7, maxIterations: 3 });
    assert.equal(report.converged, false);
    assert.equal(report.iterations, 3);
    assert.equal(report.pulsesApplied, 3 * layout.totalDevices);
    // One 1 µS pulse per round: 40 µS − 3 µS left on every device.
    assert.ok(Math.abs(report.maxAbsError_S - 37e-6) < 1e-12);
    await assert.rejects(
      programAndVerify(b, map, target, { tolerance_S: -1 }),
      /tolerance_S: tolerance_S must be > 0/,
    );
  });
});
