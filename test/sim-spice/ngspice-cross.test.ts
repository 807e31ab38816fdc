// Cross-validation of the general solver against ngspice, an independent simulator: random
// circuits (diodes with RS, an ideal diode, VCVS and CCCS amplifiers, sources) at DC within 1 µV
// per node, transient waveforms within 0.1 % of the swing, and the layered network of thesis §4.4
// (with and without amplifiers) — ngspice vs the general solver vs LayeredCircuit.solveDc.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { solveDc } from '../../sim/circuit/dc.ts';
import { solveTransient } from '../../sim/circuit/transient.ts';
import { kclResidual } from '../../sim/circuit/kcl.ts';
import { simulateWithNgspice } from '../../sim/spice/ngspice.ts';
import { LayeredCircuit } from '../../sim/network/layered-circuit.ts';
import { layoutNetwork } from '../../src/network/description.ts';
import type { NetworkInput } from '../../src/network/description.ts';
import { Rng } from '../../src/util/random.ts';
import { randomCircuit } from './random-circuits.ts';

const DC_TOL_V = 1e-6;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Linear interpolation of samples (t, y) at time tq. */
function interpolate(t: Float64Array, y: ArrayLike<number>, tq: number): number {
  let lo = 0;
  let hi = t.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (t[mid] <= tq) lo = mid;
    else hi = mid;
  }
  if (t[hi] === t[lo]) return y[hi];
  const w = (tq - t[lo]) / (t[hi] - t[lo]);
  return y[lo] + w * (y[hi] - y[lo]);
}

test('random circuits with diodes, VCVS and CCCS: every node within 1 µV of ngspice at DC', async () => {
  const seeds = Array.from({ length: 16 }, (_, i) => 100 + i);
  const circuits = seeds.map((s) => randomCircuit(s, { nodes: 6 + (s % 9), idealDiode: s % 2 === 0 }));
  const spice = await Promise.all(circuits.map((c) => simulateWithNgspice(c, { kind: 'op' })));
  circuits.forEach((c, i) => {
    const sim = solveDc(c);
    assert.ok(sim.converged, `seed ${seeds[i]}: sim did not converge`);
    const dv = maxAbsDiff(sim.v_V, spice[i].v_V[0]);
    assert.ok(dv <= DC_TOL_V, `seed ${seeds[i]}: max |ΔV| = ${dv} V vs ngspice`);
    const kcl = kclResidual(c, sim);
    for (let n = 1; n < kcl.length; n++)
      assert.ok(Math.abs(kcl[n]) <= 1e-11, `seed ${seeds[i]} node ${n}: KCL ${kcl[n]} A`);
  });
});

test('random RC networks with diodes and amplifiers: transient within 0.1 % of the swing of ngspice', async () => {
  const stop_s = 3e-7;
  // Fine enough to resolve the diodes switching on (sub-ns); trapezoidal error is second order.
  const step_s = 2.5e-11;
  const seeds = [7, 8, 9];
  const circuits = seeds.map((s) => randomCircuit(s, { nodes: 6, capacitors: true }));
  const initial = (c: (typeof circuits)[number]) => new Float64Array(c.nodeNames.length);
  const spice = await Promise.all(
    circuits.map((c) => simulateWithNgspice(c, { kind: 'tran', step_s, stop_s, initial_V: initial(c) })),
  );
  circuits.forEach((c, i) => {
    const sim = solveTransient(c, { stop_s, step_s, initial_V: initial(c) });
    const t = spice[i].axis as Float64Array;
    for (let n = 1; n < c.nodeNames.length; n++) {
      const ref = spice[i].v_V.map((row) => row[n]);
      const swing = Math.max(...ref) - Math.min(...ref);
      if (swing < 1e-6) continue;
      let worst = 0;
      // ngspice's first output point with `uic` is its first step (≈ 1 ps), not t = 0, where the
      // initial state is not yet consistent; compare from there on.
      for (let p = 1; p < sim.t_s.length; p++) {
        if (sim.t_s[p] < t[0]) continue;
        worst = Math.max(worst, Math.abs(sim.v_V[p][n] - interpolate(t, ref, sim.t_s[p])));
      }
      assert.ok(worst <= 1e-3 * swing, `seed ${seeds[i]} node ${n}: worst ${worst} V, swing ${swing} V`);
    }
  });
});

function layered(input: NetworkInput, seed: number) {
  const layout = layoutNetwork(input);
  const rng = new Rng(seed);
  const g = Float64Array.from({ length: layout.totalDevices }, () => rng.range(1e-6, 1e-4));
  const net = new LayeredCircuit(layout, g);
  const x = Array.from({ length: layout.desc.inputs }, () => rng.range(-4, 4));
  const inputs = new Float64Array(layout.inputLines);
  for (let i = 0; i < x.length; i++) {
    inputs[i] = x[i];
    inputs[x.length + i] = -x[i];
  }
  const nudge = Float64Array.from({ length: layout.outputNodes }, () => rng.range(-2e-6, 2e-6));
  return { net, inputs, nudge };
}

test('layered network: ngspice, the general solver and LayeredCircuit.solveDc agree within 1 µV', async () => {
  const cases: { label: string; input: NetworkInput }[] = [
    { label: 'no amplifier', input: { inputs: 4, hidden: [5, 3], outputs: 2, diode: { rs_Ohm: 50 } } },
    {
      label: 'amplifier gain 4 (reciprocal)',
      input: { inputs: 3, hidden: [6], outputs: 2, amplifier: { gain: 4 } },
    },
    {
      label: 'amplifier 2 / backward 0.5',
      input: { inputs: 3, hidden: [4, 4], outputs: 3, amplifier: { gain: 2, backwardGain: 0.5 } },
    },
    {
      label: 'ideal diodes',
      input: { inputs: 3, hidden: [5], outputs: 2, diode: { model: 'ideal', ron_Ohm: 100 } },
    },
  ];
  const built = cases.map((c, i) => ({ ...c, ...layered(c.input, 40 + i) }));
  const circuits = built.map((b) => b.net.toCircuit(b.inputs, b.nudge));
  const spice = await Promise.all(
    circuits.map(({ circuit }) => simulateWithNgspice(circuit, { kind: 'op' })),
  );
  built.forEach((b, i) => {
    const { circuit, floatingNode } = circuits[i];
    const general = solveDc(circuit);
    assert.ok(general.converged, `${b.label}: general solver did not converge`);
    const fast = b.net.solveDc(b.inputs, { nudge_A: b.nudge });
    assert.ok(fast.converged, `${b.label}: LayeredCircuit did not converge`);
    assert.ok(maxAbsDiff(general.v_V, spice[i].v_V[0]) <= DC_TOL_V, `${b.label}: general vs ngspice`);
    const spiceFloating = Array.from(floatingNode, (n) => spice[i].v_V[0][n]);
    const generalFloating = Array.from(floatingNode, (n) => general.v_V[n]);
    assert.ok(maxAbsDiff(fast.v_V, spiceFloating) <= DC_TOL_V, `${b.label}: LayeredCircuit vs ngspice`);
    assert.ok(maxAbsDiff(fast.v_V, generalFloating) <= DC_TOL_V, `${b.label}: LayeredCircuit vs general`);
  });
});

test('dc-table sweep: one ngspice DC sweep over many input vectors matches per-vector solves', async () => {
  const { net, inputs } = layered({ inputs: 4, hidden: [6], outputs: 2, amplifier: { gain: 2 } }, 77);
  const rng = new Rng(78);
  const vectors = Array.from({ length: 12 }, (_, p) =>
    inputs.map((v) => v * rng.range(0.2, 1.5) * (p % 2 ? -1 : 1)),
  );
  const { circuit, floatingNode } = net.toCircuit(vectors[0]);
  const table = new Map<string, Float64Array>();
  circuit.elements.forEach((e) => {
    if (e.kind === 'vsource' && e.name.startsWith('Vin')) {
      const line = Number(e.name.slice(3));
      table.set(
        e.name,
        Float64Array.from(vectors, (v) => v[line]),
      );
    }
  });
  assert.equal(table.size, inputs.length);
  const spice = await simulateWithNgspice(circuit, { kind: 'dc-table', table });
  assert.equal(spice.v_V.length, vectors.length);
  let warm: Float64Array | undefined;
  vectors.forEach((v, p) => {
    const sol = net.solveDc(v, { warmStart_V: warm });
    assert.ok(sol.converged);
    warm = sol.v_V;
    const ref = Array.from(floatingNode, (n) => spice.v_V[p][n]);
    assert.ok(maxAbsDiff(sol.v_V, ref) <= DC_TOL_V, `vector ${p}: ${maxAbsDiff(sol.v_V, ref)} V`);
  });
});
