import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SimBoard } from '../../sim/board/index.ts';
import type { DaemonBench } from '../../src/daemon/bench.ts';
import { fitDataset } from '../../src/daemon/jobs/dataset.ts';
import { datasetPreset, presetForMode } from '../../src/presets/datasets.ts';
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

// The digits bias line: 10 V in the ideal mode, 6 V in the pulses mode (biasInputByMode), for the
// CLI and benchmark plans and for the daemon's jobs alike.
describe('presetForMode: the bias line at the mode voltage', () => {
  const bias = (x: Float64Array[]) => new Set(x.map((v) => v[v.length - 1]));

  test('digits: 10 V in the ideal mode, 6 V in the pulses mode, on every sample', () => {
    for (const [mode, volts] of [
      ['ideal', 10],
      ['pulses', 6],
    ] as const) {
      const p = planPresetRun({ dataset: 'digits', mode, seed: 0, maxTrain: 20, maxTest: 20 });
      assert.equal(p.preset.biasInput_V, volts);
      assert.deepEqual(bias(p.data.train.x), new Set([volts]), `${mode} train`);
      assert.deepEqual(bias(p.data.test.x), new Set([volts]), `${mode} test`);
    }
  });

  test('a bench input range below the mode voltage clamps it; iris keeps 6 V in both modes', () => {
    const p = planPresetRun({
      dataset: 'digits',
      mode: 'ideal',
      seed: 0,
      maxTrain: 5,
      maxTest: 5,
      inputRange_V: { min: -8, max: 8 },
    });
    assert.equal(p.preset.biasInput_V, 8);
    for (const mode of ['ideal', 'pulses'] as const) {
      assert.equal(presetForMode(datasetPreset('iris'), mode).biasInput_V, 6);
    }
  });

  test('the daemon fits digits with the bias at the job mode voltage', () => {
    // fitDataset needs the network's inputs and outputs and the input range only.
    const bench = {
      layout: { desc: { inputs: 785, outputs: 10 } },
      inputRange_V: { min: -10, max: 10 },
    } as unknown as DaemonBench;
    for (const [mode, volts] of [
      ['ideal', 10],
      ['pulses', 6],
    ] as const) {
      const data = fitDataset('digits', bench, { mode, splitSeed: 0, maxTrain: 3, maxTest: 3 });
      assert.equal(data.biasInput_V, volts);
      assert.deepEqual(bias(data.train.x), new Set([volts]));
    }
  });
});
