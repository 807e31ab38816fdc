// The settle-time calibration recovers the time constants. On a single-layer network every
// output node relaxes on its own, τ_j = C/G_jj with G_jj the sum of its column's conductances
// (plus the two diode junctions' GMIN), which the test computes from the hidden conductances; with
// a hidden layer the network's slowest mode is the simulated board's own (inverse iteration).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SimBoard } from '../../sim/board/index.ts';
import { calibrateSettle, resultOf, stepResponse } from '../../calibration/index.ts';

describe('settle calibration', () => {
  test('recovers every node time constant within 5 % and a settle time that meets its error', async () => {
    const b = new SimBoard({ network: { inputs: 3, outputs: 2 }, seed: 3, devices: 'ideal-soft-bounds' });
    const { rows, cols } = b.layout.arrays[0];
    const C = b.layout.desc.nodeCapacitance_F;
    const tau = Array.from({ length: cols }, (_, j) => {
      let g = 2e-12;
      for (let r = 0; r < rows; r++) g += b.devices.g_S[r * cols + j];
      return C / g;
    });
    const relError = 1e-3;
    const result = await resultOf(
      calibrateSettle(
        { inputs: b.inputs, sampler: b.sampler, timebase: b.timebase, reader: b.reader },
        { maxDelay_s: 12 * Math.max(...tau), relError },
      ),
    );
    for (const c of result.channels) {
      const err = c.terms[0].tau_s / tau[c.node] - 1;
      assert.ok(Math.abs(err) < 0.05, `node ${c.node}: τ ${c.terms[0].tau_s} vs ${tau[c.node]}`);
      // A single RC node: v∞ − v(t) = A·e^(−t/τ) falls to relError·A at τ·ln(1/relError).
      const ideal = tau[c.node] * Math.log(1 / relError);
      assert.ok(Math.abs(c.settleTime_s / ideal - 1) < 0.05, `node ${c.node}: settle ${c.settleTime_s}`);
      const step = Math.abs(c.terms.reduce((s, t) => s + t.amplitude_V, 0));
      const left = Math.abs(stepResponse(c, c.settleTime_s) - c.final_V);
      assert.ok(left <= relError * step * 1.0001, `node ${c.node}: ${left} left of ${step}`);
    }
    assert.ok(Math.abs(result.tauSlowest_s / Math.max(...tau) - 1) < 0.05);
    assert.deepEqual([...b.appliedInputs()], [0, 0, 0, 0, 0, 0], 'the sources end at 0 V');
  });

  test('a network with a hidden layer: the joint fit of all nodes gives its slowest mode within 5 %', async () => {
    for (const seed of [3, 4]) {
      const b = new SimBoard({
        network: { inputs: 2, hidden: [3], outputs: 1 },
        seed,
        devices: 'ideal-soft-bounds',
      });
      const tau = b.slowestTimeConstant();
      const result = await resultOf(
        calibrateSettle(
          { inputs: b.inputs, sampler: b.sampler, timebase: b.timebase, reader: b.reader },
          { maxDelay_s: 12 * tau },
        ),
      );
      const err = result.tauSlowest_s / tau - 1;
      assert.ok(Math.abs(err) < 0.05, `seed ${seed}: τ ${result.tauSlowest_s} vs ${tau}`);
      assert.ok(result.modes.tau_s.length >= 2, 'more than one mode is resolved');
    }
  });
});
