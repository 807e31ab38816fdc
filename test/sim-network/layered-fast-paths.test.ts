// The solver's fast paths agree with the plain computations: factor-once block solves, the
// incremental update of the cached array sums after single-device changes, and the zero-bias time
// constant with its one-solve upper bound.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LayeredCircuit } from '../../sim/network/layered-circuit.ts';
import { NetworkStructure } from '../../sim/network/structure.ts';
import { BlockSolver } from '../../sim/network/block-solver.ts';
import { slowestTimeConstant } from '../../sim/board/time-constant.ts';
import { Rng } from '../../src/util/random.ts';
import { maxAbs, randomNet } from './netlist-kcl.ts';

const amplifiers = [undefined, { gain: 2 }, { gain: 3, backwardGain: 0.5 }];

describe('layered solver fast paths', () => {
  test('one factorisation solves many right-hand sides exactly as a solve each', () => {
    const { layout, g } = randomNet({ inputs: 4, hidden: [6, 5], outputs: 3, amplifier: { gain: 2 } }, 3, 1);
    const s = new NetworkStructure(layout, g);
    s.prepareConductances();
    const rng = new Rng(4);
    const diag = Float64Array.from({ length: s.nodes }, (_, i) => 1e-3 + 1e-4 * i);
    const once = new BlockSolver(s);
    const each = new BlockSolver(s);
    once.factor(diag, 2, 0.7);
    for (let k = 0; k < 3; k++) {
      const r = Float64Array.from({ length: s.nodes }, () => rng.range(-1e-6, 1e-6));
      const a = r.slice();
      const b = r.slice();
      once.solveFactored(a);
      each.solve(diag, b, 2, 0.7);
      assert.deepEqual(a, b);
    }
  });

  for (const amplifier of amplifiers) {
    test(`single-device updates of the cached sums match a rebuild (amplifier ${JSON.stringify(amplifier)})`, () => {
      const desc = { inputs: 5, hidden: [4, 3], outputs: 2, amplifier };
      const { layout, g, x } = randomNet(desc, 8, 2);
      const fast = new LayeredCircuit(layout, g);
      fast.solveDc(x);
      const rng = new Rng(9);
      for (let k = 0; k < 40; k++) {
        const d = rng.int(0, layout.totalDevices - 1);
        const delta = rng.range(-0.2, 0.2) * g[d];
        g[d] += delta;
        fast.conductanceChanged(d, delta);
      }
      const incremental = fast.solveDc(x);
      const rebuilt = new LayeredCircuit(layout, g.slice()).solveDc(x);
      assert.ok(incremental.converged && rebuilt.converged);
      assert.ok(maxAbs(incremental.v_V.map((v, i) => v - rebuilt.v_V[i])) < 1e-12);
      assert.throws(() => fast.conductanceChanged(layout.totalDevices, 1e-6), /index/);
    });
  }

  test('new conductances and new inputs together (one pass over the input array) match a fresh circuit', () => {
    const { layout, g, x } = randomNet({ inputs: 7, hidden: [5], outputs: 2 }, 14, 2);
    const net = new LayeredCircuit(layout, g);
    net.solveDc(x);
    const rng = new Rng(15);
    for (let d = 0; d < g.length; d++) g[d] *= rng.range(0.5, 1.5);
    net.conductancesChanged();
    const y = x.map((v) => -0.7 * v);
    const fused = net.solveDc(y);
    const fresh = new LayeredCircuit(layout, g.slice()).solveDc(y);
    assert.ok(maxAbs(fused.v_V.map((v, i) => v - fresh.v_V[i])) < 1e-12);
  });

  for (const amplifier of amplifiers) {
    test(`the zero-bias time constant equals the dense inverse iteration (amplifier ${JSON.stringify(amplifier)})`, () => {
      const desc = { inputs: 5, hidden: [6], outputs: 3, amplifier, nodeCapacitance_F: 2e-12 };
      const { layout, g } = randomNet(desc, 12, 1);
      const net = new LayeredCircuit(layout, g);
      const tau = net.slowestTimeConstant(1e-12);
      const dense = slowestTimeConstant(layout, g, 1e-12);
      assert.ok(Math.abs(tau / dense - 1) < 1e-9, `${tau} vs ${dense}`);
      const bound = net.timeConstantBound(1e-12);
      if (amplifier?.backwardGain === undefined) {
        // Reciprocal: a finite bound at least τ.
        assert.ok(bound >= tau && Number.isFinite(bound), `${bound} < ${tau}`);
      } else assert.equal(bound, Infinity);
    });
  }

  test('without node capacitance both time constants are 0', () => {
    const { layout, g } = randomNet({ inputs: 2, outputs: 1, nodeCapacitance_F: 0 }, 1, 1);
    const net = new LayeredCircuit(layout, g);
    assert.equal(net.slowestTimeConstant(1e-12), 0);
    assert.equal(net.timeConstantBound(1e-12), 0);
  });
});
