// Ordinary least-squares fits with closed-form normal equations: the straight line of the channel
// calibrations (gain = slope, offset = intercept) with its residuals and integral nonlinearity,
// and the general linear model y ≈ X·β used by the noise-variance regressions.
import { solve } from './linear-algebra.ts';

export interface LineFit {
  slope: number;
  intercept: number;
  /** y − (intercept + slope·x), per point. */
  residuals: number[];
  /** Root-mean-square residual, in units of y. */
  rmsResidual: number;
  /** Integral nonlinearity: the largest |residual| from the best-fit line (endpoint-free INL). */
  inl: number;
  r2: number;
  /** Standard errors of slope and intercept from the residual variance (n − 2 dof). */
  slopeSe: number;
  interceptSe: number;
}

export function fitLine(x: ArrayLike<number>, y: ArrayLike<number>): LineFit {
  const n = x.length;
  if (n !== y.length) throw new RangeError(`fitLine: x has ${n} points, y has ${y.length}`);
  if (n < 3) throw new RangeError(`fitLine: needs at least 3 points, got ${n}`);
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i] / n;
    my += y[i] / n;
  }
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (x[i] - mx) ** 2;
    sxy += (x[i] - mx) * (y[i] - my);
    syy += (y[i] - my) ** 2;
  }
  if (!(sxx > 0)) throw new RangeError('fitLine: x must take at least two distinct values');
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const residuals = Array.from({ length: n }, (_, i) => y[i] - intercept - slope * x[i]);
  const rss = residuals.reduce((s, r) => s + r * r, 0);
  const s2 = rss / (n - 2);
  return {
    slope,
    intercept,
    residuals,
    rmsResidual: Math.sqrt(rss / n),
    inl: residuals.reduce((m, r) => Math.max(m, Math.abs(r)), 0),
    r2: syy > 0 ? 1 - rss / syy : 1,
    slopeSe: Math.sqrt(s2 / sxx),
    interceptSe: Math.sqrt(s2 * (1 / n + (mx * mx) / sxx)),
  };
}

/** β minimising ‖y − X·β‖² for a row-major design matrix X (n rows × p columns). Columns are
 * scaled to unit rms before the normal equations so that columns of different units (S² next to
 * 1) do not make them look singular. */
export function fitLinearModel(design: ArrayLike<number>, y: ArrayLike<number>, p: number): Float64Array {
  const n = y.length;
  if (design.length !== n * p) throw new RangeError(`design: ${design.length} values for ${n}×${p}`);
  const colScale = new Float64Array(p);
  for (let i = 0; i < n; i++) for (let a = 0; a < p; a++) colScale[a] += design[i * p + a] ** 2;
  for (let a = 0; a < p; a++) colScale[a] = Math.sqrt(colScale[a] / n) || 1;
  const xtx = new Float64Array(p * p);
  const xty = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < p; a++) {
      const xa = design[i * p + a] / colScale[a];
      xty[a] += xa * y[i];
      for (let b = 0; b < p; b++) xtx[a * p + b] += (xa * design[i * p + b]) / colScale[b];
    }
  }
  return solve(xtx, xty, p).map((beta, a) => beta / colScale[a]);
}
