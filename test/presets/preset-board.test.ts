import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SimBoard } from '../../sim/board/index.ts';
import { planPresetRun } from '../../src/presets/run.ts';

// The digits preset gives its ideal mode devices up to 1 mS starting in 1–100 µS; the network's
// bounds, the devices' and the board's start must agree, and the other modes keep their devices.
describe('presetBoard: a mode with its own conductance window', () => {
  const plan = (mode: 'ideal' | 'pulses') =>
    planPresetRun({ dataset: 'digits', mode, seed: 0, maxTrain: 10, maxTest: 10 });

  test('the digits ideal board reaches 1 mS and starts in 1–100 µS', () => {
    const p = plan('ideal');
    assert.deepEqual(p.board.network.conductance, { min_S: 1e-6, max_S: 1e-3 });
    assert.deepEqual(p.board.devices, { preset: 'ideal-linear', gMin_S: 1e-6, gMax_S: 1e-3 });
    const board = new SimBoard({ ...p.board, seed: 0 });
    const g = board.ideal.read();
    assert.ok(
      g.every((v) => v >= 1e-6 && v <= 1e-4),
      'every device starts inside the window',
    );
    g[0] = 8e-4;
    board.ideal.write(g);
    assert.equal(board.ideal.read()[0], 8e-4, 'the range above the window is programmable');
  });

  test('the pulses mode keeps its device preset, its range and its random start', () => {
    const p = plan('pulses');
    assert.equal(p.board.devices, 'realistic-soft-bounds');
    assert.equal(p.board.network.conductance, undefined);
    assert.equal(p.board.initialConductance, 'random');
  });

  test('a preset without windows (iris) is unchanged in both modes', () => {
    const p = planPresetRun({ dataset: 'iris', mode: 'ideal', seed: 0 });
    assert.equal(p.board.devices, 'ideal-linear');
    assert.equal(p.board.initialConductance, 'random');
  });
});
