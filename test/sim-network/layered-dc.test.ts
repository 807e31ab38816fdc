import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LayeredCircuit } from '../../sim/network/layered-circuit.ts';
import { layoutNetwork } from '../../src/network/description.ts';
import type { NetworkInput } from '../../src/network/description.ts';
import { denseSolve, kclResidual, maxAbs, randomNet } from './netlist-kcl.ts';

/** max |KCL| at the solution, computed from the general netlist, not by the solver. */
function independentResidual(
  net: LayeredCircuit,
  x: Float64Array,
  v: Float64Array,
  nudge?: Float64Array,
): number {
  const { circuit, floatingNode } = net.toCircuit(x, nudge);
  return maxAbs(kclResidual(circuit, floatingNode, v));
}

/** Fraction of diodes forward biased by ≥ 0.45 V (≥ 0.4 µA for Is = 1e-14): conducting. */
function forwardFraction(layoutDesc: { bias_V: { low: number; high: number } }, v: Float64Array): number {
  let on = 0;
  for (const vi of v) {
    if (vi - layoutDesc.bias_V.high >= 0.45) on++;
    if (layoutDesc.bias_V.low - vi >= 0.45) on++;
  }
  return on / (2 * v.length);
}

describe('LayeredCircuit DC', () => {
  test('one output node fed by two lines: the conductance-weighted average (hand solution)', () => {
    const layout = layoutNetwork({
      inputs: 2,
      outputs: 1,
      doubledInputs: false,
      differentialOutputs: false,
      diode: { model: 'ideal', bias_V: { low: -5, high: 5 } },
    });
    const g = Float64Array.of(2e-5, 6e-5);
    const net = new LayeredCircuit(layout, g);
    const sol = net.solveDc(Float64Array.of(0.8, -0.4));
    // Node: 2e-5(0.8 − v) + 6e-5(−0.4 − v) = 1e-12(v − 5) + 1e-12(v + 5) (ideal diodes off)
    const v = (2e-5 * 0.8 + 6e-5 * -0.4) / (8e-5 + 2e-12);
    assert.ok(sol.converged);
    assert.ok(Math.abs(sol.v_V[0] - v) < 1e-14);
  });

  for (const amplifier of [undefined, { gain: 2 }, { gain: 3, backwardGain: 0.5 }]) {
    test(`linear region equals a dense nodal solve (amplifier ${JSON.stringify(amplifier)})`, () => {
      const desc: NetworkInput = {
        inputs: 3,
        hidden: [4, 3],
        outputs: 2,
        amplifier,
        diode: { model: 'ideal', bias_V: { low: -20, high: 20 } },
      };
      const { layout, g, x } = randomNet(desc, 11, 0.5);
      const net = new LayeredCircuit(layout, g);
      const nudge = Float64Array.of(1e-6, -2e-6, 0, 5e-7);
      const sol = net.solveDc(x, { nudge_A: nudge });
      // Nodal matrix built from the netlist description: every diode off (off_S to ±20 V).
      const n = layout.floatingNodes;
      const a = Array.from({ length: n }, () => new Array<number>(n).fill(0));
      const b = new Array<number>(n).fill(0);
      const ga = amplifier?.gain ?? 1;
      const gb = amplifier ? (amplifier.backwardGain ?? amplifier.gain) : 1;
      const off = 1e-12;
      for (let i = 0; i < n; i++) a[i][i] += 2 * off; // +20 and −20 V sources cancel in b
      layout.arrays.forEach(({ rows, cols }, j) => {
        for (let r = 0; r < rows; r++) {
          for (let c = 0; c < cols; c++) {
            const gv = g[layout.deviceOffsets[j] + r * cols + c];
            const col = layout.layerOffsets[j] + c;
            a[col][col] += gv;
            if (j === 0) b[col] += gv * x[r];
            else {
              const row = layout.layerOffsets[j - 1] + r;
              a[col][row] -= gv * ga; // current into col from row line ga·V_row
              a[row][row] += gb * gv * ga; // CCCS: row node loses gb × current into the array
              a[row][col] -= gb * gv;
            }
          }
        }
      });
      for (let k = 0; k < layout.outputNodes; k++) b[layout.outputOffset + k] += nudge[k];
      const expected = denseSolve(a, b);
      assert.ok(sol.converged);
      for (let i = 0; i < n; i++) assert.ok(Math.abs(sol.v_V[i] - expected[i]) < 1e-12, `node ${i}`);
      assert.ok(independentResidual(net, x, sol.v_V, nudge) <= 1e-12);
    });
  }

  test('Shockley network: KCL ≤ 1e-12 A at the solution, warm start converges in fewer iterations', () => {
    const desc: NetworkInput = { inputs: 12, hidden: [8], outputs: 3 };
    const { layout, g, x } = randomNet(desc, 3, 4);
    const net = new LayeredCircuit(layout, g);
    const free = net.solveDc(x);
    assert.ok(free.converged && free.residual_A <= 1e-12);
    assert.ok(independentResidual(net, x, free.v_V) <= 1e-12);
    const nudge = new Float64Array(layout.outputNodes).map((_, k) => (k % 2 ? -1 : 1) * 3e-6);
    const cold = net.solveDc(x, { nudge_A: nudge });
    const warm = net.solveDc(x, { nudge_A: nudge, warmStart_V: free.v_V });
    assert.ok(cold.converged && warm.converged);
    assert.ok(warm.iterations < cold.iterations, `warm ${warm.iterations} vs cold ${cold.iterations}`);
    assert.ok(maxAbs(cold.v_V.map((v, i) => v - warm.v_V[i])) < 1e-9);
    assert.ok(independentResidual(net, x, warm.v_V, nudge) <= 1e-12);
  });

  test('strongly nonlinear regime (≥ 30 % of diodes conducting) converges, with amplifier and two hidden layers', () => {
    for (const desc of [
      { inputs: 16, hidden: [10], outputs: 3 },
      { inputs: 10, hidden: [7, 5], outputs: 2, amplifier: { gain: 2 } },
      { inputs: 10, hidden: [6], outputs: 2, amplifier: { gain: 4, backwardGain: 1 } },
      { inputs: 10, hidden: [6], outputs: 2, diode: { rs_Ohm: 200 } },
    ] satisfies NetworkInput[]) {
      let scale = 1;
      for (;;) {
        const { layout, g, x } = randomNet(desc, 5, scale);
        const net = new LayeredCircuit(layout, g);
        const sol = net.solveDc(x);
        assert.ok(sol.converged, `${JSON.stringify(desc)} ×${scale}: residual ${sol.residual_A}`);
        assert.ok(independentResidual(net, x, sol.v_V) <= 1e-12);
        if (forwardFraction(layout.desc.diode, sol.v_V) >= 0.3) break;
        scale *= 2;
        assert.ok(scale < 1e5, 'could not reach 30 % conducting diodes');
      }
    }
  });

  test('fallback: with too few Newton iterations per attempt, stepping reaches the same solution', () => {
    const { layout, g, x } = randomNet({ inputs: 16, hidden: [10], outputs: 3 }, 5, 200);
    const net = new LayeredCircuit(layout, g);
    // Without the Gauss–Seidel start (which converges here in 3 iterations), so that plain Newton
    // needs more than 5.
    const reference = net.solveDc(x, { guess: false });
    assert.ok(reference.converged && reference.fallback === 'none' && reference.iterations > 5);
    // 5 iterations per attempt: plain Newton fails, gmin stepping succeeds; 3: source stepping.
    for (const [maxIterations, fallback] of [
      [5, 'gmin-stepping'],
      [3, 'source-stepping'],
    ] as const) {
      const stepped = net.solveDc(x, { maxIterations, guess: false });
      assert.ok(stepped.converged, `residual ${stepped.residual_A}`);
      assert.equal(stepped.fallback, fallback);
      assert.ok(independentResidual(net, x, stepped.v_V) <= 1e-12);
      assert.ok(maxAbs(stepped.v_V.map((v, i) => v - reference.v_V[i])) < 1e-9);
    }
  });

  test('ideal (piecewise-linear) diodes: converges with the diodes clamping', () => {
    const desc: NetworkInput = {
      inputs: 10,
      hidden: [6],
      outputs: 2,
      diode: { model: 'ideal', ron_Ohm: 100 },
    };
    const { layout, g, x } = randomNet(desc, 9, 30);
    const net = new LayeredCircuit(layout, g);
    const sol = net.solveDc(x);
    assert.ok(sol.converged);
    assert.ok(independentResidual(net, x, sol.v_V) <= 1e-12);
    assert.ok(maxAbs(sol.v_V) > 0.5, 'some node beyond the bias knee');
  });

  test('conductance changes take effect after conductancesChanged()', () => {
    const { layout, g, x } = randomNet({ inputs: 6, hidden: [4], outputs: 2 }, 2, 1);
    const net = new LayeredCircuit(layout, g);
    const before = net.solveDc(x).v_V;
    g[0] *= 3;
    net.conductancesChanged();
    const after = net.solveDc(x);
    assert.ok(after.converged && independentResidual(net, x, after.v_V) <= 1e-12);
    assert.ok(Math.abs(after.v_V[0] - before[0]) > 1e-6);
  });

  test('errors name the field', () => {
    const { layout, g, x } = randomNet({ inputs: 3, outputs: 1 }, 1, 1);
    const net = new LayeredCircuit(layout, g);
    assert.throws(() => net.solveDc(x.subarray(1)), /inputs_V/);
    assert.throws(() => net.solveDc(x, { nudge_A: new Float64Array(5) }), /nudge_A/);
    assert.throws(() => net.solveDc(x, { warmStart_V: new Float64Array(5) }), /warmStart_V/);
    assert.throws(() => new LayeredCircuit(layout, new Float64Array(2)), /g_S/);
  });
});
