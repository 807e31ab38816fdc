// Transient of the layered network from a given node state with the sources held: the node
// capacitances C to ground integrated by BDF2 (first step backward Euler), Newton per step.
//   C·(3Vₙ₊₁ − 4Vₙ + Vₙ₋₁)/(2h) + F(Vₙ₊₁) = 0
// BDF2 is L-stable-like on the stiff diode time constants (C/g_diode ≪ h) and second-order
// accurate; amplifier outputs are ideal (no state).
import type { KclTerms } from './kcl.ts';
import type { NewtonSolver } from './newton.ts';

export interface TransientSpec {
  capacitance_F: number;
  duration_s: number;
  maxStep_s: number;
  nudge_A: Float64Array | null;
  tol_A: number;
  maxIterations: number;
}

/** Integrates from v (the state at t = 0, updated in place to the state at duration_s). */
export function integrateBdf2(newton: NewtonSolver, v: Float64Array, spec: TransientSpec): void {
  const { capacitance_F: c, duration_s } = spec;
  if (!(duration_s >= 0)) throw new RangeError(`duration_s must be ≥ 0, got ${duration_s}`);
  if (!(spec.maxStep_s > 0)) throw new RangeError(`maxStep_s must be > 0, got ${spec.maxStep_s}`);
  if (duration_s === 0) return;
  const steps = Math.ceil(duration_s / spec.maxStep_s - 1e-9);
  const h = duration_s / steps;
  const n = v.length;
  const prev = new Float64Array(n);
  const cur = new Float64Array(n);
  const inject = new Float64Array(n);
  const terms: KclTerms = { lambda: 1, nudge_A: spec.nudge_A, shunt_S: 0, inject_A: inject };
  for (let k = 0; k < steps; k++) {
    cur.set(v);
    if (k === 0) {
      terms.shunt_S = c / h;
      for (let i = 0; i < n; i++) inject[i] = (c / h) * cur[i];
    } else {
      terms.shunt_S = (1.5 * c) / h;
      for (let i = 0; i < n; i++) inject[i] = (c / (2 * h)) * (4 * cur[i] - prev[i]);
    }
    const r = newton.run(v, terms, spec.tol_A, spec.maxIterations);
    if (!r.converged) {
      throw new Error(
        `transient: Newton did not converge at t = ${(k + 1) * h} s (step ${h} s, residual ${r.residual_A} A); reduce maxStep_s`,
      );
    }
    prev.set(cur);
  }
}
