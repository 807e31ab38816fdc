// The training engine on the in-process simulated board (real diode physics, devices, measurement
// chain with ADC noise), through the capability interfaces only, with the XOR dataset preset:
// inputs at ±6 V, a 6 V bias line, 8 hidden diode neurons, β = 100 µS, centered estimator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Trainer } from '../../src/training/index.ts';
import { planPresetRun } from '../../src/presets/run.ts';
import type { TrainingMode } from '../../src/presets/datasets.ts';
import { SimBoard } from '../../sim/board/index.ts';

async function trainXor(mode: TrainingMode) {
  const plan = planPresetRun({ dataset: 'xor', mode, seed: 0 });
  const board = new SimBoard({ ...plan.board, seed: 0 });
  const trainer = new Trainer(board, board.layout, plan.training);
  const before = await trainer.evaluate(plan.data.train);
  const summary = await trainer.train(plan.data.train);
  const train = await trainer.evaluate(plan.data.train);
  const test = await trainer.evaluate(plan.data.test);
  return { board, before, summary, train, test };
}

test('sign-SGD pulses on realistic soft-bounds devices learn XOR to 100 % on the in-process sim', async () => {
  const { board, before, summary, train, test } = await trainXor('pulses');
  assert.equal(board.deviceParams.response.family, 'soft-bounds');
  assert.ok(board.statistics.pulsesApplied > 0);
  assert.equal(summary.steps, 20 * Math.ceil(80 / 4));
  assert.ok(train.meanCost < 0.5 * before.meanCost, `${before.meanCost} → ${train.meanCost}`);
  assert.equal(train.accuracy, 1);
  assert.equal(test.accuracy, 1);
});

test('the ideal mode (continuous updates) learns XOR to 100 % on the in-process sim', async () => {
  const { before, train, test } = await trainXor('ideal');
  assert.ok(train.meanCost < 0.5 * before.meanCost, `${before.meanCost} → ${train.meanCost}`);
  assert.equal(train.accuracy, 1);
  assert.equal(test.accuracy, 1);
});

test("pulses sized from the devices' response, read back every 3 steps, learn XOR on soft-bounds devices", async () => {
  const plan = planPresetRun({
    dataset: 'xor',
    mode: 'pulses',
    seed: 0,
    overrides: {
      learningRate: 1e-8,
      pulses: {
        deadBand: 0,
        // realistic-soft-bounds at the reference pulse: 2 µS up, 1.5 µS down at the far bound.
        count: { policy: 'response', stepUp_S: 2e-6, stepDown_S: 1.5e-6, readEvery: 3 },
      },
    },
  });
  const board = new SimBoard({ ...plan.board, seed: 0 });
  let reads = 0;
  const read = board.reader.readConductances.bind(board.reader);
  Object.assign(board.reader, {
    readConductances: (array: number, v: number) => {
      reads++;
      return read(array, v);
    },
  });
  const trainer = new Trainer(board, board.layout, plan.training);
  const before = await trainer.evaluate(plan.data.train);
  const summary = await trainer.train(plan.data.train);
  const train = await trainer.evaluate(plan.data.train);
  assert.equal(reads, board.layout.arrays.length * Math.ceil(summary.steps / 3));
  assert.ok(train.meanCost < 0.1 * before.meanCost, `${before.meanCost} → ${train.meanCost}`);
  assert.equal(train.accuracy, 1);
});
