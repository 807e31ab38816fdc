import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  diodeBranch,
  diodeModelFromDescription,
  diodePseudoPower,
  junctionCurrent,
  thermalVoltage,
} from '../../sim/circuit/diode.ts';
import type { ShockleyDiodeModel } from '../../sim/circuit/netlist.ts';

const shockley = (over: Partial<ShockleyDiodeModel> = {}): ShockleyDiodeModel => ({
  kind: 'shockley',
  is_A: 1e-14,
  n: 1,
  rs_Ohm: 0,
  temp_K: 300.15,
  gmin_S: 1e-12,
  ...over,
});

describe('diode', () => {
  test('thermal voltage is k·T/q with CODATA 2014 constants (ngspice const.h)', () => {
    assert.ok(Math.abs(thermalVoltage(300.15) - 0.025864917007) < 1e-12);
    assert.ok(Math.abs(thermalVoltage(600.3) / thermalVoltage(300.15) - 2) < 1e-15);
  });

  test('forward current is Shockley Is·(exp(V/(n·Vt)) − 1) + GMIN·V', () => {
    for (const n of [1, 1.7]) {
      const m = shockley({ n, is_A: 2e-13 });
      const vte = n * ((1.38064852e-23 * 300.15) / 1.6021766208e-19);
      for (const v of [-0.05, 0, 0.1, 0.4, 0.7, 0.9]) {
        const expected = 2e-13 * Math.expm1(v / vte) + 1e-12 * v;
        const got = junctionCurrent(m, v).i_A;
        assert.ok(
          Math.abs(got - expected) <= 1e-12 * Math.abs(expected) + 1e-30,
          `n=${n} v=${v}: ${got} vs ${expected}`,
        );
      }
    }
  });

  test('reverse bias below −3·n·Vt follows the cubic −Is·(1 + (3nVt/(V·e))³), continuous at the knee', () => {
    const m = shockley({ n: 1.5, is_A: 1e-12, gmin_S: 0 });
    const vte = 1.5 * thermalVoltage(300.15);
    for (const v of [-0.2, -1, -10]) {
      const expected = -1e-12 * (1 + Math.pow((3 * vte) / (v * Math.E), 3));
      assert.ok(Math.abs(junctionCurrent(m, v).i_A - expected) < 1e-25);
    }
    const knee = -3 * vte;
    const left = junctionCurrent(m, knee * (1 + 1e-12));
    const right = junctionCurrent(m, knee * (1 - 1e-12));
    assert.ok(Math.abs(left.i_A - right.i_A) < 1e-24);
    assert.ok(Math.abs(left.g_S - right.g_S) / right.g_S < 1e-9);
    // ngspice-39 `.op` of a diode (IS=1e-12 N=1.5) at −0.2 V and −0.07 V, GMIN 1e-12:
    const withGmin = shockley({ n: 1.5, is_A: 1e-12 });
    assert.ok(Math.abs(diodeBranch(withGmin, -0.2).i_A - -1.19018709992807e-12) < 1e-25);
    assert.ok(Math.abs(diodeBranch(withGmin, -0.07).i_A - -9.05401442292394e-13) < 1e-25);
  });

  test('conductance equals the finite-difference derivative of the current', () => {
    for (const m of [shockley(), shockley({ n: 1.3, rs_Ohm: 50 }), shockley({ rs_Ohm: 5e3, n: 2 })]) {
      for (const v of [-1, -0.2, -0.05, 0, 0.3, 0.6, 0.8, 1.5]) {
        const h = 1e-7;
        const fd = (diodeBranch(m, v + h).i_A - diodeBranch(m, v - h).i_A) / (2 * h);
        const g = diodeBranch(m, v).g_S;
        assert.ok(Math.abs(fd - g) <= 1e-5 * Math.abs(g) + 1e-15, `rs=${m.rs_Ohm} v=${v}: g ${g} fd ${fd}`);
      }
    }
  });

  test('series resistance: the junction voltage vj = V − I·RS carries exactly I', () => {
    const m = shockley({ rs_Ohm: 100, n: 1.2 });
    for (const v of [-2, -0.3, 0.2, 0.65, 0.8, 1.2, 3]) {
      const { i_A } = diodeBranch(m, v);
      const vj = v - i_A * 100;
      const junction = junctionCurrent(m, vj).i_A;
      assert.ok(Math.abs(junction - i_A) <= 1e-12 * Math.abs(i_A) + 1e-20, `v=${v}: ${junction} vs ${i_A}`);
    }
    // Far forward the branch tends to a resistor: dI/dV → 1/RS.
    assert.ok(Math.abs(diodeBranch(m, 5).g_S * 100 - 1) < 0.01);
    // ngspice-39 `.op`: IS=1e-14 N=1.5 RS=20 at 0.9 V → 1.120561253901697e-4 A.
    const spice = shockley({ n: 1.5, rs_Ohm: 20 });
    assert.ok(Math.abs(diodeBranch(spice, 0.9).i_A - 1.120561253901697e-4) < 1e-14);
  });

  test('ideal diode is piecewise linear: 1/ron forward, off_S reverse', () => {
    const m = { kind: 'ideal' as const, ron_Ohm: 10, off_S: 1e-9 };
    assert.deepEqual(diodeBranch(m, 0.5), { i_A: 0.05, g_S: 0.1 });
    assert.deepEqual(diodeBranch(m, -2), { i_A: -2e-9, g_S: 1e-9 });
    assert.equal(diodeBranch(m, 0).i_A, 0);
  });

  test('pseudo-power is the integral of the current (its derivative is I)', () => {
    for (const m of [
      shockley(),
      shockley({ rs_Ohm: 30 }),
      { kind: 'ideal' as const, ron_Ohm: 2, off_S: 1e-6 },
    ]) {
      assert.equal(diodePseudoPower(m, 0), 0);
      for (const v of [-0.8, -0.1, 0.2, 0.55, 0.75]) {
        const h = 1e-5;
        const fd = (diodePseudoPower(m, v + h) - diodePseudoPower(m, v - h)) / (2 * h);
        const i = diodeBranch(m, v).i_A;
        assert.ok(Math.abs(fd - i) <= 1e-6 * Math.abs(i) + 1e-16, `${m.kind} v=${v}: ${fd} vs ${i}`);
      }
    }
  });

  test('model from a network description: ngspice defaults for temperature and GMIN', () => {
    const m = diodeModelFromDescription({
      model: 'shockley',
      is_A: 1e-15,
      n: 1.1,
      rs_Ohm: 3,
      ron_Ohm: 1,
      bias_V: { low: -1, high: 1 },
    });
    assert.deepEqual(m, { kind: 'shockley', is_A: 1e-15, n: 1.1, rs_Ohm: 3, temp_K: 300.15, gmin_S: 1e-12 });
    const ideal = diodeModelFromDescription({
      model: 'ideal',
      is_A: 1e-15,
      n: 1,
      rs_Ohm: 0,
      ron_Ohm: 7,
      bias_V: { low: -1, high: 1 },
    });
    assert.equal(ideal.kind, 'ideal');
    assert.equal(ideal.kind === 'ideal' && ideal.ron_Ohm, 7);
  });
});
