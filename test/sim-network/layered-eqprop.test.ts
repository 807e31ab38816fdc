import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LayeredCircuit } from '../../sim/network/layered-circuit.ts';
import type { NetworkInput, NetworkLayout } from '../../src/network/description.ts';
import { Rng } from '../../src/util/random.ts';
import { cosine, kclResidual, maxAbs, randomNet } from './netlist-kcl.ts';

const TIGHT = { tol_A: 1e-17 };

/** Loss of thesis Eq. 4.15 and its gradient in the output node voltages. */
function lossEq415(
  layout: NetworkLayout,
  v: Float64Array,
  y: number[],
): { loss: number; dLdv: Float64Array } {
  const dLdv = new Float64Array(layout.floatingNodes);
  let loss = 0;
  y.forEach((yk, k) => {
    const plus = layout.outputOffset + 2 * k;
    const err = v[plus] - v[plus + 1] - yk;
    loss += 0.5 * err * err;
    dLdv[plus] = err;
    dLdv[plus + 1] = -err;
  });
  return { loss, dLdv };
}

/** Nudging currents of Eq. 4.16: I = −β·∂C/∂V at the free solution, into the output nodes. */
function nudgeEq416(layout: NetworkLayout, dLdv: Float64Array, beta_S: number): Float64Array {
  return Float64Array.from({ length: layout.outputNodes }, (_, k) => -beta_S * dLdv[layout.outputOffset + k]);
}

function setup(desc: NetworkInput, seed: number, scale: number) {
  const net = randomNet(desc, seed, scale);
  const circuit = new LayeredCircuit(net.layout, net.g);
  const free = circuit.solveDc(net.x, TIGHT);
  assert.ok(free.converged);
  const y = Array.from({ length: net.layout.desc.outputs }, (_, k) => (k === 1 ? 1 : 0));
  return { ...net, circuit, free, y, ...lossEq415(net.layout, free.v_V, y) };
}

/** EqProp estimates of dL/dg from drops in the phases ±β (thesis Eq. 4.13, Eq. 2.9 / 2.10). */
function eqprop(s: ReturnType<typeof setup>, beta_S: number) {
  const drops = (nudge?: Float64Array) => {
    const sol = nudge
      ? s.circuit.solveDc(s.x, { ...TIGHT, nudge_A: nudge, warmStart_V: s.free.v_V })
      : s.free;
    assert.ok(sol.converged);
    return s.circuit.deviceVoltageDrops(s.x, sol.v_V);
  };
  const d0 = drops();
  const dp = drops(nudgeEq416(s.layout, s.dLdv, beta_S));
  const dm = drops(nudgeEq416(s.layout, s.dLdv, -beta_S));
  const oneSided = d0.map((v0, i) => (dp[i] * dp[i] - v0 * v0) / (2 * beta_S));
  const centered = d0.map((_, i) => (dp[i] * dp[i] - dm[i] * dm[i]) / (4 * beta_S));
  return { oneSided, centered };
}

function errorNorm(a: Float64Array, b: Float64Array): number {
  let e = 0;
  for (let i = 0; i < a.length; i++) e += (a[i] - b[i]) ** 2;
  return Math.sqrt(e);
}

describe('LayeredCircuit energy, gradient and EqProp', () => {
  for (const amplifier of [undefined, { gain: 2 }]) {
    test(`co-content: gradient is the KCL residual, the DC solution its minimum (amplifier ${JSON.stringify(amplifier)})`, () => {
      const s = setup({ inputs: 6, hidden: [5], outputs: 2, amplifier }, 4, 3);
      const nudge = Float64Array.of(2e-6, -1e-6, 0, 1e-6);
      const sol = s.circuit.solveDc(s.x, { ...TIGHT, nudge_A: nudge });
      const { circuit, floatingNode } = s.circuit.toCircuit(s.x, nudge);
      const rng = new Rng(8);
      const e = (v: Float64Array) => s.circuit.coContent(s.x, v, nudge);
      const fdGrad = (v: Float64Array) =>
        v.map((_, i) => {
          const h = 1e-5;
          const p = Float64Array.from(v);
          const m = Float64Array.from(v);
          p[i] += h;
          m[i] -= h;
          return (e(p) - e(m)) / (2 * h);
        });
      // Away from the solution ∂E/∂V equals the (independently computed) current leaving each node.
      const off = sol.v_V.map((v) => v + rng.range(-0.05, 0.05));
      const kcl = kclResidual(circuit, floatingNode, off);
      const grad = fdGrad(off);
      assert.ok(maxAbs(grad.map((gi, i) => gi - kcl[i])) <= 1e-6 * maxAbs(kcl));
      // Stationary at the solution...
      assert.ok(maxAbs(fdGrad(sol.v_V)) <= 1e-8 * maxAbs(kcl));
      // ...and a minimum along random directions.
      const e0 = e(sol.v_V);
      for (let trial = 0; trial < 10; trial++) {
        const dir = sol.v_V.map(() => rng.range(-1, 1));
        for (const t of [1e-3, -1e-3, 0.1]) assert.ok(e(sol.v_V.map((v, i) => v + t * dir[i])) > e0);
      }
    });
  }

  test('co-content is refused for a non-reciprocal amplifier', () => {
    const s = setup({ inputs: 3, hidden: [2], outputs: 1, amplifier: { gain: 2, backwardGain: 1 } }, 1, 1);
    assert.throws(() => s.circuit.coContent(s.x, s.free.v_V), /backwardGain/);
  });

  for (const amplifier of [undefined, { gain: 2 }, { gain: 2, backwardGain: 0.7 }]) {
    test(`exact gradient (adjoint) equals finite differences of the loss (amplifier ${JSON.stringify(amplifier)})`, () => {
      const s = setup({ inputs: 5, hidden: [4, 3], outputs: 2, amplifier }, 6, 4);
      const grad = s.circuit.exactGradient(s.x, s.free.v_V, s.dLdv);
      const rng = new Rng(3);
      const devices = [
        0,
        1,
        s.layout.deviceOffsets[1] + 2,
        s.layout.deviceOffsets[2] + 1,
        s.layout.totalDevices - 1,
      ];
      for (let k = 0; k < 6; k++) devices.push(rng.int(0, s.layout.totalDevices - 1));
      for (const d of devices) {
        const g0 = s.g[d];
        const h = 1e-4 * g0;
        const lossAt = (gd: number) => {
          s.g[d] = gd;
          s.circuit.conductancesChanged();
          const sol = s.circuit.solveDc(s.x, { ...TIGHT, warmStart_V: s.free.v_V });
          return lossEq415(s.layout, sol.v_V, s.y).loss;
        };
        const fd = (lossAt(g0 + h) - lossAt(g0 - h)) / (2 * h);
        s.g[d] = g0;
        s.circuit.conductancesChanged();
        assert.ok(Math.abs(fd - grad[d]) <= 1e-5 * maxAbs(grad), `device ${d}: adjoint ${grad[d]} fd ${fd}`);
      }
    });
  }

  for (const amplifier of [undefined, { gain: 2 }]) {
    test(`EqProp theorem (thesis Thm 4.2): estimates converge to the exact gradient (amplifier ${JSON.stringify(amplifier)})`, (t) => {
      const s = setup({ inputs: 6, hidden: [5], outputs: 2, amplifier }, 12, 30);
      const exact = s.circuit.exactGradient(s.x, s.free.v_V, s.dLdv);
      const beta = 1e-5;
      const e1 = eqprop(s, beta);
      const e2 = eqprop(s, beta / 2);
      const c = cosine(e2.centered, exact);
      t.diagnostic(`cosine(centered, exact) = ${c}`);
      assert.ok(c >= 0.9999, `cosine ${c}`);
      const oneSidedRatio = errorNorm(e1.oneSided, exact) / errorNorm(e2.oneSided, exact);
      const centeredRatio = errorNorm(e1.centered, exact) / errorNorm(e2.centered, exact);
      t.diagnostic(`error ratio for β → β/2: one-sided ${oneSidedRatio}, centered ${centeredRatio}`);
      assert.ok(Math.abs(oneSidedRatio - 2) < 0.2, `one-sided ratio ${oneSidedRatio}`);
      assert.ok(Math.abs(centeredRatio - 4) < 0.4, `centered ratio ${centeredRatio}`);
    });
  }

  test('EqProp with a non-reciprocal amplifier (vector field): alignment reported', (t) => {
    const s = setup({ inputs: 6, hidden: [5], outputs: 2, amplifier: { gain: 2, backwardGain: 1 } }, 12, 30);
    const exact = s.circuit.exactGradient(s.x, s.free.v_V, s.dLdv);
    const est = eqprop(s, 1e-7).centered;
    const c = cosine(est, exact);
    t.diagnostic(`non-reciprocal (gain 2, backwardGain 1): cosine(EqProp centered, exact) = ${c}`);
    assert.ok(Number.isFinite(c));
  });
});
