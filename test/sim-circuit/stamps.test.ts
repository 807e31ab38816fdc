// MNA stamps against the element equations: the companion system is exact at its linearisation
// point and its matrix is the Jacobian of the residual (finite differences); the residual at the
// circuit nodes equals the independent KCL sum; element I–V curves; the dense LU.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DC_CONTEXT, MnaSystem } from '../../sim/circuit/mna.ts';
import { DenseLu } from '../../sim/circuit/dense-lu.ts';
import { solveDc } from '../../sim/circuit/dc.ts';
import { kclResidual } from '../../sim/circuit/kcl.ts';
import type { Circuit, DiodeModel } from '../../sim/circuit/netlist.ts';
import { Rng } from '../../src/util/random.ts';
import { randomCircuit } from '../sim-spice/random-circuits.ts';

const VT_300_15 = (1.38064852e-23 * 300.15) / 1.6021766208e-19;

test('companion system is exact at the linearisation point and its matrix is the Jacobian', () => {
  for (const seed of [1, 2, 3]) {
    const c = randomCircuit(seed, { nodes: 7, idealDiode: true });
    const sys = new MnaSystem(c);
    const rng = new Rng(seed);
    const x = Float64Array.from({ length: sys.size }, () => rng.range(-0.6, 0.6));
    sys.linearizeAt(x);
    sys.stamp(DC_CONTEXT);
    const A = Float64Array.from(sys.lu.a);
    const n = sys.size;
    const r = new Float64Array(n);
    const mag = new Float64Array(n);
    sys.residual(x, DC_CONTEXT, r, mag);
    for (let i = 0; i < n; i++) {
      let ax = -sys.rhs[i];
      for (let j = 0; j < n; j++) ax += A[i * n + j] * x[j];
      assert.ok(
        Math.abs(ax - r[i]) <= 1e-12 * (1 + mag[i]),
        `seed ${seed} row ${i}: A·x − b = ${ax}, F(x) = ${r[i]}`,
      );
    }
    // Central differences of F along each unknown (ideal diodes kept away from their kink).
    const rp = new Float64Array(n);
    const rm = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      const h = 1e-7;
      const xp = Float64Array.from(x);
      const xm = Float64Array.from(x);
      xp[j] += h;
      xm[j] -= h;
      sys.residual(xp, DC_CONTEXT, rp, mag);
      sys.residual(xm, DC_CONTEXT, rm, mag);
      for (let i = 0; i < n; i++) {
        const fd = (rp[i] - rm[i]) / (2 * h);
        const a = A[i * n + j];
        assert.ok(
          Math.abs(fd - a) <= 1e-5 * Math.abs(a) + 1e-9,
          `seed ${seed}: J[${i}][${j}] = ${a}, finite difference ${fd}`,
        );
      }
    }
  }
});

test('residual at the circuit nodes equals the independent KCL sum', () => {
  const c = randomCircuit(11, { nodes: 9 });
  const sys = new MnaSystem(c);
  const rng = new Rng(11);
  const v_V = Float64Array.from({ length: c.nodeNames.length }, (_, i) => (i === 0 ? 0 : rng.range(-1, 1)));
  const branchCurrent_A = new Map(
    c.elements.flatMap((e) =>
      e.kind === 'vsource' || e.kind === 'vcvs' ? [[e.name, rng.range(-1e-3, 1e-3)]] : [],
    ),
  );
  const x = new Float64Array(sys.size);
  sys.fromSolution({ v_V, branchCurrent_A }, x);
  const r = new Float64Array(sys.size);
  const mag = new Float64Array(sys.size);
  sys.residual(x, DC_CONTEXT, r, mag);
  const kcl = kclResidual(c, { v_V, branchCurrent_A });
  for (let node = 1; node < c.nodeNames.length; node++) {
    assert.ok(
      Math.abs(r[node - 1] - kcl[node]) <= 1e-13 + 1e-10 * mag[node - 1],
      `node ${node}: ${r[node - 1]} vs ${kcl[node]}`,
    );
  }
});

function sweepDiode(model: DiodeModel, volts: number[]): number[] {
  return volts.map((v) => {
    const c: Circuit = {
      nodeNames: ['0', 'a'],
      elements: [
        { kind: 'vsource', name: 'V', pos: 1, neg: 0, value_V: v },
        { kind: 'diode', name: 'D', anode: 1, cathode: 0, model },
      ],
      conductances: new Float64Array(0),
    };
    // Currents down to 1e-14 A: tighten the (absolute) KCL tolerance from its 1e-12 A default.
    const sol = solveDc(c, { tol_A: 1e-20 });
    assert.ok(sol.converged);
    return -(sol.branchCurrent_A.get('V') as number); // the source's current flows into its + terminal
  });
}

test('diode I–V: Shockley (with GMIN) and the piecewise-linear ideal diode', () => {
  const model = { kind: 'shockley' as const, is_A: 1e-14, n: 1.2, rs_Ohm: 0, temp_K: 300.15, gmin_S: 1e-12 };
  const volts = [-0.05, 0, 0.2, 0.5, 0.7];
  sweepDiode(model, volts).forEach((i, k) => {
    const expected = model.is_A * Math.expm1(volts[k] / (model.n * VT_300_15)) + model.gmin_S * volts[k];
    assert.ok(
      Math.abs(i - expected) <= 1e-12 * Math.abs(expected) + 1e-24,
      `${volts[k]} V: ${i} vs ${expected}`,
    );
  });
  const ideal = { kind: 'ideal' as const, ron_Ohm: 50, off_S: 1e-9 };
  const iv = sweepDiode(ideal, [-1, 0.5]);
  assert.ok(Math.abs(iv[0] + 1e-9) < 1e-20);
  assert.ok(Math.abs(iv[1] - 0.01) < 1e-15);
});

test('dense LU solves a random system and reports a singular one', () => {
  const rng = new Rng(5);
  const n = 12;
  const lu = new DenseLu(n);
  const x = Float64Array.from({ length: n }, () => rng.range(-1, 1));
  for (let i = 0; i < n * n; i++) lu.a[i] = rng.range(-1, 1);
  const b = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) b[i] += lu.a[i * n + j] * x[j];
  assert.ok(lu.factor());
  const got = new Float64Array(n);
  lu.solve(b, got);
  got.forEach((v, i) => assert.ok(Math.abs(v - x[i]) < 1e-12));
  const sing = new DenseLu(2);
  sing.a.set([1, 2, 2, 4]);
  assert.equal(sing.factor(), false);
});

test('invalid circuits are rejected with the element and field named', () => {
  const bad: Circuit = {
    nodeNames: ['0', 'a'],
    elements: [{ kind: 'cccs', name: 'F1', from: 0, to: 1, control: 'Vmissing', gain: 1 }],
    conductances: new Float64Array(0),
  };
  assert.throws(() => new MnaSystem(bad), /F1.*control 'Vmissing'/);
  bad.elements = [{ kind: 'resistor', name: 'R9', a: 0, b: 3, g_S: 1 }];
  assert.throws(() => new MnaSystem(bad), /R9.*b = 3/);
});
