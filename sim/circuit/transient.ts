// Transient analysis of a general circuit: trapezoidal integration of the capacitors with a
// backward-Euler first step (which needs no initial capacitor current, so the start may be
// inconsistent, e.g. capacitors discharged while a source is already on), Newton per step, and
// step halving when a step's Newton fails (the step then doubles back up to step_s). Sources hold
// their values for all t > 0. Every step taken is an output point.
//
// Companion models (i = geq·v + ihist, v = V(a) − V(b) at t_{n+1}):
//   backward Euler: i = (C/h)(v − v_n)             → geq = C/h,  ihist = −(C/h)·v_n
//   trapezoidal:    i = (2C/h)(v − v_n) − i_n      → geq = 2C/h, ihist = −(2C/h)·v_n − i_n
import type { Circuit } from './netlist.ts';
import { MnaSystem } from './mna.ts';
import type { CircuitSolution, StampContext } from './mna.ts';
import { NewtonSolver } from './newton.ts';
import { solveDc } from './dc.ts';

const START_RAMP = 1024;

export interface TransientOptions {
  stop_s: number;
  /** Integration step, s; also the largest step (halved locally when Newton fails). */
  step_s: number;
  /** Node voltages at t = 0 (indexed like nodeNames); default: the DC operating point. Only the
   * capacitor voltages are state; the other nodes follow from the first step. */
  initial_V?: Float64Array;
  tol_A?: number;
  tol_V?: number;
  maxIterations?: number;
  /** Smallest step allowed after halving, s (default step_s / 2^30). */
  minStep_s?: number;
}

export interface TransientResult {
  /** Time points, starting at 0. */
  t_s: Float64Array;
  /** Node voltages at each time point (each indexed like nodeNames). */
  v_V: Float64Array[];
  /** The solution at the last time point. */
  final: CircuitSolution;
  /** Newton iterations summed over all steps. */
  iterations: number;
}

export function solveTransient(circuit: Circuit, options: TransientOptions): TransientResult {
  if (!(options.stop_s > 0)) throw new RangeError(`stop_s must be > 0, got ${options.stop_s}`);
  if (!(options.step_s > 0)) throw new RangeError(`step_s must be > 0, got ${options.step_s}`);
  const sys = new MnaSystem(circuit);
  const newton = new NewtonSolver(sys);
  const opts = {
    tol_A: options.tol_A ?? 1e-12,
    tol_V: options.tol_V ?? 1e-12,
    maxIterations: options.maxIterations ?? 100,
  };
  const minStep = options.minStep_s ?? options.step_s / 2 ** 30;
  const els = circuit.elements;

  const x = new Float64Array(sys.size);
  if (options.initial_V) {
    if (options.initial_V.length !== sys.nodeCount)
      throw new RangeError(
        `initial_V has ${options.initial_V.length} entries, circuit has ${sys.nodeCount} nodes`,
      );
    sys.fromSolution({ v_V: options.initial_V, branchCurrent_A: new Map() }, x);
  } else {
    const op = solveDc(circuit, options);
    if (!op.converged)
      throw new Error(`transient: initial DC operating point did not converge (residual ${op.residual_A} A)`);
    sys.fromSolution(op, x);
  }

  const capV = (k: number, xs: Float64Array) => {
    const e = els[k] as Extract<(typeof els)[number], { kind: 'capacitor' }>;
    return (e.a > 0 ? xs[e.a - 1] : 0) - (e.b > 0 ? xs[e.b - 1] : 0);
  };
  const caps = els.flatMap((e, k) => (e.kind === 'capacitor' ? [k] : []));
  const vCap = new Float64Array(els.length);
  const iCap = new Float64Array(els.length);
  for (const k of caps) vCap[k] = capV(k, x);
  const companion = { geq_S: new Float64Array(els.length), ihist_A: new Float64Array(els.length) };
  const ctx: StampContext = { sourceScale: 1, gmin_S: 0, companion };

  const times = [0];
  const frames = [sys.toSolution(x).v_V];
  const trial = new Float64Array(sys.size);
  let iterations = 0;
  let t = 0;
  let first = true;
  // Start with a tiny backward-Euler step (its first-order error is negligible at that size),
  // then double the trapezoidal step up to step_s: h/1024 + h/1024 + h/512 + … + h/2 = h.
  let h = options.step_s / START_RAMP;
  while (options.stop_s - t > 1e-9 * options.step_s) {
    let hTry = Math.min(h, options.stop_s - t);
    for (;;) {
      for (const k of caps) {
        const c = (els[k] as { c_F: number }).c_F;
        const trapezoidal = !first;
        companion.geq_S[k] = ((trapezoidal ? 2 : 1) * c) / hTry;
        companion.ihist_A[k] = -companion.geq_S[k] * vCap[k] - (trapezoidal ? iCap[k] : 0);
      }
      trial.set(x);
      const out = newton.solve(trial, ctx, opts);
      iterations += out.iterations;
      if (out.converged) break;
      hTry /= 2;
      h = hTry;
      if (hTry < minStep)
        throw new Error(`transient: Newton failed at t = ${t} s even with step ${hTry * 2} s`);
    }
    x.set(trial);
    for (const k of caps) {
      vCap[k] = capV(k, x);
      iCap[k] = companion.geq_S[k] * vCap[k] + companion.ihist_A[k];
    }
    t += hTry;
    if (!first) h = Math.min(options.step_s, 2 * h);
    first = false;
    times.push(t);
    frames.push(sys.toSolution(x).v_V);
  }
  return { t_s: Float64Array.from(times), v_V: frames, final: sys.toSolution(x), iterations };
}
