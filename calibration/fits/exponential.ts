// Step response fits for the settle-time calibration. A linear RC network stepped at t = 0 relaxes
// as a sum of exponentials, v(t) = v∞ − Σ_i A_i·e^(−t/τ_i). One and two terms are fitted by
// Levenberg–Marquardt (started from a log-linear fit of ln(v∞ − v) against t), and the model is
// chosen by the Bayesian information criterion n·ln(RSS/n) + k·ln(n) (Schwarz 1978), so a second
// time constant is kept only when the residuals justify its two extra parameters.
import { levenbergMarquardt } from './levenberg-marquardt.ts';
import { fitLine } from './linear-fit.ts';

export interface ExponentialTerm {
  amplitude_V: number;
  tau_s: number;
}

export interface StepResponseFit {
  final_V: number;
  /** Terms sorted slowest first. */
  terms: ExponentialTerm[];
  rmsResidual_V: number;
  r2: number;
  bic: number;
  /** Standard error of the slowest τ, s. */
  tauSe_s: number;
}

export function stepResponse(fit: Pick<StepResponseFit, 'final_V' | 'terms'>, t_s: number): number {
  return fit.terms.reduce((v, term) => v - term.amplitude_V * Math.exp(-t_s / term.tau_s), fit.final_V);
}

/** Fits one and two exponential terms and returns the one the BIC prefers. */
export function fitStepResponse(t_s: ArrayLike<number>, v_V: ArrayLike<number>): StepResponseFit {
  const one = fitTerms(t_s, v_V, 1);
  if (t_s.length < 8) return one;
  const two = fitTerms(t_s, v_V, 2, one);
  return two && two.bic < one.bic - 2 ? two : one;
}

/** Time after the step when |v − v∞| has fallen below relError·|v∞ − v(0)|, s. */
export function settleTimeFor(fit: Pick<StepResponseFit, 'final_V' | 'terms'>, relError: number): number {
  if (!(relError > 0 && relError < 1)) throw new RangeError(`relError must be in (0, 1), got ${relError}`);
  const stepSize = Math.abs(fit.terms.reduce((s, term) => s + term.amplitude_V, 0));
  const left = (t: number) => Math.abs(stepResponse(fit, t) - fit.final_V) - relError * stepSize;
  const tauMax = Math.max(...fit.terms.map((term) => term.tau_s));
  let lo = 0;
  let hi = tauMax;
  while (left(hi) > 0) hi *= 2;
  for (let k = 0; k < 100 && hi - lo > 1e-9 * hi; k++) {
    const mid = (lo + hi) / 2;
    if (left(mid) > 0) lo = mid;
    else hi = mid;
  }
  return hi;
}

function fitTerms(
  t_s: ArrayLike<number>,
  v_V: ArrayLike<number>,
  count: 1 | 2,
  seed?: StepResponseFit,
): StepResponseFit {
  const n = t_s.length;
  if (n < 4) throw new RangeError(`settle fit: needs at least 4 points, got ${n}`);
  const tScale = Math.max(...Array.from(t_s));
  let vScale = 0;
  for (let i = 0; i < n; i++) vScale = Math.max(vScale, Math.abs(v_V[i]));
  vScale ||= 1;
  const start = seed ? splitSeed(seed, tScale, vScale) : logLinearStart(t_s, v_V, tScale, vScale);
  // Parameters: v∞/vScale, then per term A/vScale and ln(τ/tScale) (keeps τ positive).
  const residual = (q: Float64Array) => {
    const r = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let model = q[0];
      for (let k = 0; k < count; k++)
        model -= q[1 + 2 * k] * Math.exp(-t_s[i] / tScale / Math.exp(q[2 + 2 * k]));
      r[i] = v_V[i] / vScale - model;
    }
    return r;
  };
  const lm = levenbergMarquardt(residual, start);
  const q = lm.params;
  const terms = Array.from({ length: count }, (_, k) => ({
    amplitude_V: q[1 + 2 * k] * vScale,
    tau_s: Math.exp(q[2 + 2 * k]) * tScale,
  })).sort((a, b) => b.tau_s - a.tau_s);
  const slowIndex = count === 2 && Math.exp(q[4]) > Math.exp(q[2]) ? 4 : 2;
  const rss = lm.rss * vScale * vScale;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += v_V[i] / n;
  let tss = 0;
  for (let i = 0; i < n; i++) tss += (v_V[i] - mean) ** 2;
  const p = q.length;
  return {
    final_V: q[0] * vScale,
    terms,
    rmsResidual_V: Math.sqrt(rss / n),
    r2: tss > 0 ? 1 - rss / tss : 1,
    bic: n * Math.log(Math.max(rss, 1e-300) / n) + p * Math.log(n),
    tauSe_s: Math.sqrt(lm.covariance[slowIndex * p + slowIndex]) * Math.exp(q[slowIndex]) * tScale,
  };
}

/** v∞ from the latest points, τ from the slope of ln(v∞ − v) over the points well above noise. */
function logLinearStart(t_s: ArrayLike<number>, v_V: ArrayLike<number>, tScale: number, vScale: number) {
  const order = Array.from({ length: t_s.length }, (_, i) => i).sort((a, b) => t_s[a] - t_s[b]);
  const last = order.slice(-Math.max(1, Math.floor(order.length / 10)));
  const final = last.reduce((s, i) => s + v_V[i], 0) / last.length;
  const first = v_V[order[0]];
  const span = final - first;
  const xs: number[] = [];
  const ys: number[] = [];
  for (const i of order) {
    const d = (final - v_V[i]) / span;
    if (d > 0.05 && d < 1) {
      xs.push(t_s[i]);
      ys.push(Math.log(d));
    }
  }
  const tau = xs.length >= 3 && new Set(xs).size >= 2 ? -1 / fitLine(xs, ys).slope : tScale / 5;
  const safeTau = tau > 0 && Number.isFinite(tau) ? tau : tScale / 5;
  return [final / vScale, span / vScale, Math.log(safeTau / tScale)];
}

/** Two-term start: the one-term fit split into a slow term with most of the amplitude and a
 * faster term a decade quicker. */
function splitSeed(one: StepResponseFit, tScale: number, vScale: number): number[] {
  const [{ amplitude_V, tau_s }] = one.terms;
  return [
    one.final_V / vScale,
    (0.8 * amplitude_V) / vScale,
    Math.log(tau_s / tScale),
    (0.2 * amplitude_V) / vScale,
    Math.log(tau_s / 10 / tScale),
  ];
}
