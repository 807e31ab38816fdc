// Diode branch equations matching ngspice-39's diode (src/spicelib/devices/dio/dioload.c) for the
// parameters nudged uses (IS, N, RS; no breakdown, no knee currents, no junction capacitance), and
// the piecewise-linear ideal diode. Pure functions: they write into a caller-owned `DiodeEval` so
// the solvers' inner loops allocate nothing.
import type { DiodeModel, IdealDiodeModel, ShockleyDiodeModel } from './netlist.ts';
import type { NetworkDescription } from '../../src/network/description.ts';

/** ngspice const.h (CODATA 2014 values, as compiled into ngspice-39). */
export const ELEMENTARY_CHARGE_C = 1.6021766208e-19;
export const BOLTZMANN_J_PER_K = 1.38064852e-23;
/** ngspice's default circuit temperature and TNOM (27 °C). */
export const NGSPICE_DEFAULT_TEMP_K = 300.15;
/** ngspice's default GMIN, placed in parallel with every junction. */
export const NGSPICE_GMIN_S = 1e-12;
/** Reverse conductance of the ideal diode built from a network description (same leak as GMIN). */
export const IDEAL_DIODE_OFF_S = 1e-12;

export interface DiodeEval {
  /** Current from anode to cathode through the branch, A. */
  i_A: number;
  /** dI/dV of the branch, S. */
  g_S: number;
}

export function newDiodeEval(): DiodeEval {
  return { i_A: 0, g_S: 0 };
}

/** Vt = k·T/q (ngspice: CONSTKoverQ · T). */
export function thermalVoltage(temp_K: number): number {
  return (BOLTZMANN_J_PER_K / ELEMENTARY_CHARGE_C) * temp_K;
}

/** Junction current and conductance at junction voltage `vj_V` (anode minus internal cathode side),
 * GMIN included, exactly as dioload.c: Shockley forward for vj ≥ −3·n·Vt, otherwise the cubic
 * reverse approximation −Is·(1 + (3·n·Vt/(vj·e))³). */
export function junctionCurrent(
  model: ShockleyDiodeModel,
  vj_V: number,
  out: DiodeEval = newDiodeEval(),
): DiodeEval {
  const vte = model.n * thermalVoltage(model.temp_K);
  let i: number;
  let g: number;
  if (vj_V >= -3 * vte) {
    const evd = Math.exp(vj_V / vte);
    i = model.is_A * (evd - 1);
    g = (model.is_A * evd) / vte;
  } else {
    let arg = (3 * vte) / (vj_V * Math.E);
    arg = arg * arg * arg;
    i = -model.is_A * (1 + arg);
    g = (model.is_A * 3 * arg) / vj_V;
  }
  out.i_A = i + model.gmin_S * vj_V;
  out.g_S = g + model.gmin_S;
  return out;
}

/** Junction voltage at which the junction carries current i_A (inverse of the forward Shockley
 * branch, ignoring GMIN); used as the Newton start for the series-resistance solve. */
function forwardJunctionVoltage(model: ShockleyDiodeModel, i_A: number): number {
  return model.n * thermalVoltage(model.temp_K) * Math.log1p(i_A / model.is_A);
}

const scratch = newDiodeEval();

/** Terminal current and dI/dV of a Shockley diode with series resistance RS at terminal voltage
 * v_V: solves v = vj + RS·I(vj) for vj by safeguarded Newton (the residual is monotone in vj and
 * vj lies between 0 and v), then dI/dV = gj / (1 + RS·gj). */
export function shockleyBranch(
  model: ShockleyDiodeModel,
  v_V: number,
  out: DiodeEval = newDiodeEval(),
): DiodeEval {
  if (model.rs_Ohm === 0) return junctionCurrent(model, v_V, out);
  const rs = model.rs_Ohm;
  let lo = Math.min(0, v_V);
  let hi = Math.max(0, v_V);
  // Start: forward, the current is at most v/RS, so vj ≈ the junction voltage of that current;
  // reverse, the junction takes nearly all of v.
  let vj = v_V > 0 ? Math.min(v_V, forwardJunctionVoltage(model, v_V / rs)) : v_V;
  for (let k = 0; k < 200; k++) {
    junctionCurrent(model, vj, scratch);
    const f = vj + rs * scratch.i_A - v_V;
    if (f > 0) hi = vj;
    else lo = vj;
    const step = f / (1 + rs * scratch.g_S);
    let next = vj - step;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (Math.abs(next - vj) <= 1e-15 * (1 + Math.abs(vj)) || hi - lo <= 1e-15 * (1 + Math.abs(vj))) {
      vj = next;
      break;
    }
    vj = next;
  }
  // The junction current, not (v - vj)/RS: the latter cancels catastrophically in reverse bias.
  junctionCurrent(model, vj, scratch);
  out.i_A = scratch.i_A;
  out.g_S = scratch.g_S / (1 + rs * scratch.g_S);
  return out;
}

/** Ideal diode: conductance 1/ron forward (v > 0), off_S reverse; continuous at 0. */
export function idealBranch(model: IdealDiodeModel, v_V: number, out: DiodeEval = newDiodeEval()): DiodeEval {
  const g = v_V > 0 ? 1 / model.ron_Ohm : model.off_S;
  out.i_A = g * v_V;
  out.g_S = g;
  return out;
}

/** Terminal current (anode → cathode) and dI/dV of either diode model at terminal voltage v_V. */
export function diodeBranch(model: DiodeModel, v_V: number, out: DiodeEval = newDiodeEval()): DiodeEval {
  return model.kind === 'ideal' ? idealBranch(model, v_V, out) : shockleyBranch(model, v_V, out);
}

/** Pseudo-power p(v) = ∫₀^v I(u) du of a diode branch (thesis Eq. 4.6), the diode's term in the
 * co-content. Ideal: closed form. Shockley: Gauss–Legendre quadrature of the terminal current on
 * pieces small enough for the exponential. */
export function diodePseudoPower(model: DiodeModel, v_V: number): number {
  if (model.kind === 'ideal') {
    const g = v_V > 0 ? 1 / model.ron_Ohm : model.off_S;
    return 0.5 * g * v_V * v_V;
  }
  const vte = model.n * thermalVoltage(model.temp_K);
  const pieces = Math.max(1, Math.ceil(Math.abs(v_V) / vte));
  const h = v_V / pieces;
  let sum = 0;
  for (let p = 0; p < pieces; p++) {
    const mid = (p + 0.5) * h;
    for (let q = 0; q < GAUSS_NODES.length; q++) {
      sum += GAUSS_WEIGHTS[q] * shockleyBranch(model, mid + 0.5 * h * GAUSS_NODES[q], scratchP).i_A;
    }
  }
  return 0.5 * h * sum;
}

const scratchP = newDiodeEval();
// 5-point Gauss–Legendre rule on [-1, 1].
const GAUSS_NODES = [-0.906179845938664, -0.5384693101056831, 0, 0.5384693101056831, 0.906179845938664];
const GAUSS_WEIGHTS = [
  0.2369268850561891, 0.4786286704993665, 0.5688888888888889, 0.4786286704993665, 0.2369268850561891,
];

/** The diode model of a network description's neurons (`desc.diode`). */
export function diodeModelFromDescription(diode: NetworkDescription['diode']): DiodeModel {
  if (diode.model === 'ideal') return { kind: 'ideal', ron_Ohm: diode.ron_Ohm, off_S: IDEAL_DIODE_OFF_S };
  return {
    kind: 'shockley',
    is_A: diode.is_A,
    n: diode.n,
    rs_Ohm: diode.rs_Ohm,
    temp_K: NGSPICE_DEFAULT_TEMP_K,
    gmin_S: NGSPICE_GMIN_S,
  };
}
