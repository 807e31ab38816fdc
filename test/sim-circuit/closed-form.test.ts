// The general solver against circuits with closed-form answers, and the KCL residual (computed
// from the element equations, not the stamps) at every solution.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { solveDc } from '../../sim/circuit/dc.ts';
import { solveTransient } from '../../sim/circuit/transient.ts';
import { kclResidual } from '../../sim/circuit/kcl.ts';
import type { Circuit, Element, ShockleyDiodeModel } from '../../sim/circuit/netlist.ts';
import type { CircuitSolution } from '../../sim/circuit/mna.ts';

// ngspice-39's constants (src/include/ngspice/const.h, CODATA 2014), which the sim matches; the
// CODATA 2018 values differ by 3.5e-7 relative, 0.15 µV at a 0.75 V junction.
const K_B = 1.38064852e-23;
const Q_E = 1.6021766208e-19;

function circuit(nodeNames: string[], elements: Element[], conductances: number[] = []): Circuit {
  return { nodeNames, elements, conductances: Float64Array.from(conductances) };
}

function assertKcl(c: Circuit, sol: CircuitSolution, tol_A = 1e-12): void {
  const r = kclResidual(c, sol);
  for (let n = 1; n < r.length; n++)
    assert.ok(Math.abs(r[n]) <= tol_A, `node ${c.nodeNames[n]}: KCL ${r[n]} A`);
}

/** Root of a monotone increasing f on [lo, hi] by bisection to the last bit. */
function bisect(f: (x: number) => number, lo: number, hi: number): number {
  for (let i = 0; i < 200; i++) {
    const mid = 0.5 * (lo + hi);
    if (mid === lo || mid === hi) break;
    if (f(mid) > 0) hi = mid;
    else lo = mid;
  }
  return 0.5 * (lo + hi);
}

test('resistive divider with a memristor: V·g1/(g1+g2) and the source current', () => {
  const c = circuit(
    ['0', 'in', 'mid'],
    [
      { kind: 'vsource', name: 'V', pos: 1, neg: 0, value_V: 3 },
      { kind: 'resistor', name: 'R1', a: 1, b: 2, g_S: 2e-3 },
      { kind: 'memristor', name: 'M', a: 2, b: 0, device: 0 },
    ],
    [5e-4],
  );
  const sol = solveDc(c);
  assert.ok(sol.converged);
  assert.ok(Math.abs(sol.v_V[2] - (3 * 2e-3) / 2.5e-3) < 1e-12);
  // SPICE convention: the source's current flows into its + terminal, so it is −V/(R1+R2).
  assert.ok(Math.abs((sol.branchCurrent_A.get('V') as number) + 3 / (500 + 2000)) < 1e-15);
  assertKcl(c, sol);
  // The conductance is read live from circuit.conductances.
  c.conductances[0] = 2e-3;
  assert.ok(Math.abs(solveDc(c).v_V[2] - 1.5) < 1e-12);
});

test('diode clamp with series resistance against the Shockley equation (GMIN included)', () => {
  const model: ShockleyDiodeModel = {
    kind: 'shockley',
    is_A: 2e-14,
    n: 1.3,
    rs_Ohm: 25,
    temp_K: 310,
    gmin_S: 1e-12,
  };
  const vte = (model.n * K_B * model.temp_K) / Q_E;
  const R = 1e3;
  for (const vs of [-2, 0.3, 0.8, 5]) {
    const c = circuit(
      ['0', 'in', 'a'],
      [
        { kind: 'vsource', name: 'V', pos: 1, neg: 0, value_V: vs },
        { kind: 'resistor', name: 'R', a: 1, b: 2, g_S: 1 / R },
        { kind: 'diode', name: 'D', anode: 2, cathode: 0, model },
      ],
    );
    const sol = solveDc(c);
    assert.ok(sol.converged, `vs = ${vs}`);
    // Independent: the junction voltage vj solves vs − vj − (R+RS)·I(vj) = 0 with ngspice's law
    // (dioload.c): I = Is(e^{vj/nVt} − 1) above −3nVt, −Is(1 + (3nVt/(vj·e))³) below; + GMIN·vj.
    const I = (vj: number) =>
      (vj >= -3 * vte
        ? model.is_A * Math.expm1(vj / vte)
        : -model.is_A * (1 + ((3 * vte) / (vj * Math.E)) ** 3)) +
      model.gmin_S * vj;
    const vj = bisect((x) => x + (R + model.rs_Ohm) * I(x) - vs, Math.min(vs, 0), Math.max(vs, 0));
    const expectA = vj + model.rs_Ohm * I(vj);
    assert.ok(
      Math.abs(sol.v_V[2] - expectA) < 1e-12 + 1e-12 * Math.abs(expectA),
      `vs = ${vs}: ${sol.v_V[2]} vs ${expectA}`,
    );
    assertKcl(c, sol);
  }
});

test('VCVS and CCCS amplifier: closed-form gains', () => {
  // in → VCVS (gain A) → out across RL; a CCCS (gain B) copies the VCVS current into node f.
  const A = 4;
  const B = 0.5;
  const c = circuit(
    ['0', 'in', 'out', 'f'],
    [
      { kind: 'vsource', name: 'V', pos: 1, neg: 0, value_V: 0.25 },
      { kind: 'vcvs', name: 'E', pos: 2, neg: 0, cpos: 1, cneg: 0, gain: A },
      { kind: 'resistor', name: 'RL', a: 2, b: 0, g_S: 1e-3 },
      { kind: 'cccs', name: 'F', from: 0, to: 3, control: 'E', gain: B },
      { kind: 'resistor', name: 'Rf', a: 3, b: 0, g_S: 2e-3 },
      { kind: 'isource', name: 'I', from: 0, to: 3, value_A: 1e-4 },
    ],
  );
  const sol = solveDc(c);
  assert.ok(sol.converged);
  assert.ok(Math.abs(sol.v_V[2] - A * 0.25) < 1e-12);
  const iE = -(A * 0.25) / 1e3; // into the + terminal: minus the load current
  assert.ok(Math.abs((sol.branchCurrent_A.get('E') as number) - iE) < 1e-15);
  assert.ok(Math.abs(sol.v_V[3] - (B * iE + 1e-4) / 2e-3) < 1e-12);
  assertKcl(c, sol);
});

test('warm start from the solution converges in zero iterations; fallbacks converge when Newton is starved', () => {
  const model: ShockleyDiodeModel = {
    kind: 'shockley',
    is_A: 1e-15,
    n: 1,
    rs_Ohm: 0,
    temp_K: 300.15,
    gmin_S: 1e-12,
  };
  const elements: Element[] = [{ kind: 'vsource', name: 'V', pos: 1, neg: 0, value_V: 20 }];
  for (let k = 1; k <= 4; k++) {
    elements.push({ kind: 'resistor', name: `R${k}`, a: k, b: k + 1, g_S: 1e-2 });
    elements.push({ kind: 'diode', name: `D${k}`, anode: k + 1, cathode: 0, model });
  }
  const c = circuit(['0', 'n1', 'n2', 'n3', 'n4', 'n5'], elements);
  const cold = solveDc(c);
  assert.ok(cold.converged && cold.strategy === 'newton' && cold.iterations > 5);
  assertKcl(c, cold);
  const warm = solveDc(c, { warmStart: cold });
  assert.equal(warm.iterations, 0);
  const starved = solveDc(c, { maxIterations: 6 });
  assert.ok(starved.converged, 'a fallback must converge');
  assert.notEqual(starved.strategy, 'newton');
  for (let n = 1; n < 6; n++) assert.ok(Math.abs(starved.v_V[n] - cold.v_V[n]) < 1e-9);
});

test('RC step response follows V(1 − exp(−t/RC)); trapezoidal error falls ~4× per halved step', () => {
  const V = 2;
  const R = 1e4;
  const C = 1e-9;
  const c = circuit(
    ['0', 'in', 'out'],
    [
      { kind: 'vsource', name: 'V', pos: 1, neg: 0, value_V: V },
      { kind: 'resistor', name: 'R', a: 1, b: 2, g_S: 1 / R },
      { kind: 'capacitor', name: 'C', a: 2, b: 0, c_F: C },
    ],
  );
  const tau = R * C;
  const worstError = (step_s: number) => {
    const tr = solveTransient(c, { stop_s: 5 * tau, step_s, initial_V: new Float64Array(3) });
    let worst = 0;
    tr.t_s.forEach((t, p) => {
      if (p > 0) worst = Math.max(worst, Math.abs(tr.v_V[p][2] - V * -Math.expm1(-t / tau)));
    });
    return { worst, tr };
  };
  const coarse = worstError(tau / 50);
  const fine = worstError(tau / 100);
  assert.ok(fine.worst < 1e-3 * V, `worst error ${fine.worst} V`);
  const ratio = coarse.worst / fine.worst;
  assert.ok(ratio > 3.5 && ratio < 4.5, `second order: error ratio ${ratio}`);
  // KCL at the last point, with the capacitor current from the exact derivative C·dv/dt.
  const last = fine.tr.t_s.length - 1;
  const iC = (C * V * Math.exp(-fine.tr.t_s[last] / tau)) / tau;
  const r = kclResidual(c, fine.tr.final, new Map([['C', iC]]));
  assert.ok(Math.abs(r[2]) < 1e-3 * iC + 1e-15, `KCL at the capacitor node: ${r[2]} A`);
});
