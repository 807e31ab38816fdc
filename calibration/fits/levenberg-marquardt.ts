// Levenberg–Marquardt nonlinear least squares (Levenberg 1944, Marquardt 1963; as in Numerical
// Recipes §15.5): minimise ‖r(θ)‖² by solving (JᵀJ + λ·diag(JᵀJ))·δ = −Jᵀr, raising λ tenfold
// when a step does not lower the cost and lowering it tenfold when it does. The Jacobian is taken
// by central differences with steps relative to each parameter, so callers should pass parameters
// of order one (scale the data first). Small by design: the calibration fits have ≤ 8 parameters.
import { invert, solve } from './linear-algebra.ts';

export interface LmOptions {
  maxIterations?: number;
  /** Stop when the relative cost decrease of an accepted step falls below this. */
  tolerance?: number;
  /** Finite-difference step: h_i = step·max(|θ_i|, 1e-3). */
  step?: number;
}

export interface LmResult {
  params: Float64Array;
  residuals: Float64Array;
  /** Residual sum of squares at the optimum. */
  rss: number;
  iterations: number;
  converged: boolean;
  /** Parameter covariance s²·(JᵀJ)⁻¹ with s² = rss/(n − p); NaN where JᵀJ is singular. */
  covariance: Float64Array;
}

export function levenbergMarquardt(
  residual: (params: Float64Array) => Float64Array,
  start: ArrayLike<number>,
  options: LmOptions = {},
): LmResult {
  const maxIterations = options.maxIterations ?? 200;
  const tolerance = options.tolerance ?? 1e-10;
  const relStep = options.step ?? 1e-6;
  let params = Float64Array.from(start);
  const p = params.length;
  let r = residual(params);
  let cost = sumSquares(r);
  let lambda = 1e-3;
  let converged = false;
  let iterations = 0;
  let jtj: Float64Array = new Float64Array(p * p);
  for (; iterations < maxIterations && !converged; iterations++) {
    const jac = jacobian(residual, params, r.length, relStep);
    jtj = normalMatrix(jac, r.length, p);
    const jtr = new Float64Array(p);
    for (let i = 0; i < r.length; i++) for (let a = 0; a < p; a++) jtr[a] -= jac[i * p + a] * r[i];
    let accepted = false;
    while (!accepted && lambda < 1e16) {
      const damped = Float64Array.from(jtj);
      for (let a = 0; a < p; a++) damped[a * p + a] += lambda * Math.max(jtj[a * p + a], 1e-300);
      let delta: Float64Array;
      try {
        delta = solve(damped, jtr, p);
      } catch {
        lambda *= 10;
        continue;
      }
      const trial = params.map((v, a) => v + delta[a]);
      const rTrial = residual(trial);
      const trialCost = sumSquares(rTrial);
      if (Number.isFinite(trialCost) && trialCost <= cost) {
        converged = cost - trialCost <= tolerance * cost;
        params = trial;
        r = rTrial;
        cost = trialCost;
        lambda = Math.max(lambda / 10, 1e-12);
        accepted = true;
      } else lambda *= 10;
    }
    if (!accepted) converged = true; // no downhill step left: at a minimum to working precision
  }
  return {
    params,
    residuals: r,
    rss: cost,
    iterations,
    converged,
    covariance: covariance(jtj, p, cost, r.length),
  };
}

function jacobian(
  residual: (params: Float64Array) => Float64Array,
  params: Float64Array,
  n: number,
  relStep: number,
): Float64Array {
  const p = params.length;
  const jac = new Float64Array(n * p);
  for (let a = 0; a < p; a++) {
    const h = relStep * Math.max(Math.abs(params[a]), 1e-3);
    const up = Float64Array.from(params);
    const down = Float64Array.from(params);
    up[a] += h;
    down[a] -= h;
    const rUp = residual(up);
    const rDown = residual(down);
    for (let i = 0; i < n; i++) jac[i * p + a] = (rUp[i] - rDown[i]) / (2 * h);
  }
  return jac;
}

function normalMatrix(jac: Float64Array, n: number, p: number): Float64Array {
  const m = new Float64Array(p * p);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < p; a++) {
      const ja = jac[i * p + a];
      if (ja === 0) continue;
      for (let b = 0; b < p; b++) m[a * p + b] += ja * jac[i * p + b];
    }
  }
  return m;
}

function covariance(jtj: Float64Array, p: number, rss: number, n: number): Float64Array {
  try {
    const s2 = rss / Math.max(1, n - p);
    return invert(jtj, p).map((v) => v * s2);
  } catch {
    return new Float64Array(p * p).fill(NaN);
  }
}

function sumSquares(r: Float64Array): number {
  let s = 0;
  for (const v of r) s += v * v;
  return s;
}
