// The training engine on the in-process simulated board (real diode physics, devices, measurement
// chain with ADC noise), through the capability interfaces only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Trainer } from '../../src/training/index.ts';
import { SimBoard } from '../../sim/board/index.ts';

test('sign-SGD reduces the loss on XOR on the in-process sim', async () => {
  // A constant third feature gives the neurons a bias (the network is odd-symmetric without it).
  const x = [
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ].map(([a, b]) => Float64Array.of(2 * a - 1, 2 * b - 1, 1));
  const y = [0, 1, 1, 0];
  const board = new SimBoard({
    network: { inputs: 3, hidden: [8], outputs: 2 },
    devices: { preset: 'ideal-linear', stepUp_S: 2e-6, stepDown_S: 2e-6 },
    seed: 1,
  });
  const trainer = new Trainer(board, board.layout, {
    epochs: 20,
    batchSize: 4,
    beta_S: 1e-6,
    estimator: 'centered',
    mode: 'pulses',
    loss: { kind: 'squared-error', target: { on_V: 0.5, off_V: 0 } },
  });
  const before = await trainer.evaluate({ x, y });
  const summary = await trainer.train({ x, y });
  const after = await trainer.evaluate({ x, y });
  assert.ok(board.statistics.pulsesApplied > 0);
  assert.equal(summary.steps, 20);
  assert.ok(after.meanCost < 0.75 * before.meanCost, `${before.meanCost} → ${after.meanCost}`);
});
