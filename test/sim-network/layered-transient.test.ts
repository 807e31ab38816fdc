import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LayeredCircuit } from '../../sim/network/layered-circuit.ts';
import { layoutNetwork } from '../../src/network/description.ts';
import { maxAbs, randomNet } from './netlist-kcl.ts';

describe('LayeredCircuit transient (settle)', () => {
  test('single RC node: matches the closed-form exponential within 0.1 % of the swing', () => {
    const c_F = 2e-12;
    const layout = layoutNetwork({
      inputs: 2,
      outputs: 1,
      doubledInputs: false,
      differentialOutputs: false,
      nodeCapacitance_F: c_F,
      diode: { model: 'ideal', bias_V: { low: -5, high: 5 } },
    });
    const g = Float64Array.of(3e-5, 1e-5);
    const net = new LayeredCircuit(layout, g);
    const x = Float64Array.of(1, -1);
    const gTotal = 4e-5 + 2e-12; // devices + the two off ideal diodes (to ±5 V, which cancel)
    const vInf = (3e-5 - 1e-5) / gTotal;
    const tau = c_F / gTotal;
    const v0 = -0.3;
    for (const t of [0.2 * tau, tau, 3 * tau]) {
      const v = net.settle(x, Float64Array.of(v0), t, { maxStep_s: tau / 50 })[0];
      const expected = vInf + (v0 - vInf) * Math.exp(-t / tau);
      assert.ok(Math.abs(v - expected) <= 1e-3 * Math.abs(vInf - v0), `t=${t}: ${v} vs ${expected}`);
    }
  });

  for (const amplifier of [undefined, { gain: 2, backwardGain: 0.5 }]) {
    test(`settles to the DC solution; an early sample is not settled (amplifier ${JSON.stringify(amplifier)})`, () => {
      const { layout, g, x } = randomNet(
        { inputs: 8, hidden: [6], outputs: 2, nodeCapacitance_F: 1e-12, amplifier },
        21,
        20,
      );
      const net = new LayeredCircuit(layout, g);
      const nudge = Float64Array.of(1e-5, -1e-5, 0, 2e-6);
      const dc = net.solveDc(x, { nudge_A: nudge });
      assert.ok(dc.converged);
      const v0 = new Float64Array(layout.floatingNodes);
      // Node time constants ≈ C / Σg ≈ 1e-12 F / 8e-4 S ≈ 1 ns; diodes on make them shorter.
      const settled = net.settle(x, v0, 5e-6, { nudge_A: nudge, maxStep_s: 5e-9 });
      // Each step converges to 1e-12 A of KCL: ~1e-9 V at these node conductances.
      assert.ok(maxAbs(settled.map((v, i) => v - dc.v_V[i])) < 1e-8);
      const early = net.settle(x, v0, 0.1e-9, { nudge_A: nudge, maxStep_s: 1e-12 });
      assert.ok(maxAbs(early.map((v, i) => v - dc.v_V[i])) > 1e-3);
    });
  }

  test('step refinement: halving the step changes the early sample by ~4× less (second order)', () => {
    const { layout, g, x } = randomNet(
      { inputs: 8, hidden: [6], outputs: 2, nodeCapacitance_F: 1e-12 },
      4,
      5,
    );
    const net = new LayeredCircuit(layout, g);
    const v0 = new Float64Array(layout.floatingNodes);
    const at = (h: number) => net.settle(x, v0, 20e-9, { maxStep_s: h });
    const fine = at(0.125e-9);
    const e1 = maxAbs(at(1e-9).map((v, i) => v - fine[i]));
    const e2 = maxAbs(at(0.5e-9).map((v, i) => v - fine[i]));
    assert.ok(e1 / e2 > 3 && e1 / e2 < 6, `ratio ${e1 / e2}`);
  });
});
