// Fits a device family to one device's pulse-response curve by one-step-ahead nonlinear least
// squares: every measured transition (g_k, pulse_k, g_k+1) contributes the residual
// g_k+1 − E[g_k+1 | g_k], minimised by Levenberg–Marquardt. Predicting each read from the previous
// read (rather than simulating the whole train) keeps cycle-to-cycle noise from accumulating into
// the residuals. Noise is then separated from the residuals r_k (Δ̂_k the predicted step), with
// the read noise of the device model, σ_read²(g) = (fraction·g)² + floor² (docs/device-models.md):
//   E[r_k·r_k+1] = −σ_read²(g_k+1)                          (consecutive residuals share one read;
//                                                             regression on [g², 1])
//   E[r_k²]      = c2c²·Δ̂_k² + 2σ_read²(g_k) + σ_write²     (regression on [Δ̂_k², g_k², 1];
//                                                             the lag products give the floor)
// The family is chosen by the Bayesian information criterion over the candidates.
import type { PulsePolarity } from '../../src/capabilities/index.ts';
import { deviceFamilies, nextConductance } from './device-families.ts';
import type { DeviceFamily, DeviceModel } from './device-families.ts';
import { levenbergMarquardt } from './levenberg-marquardt.ts';
import { fitLine, fitLinearModel } from './linear-fit.ts';

/** One device's curve: `g_S[k]` read before pulse k, `g_S[k+1]` after it. A `null` polarity
 * marks a break (no pulse between two reads: a new train starts). */
export interface PulseCurve {
  g_S: readonly number[];
  polarity: readonly (PulsePolarity | null)[];
}

export interface DeviceFit {
  model: DeviceModel;
  /** Relative standard errors of stepUp_S, stepDown_S; absolute of the bounds, S. */
  stepUpRelSe: number;
  stepDownRelSe: number;
  gMinSe_S: number;
  gMaxSe_S: number;
  transitions: number;
  rmsResidual_S: number;
  /** 1 − RSS / Σ(Δg − mean Δg)²: the share of the step variance the model explains. */
  r2: number;
  bic: number;
  cycleToCycle: number;
  /** Read noise of one point of the curve (after any read averaging), rms over the curve, S. */
  readNoise_S: number;
  /** The same as σ = sqrt((fraction·g)² + floor²). */
  readNoiseFraction: number;
  readNoiseFloor_S: number;
  writeNoise_S: number;
}

interface Transition {
  g0: number;
  g1: number;
  polarity: PulsePolarity;
  /** Index of the next transition when it continues from g1, else -1. */
  next: number;
}

export function fitDevice(curve: PulseCurve, family: DeviceFamily): DeviceFit {
  const steps = transitions(curve);
  if (steps.length < 12) throw new RangeError(`curve: needs at least 12 pulses, got ${steps.length}`);
  let scale = 0;
  for (const g of curve.g_S) scale = Math.max(scale, Math.abs(g));
  const shaped = family !== 'soft-bounds';
  const toModel = (q: Float64Array): DeviceModel => ({
    family,
    gMin_S: q[0] * scale,
    gMax_S: q[1] * scale,
    stepUp_S: Math.exp(q[2]) * scale,
    stepDown_S: Math.exp(q[3]) * scale,
    gammaUp: shaped ? Math.exp(q[4]) : 1,
    gammaDown: shaped ? Math.exp(q[5]) : 1,
  });
  // Residuals in units of `scale`, each times its weight (1 on the first pass).
  const residual = (q: Float64Array, weights?: Float64Array) => {
    const model = toModel(q);
    const r = new Float64Array(steps.length);
    if (!(model.gMax_S > model.gMin_S)) return r.fill(Infinity);
    steps.forEach(
      (s, i) => (r[i] = ((s.g1 - nextConductance(model, s.g0, s.polarity)) / scale) * (weights?.[i] ?? 1)),
    );
    return r;
  };
  let first: ReturnType<typeof levenbergMarquardt> | undefined;
  for (const start of startingPoints(steps, curve.g_S, family)) {
    const q0 = [start.gMin_S, start.gMax_S, Math.log(start.stepUp_S), Math.log(start.stepDown_S)];
    const normalised = [q0[0] / scale, q0[1] / scale, q0[2] - Math.log(scale), q0[3] - Math.log(scale)];
    if (shaped) normalised.push(Math.log(start.gammaUp), Math.log(start.gammaDown));
    const lm = levenbergMarquardt((q) => residual(q), normalised);
    if (!first || lm.rss < first.rss) first = lm;
  }
  if (!first) throw new RangeError('curve: no starting point');
  // Second pass, weighted by the noise the first pass found (feasible generalised least squares):
  // cycle-to-cycle noise grows with the step, so the fast end of a curve is the noisiest.
  const weights = noiseWeights(
    steps,
    toModel(first.params),
    Array.from(first.residuals, (v) => v * scale),
  );
  const best = levenbergMarquardt((q) => residual(q, weights), first.params);
  const model = toModel(best.params);
  const p = best.params.length;
  const se = (a: number) => Math.sqrt(best.covariance[a * p + a]);
  const r = Array.from(residual(best.params), (v) => v * scale);
  const predicted = steps.map((s) => nextConductance(model, s.g0, s.polarity) - s.g0);
  const rss = r.reduce((a, v) => a + v * v, 0);
  const deltas = steps.map((s) => s.g1 - s.g0);
  const meanDelta = deltas.reduce((a, b) => a + b, 0) / deltas.length;
  const tss = deltas.reduce((a, d) => a + (d - meanDelta) ** 2, 0);
  const n = steps.length;
  return {
    model,
    stepUpRelSe: se(2),
    stepDownRelSe: se(3),
    gMinSe_S: se(0) * scale,
    gMaxSe_S: se(1) * scale,
    transitions: n,
    rmsResidual_S: Math.sqrt(rss / n),
    r2: tss > 0 ? 1 - rss / tss : 1,
    bic: n * Math.log(Math.max(rss, 1e-300) / n) + p * Math.log(n),
    ...noiseFromResiduals(steps, r, predicted),
  };
}

/** Fits every candidate family and returns them with the BIC-preferred one first. */
export function fitDeviceFamilies(
  curve: PulseCurve,
  families: readonly DeviceFamily[] = deviceFamilies,
): DeviceFit[] {
  return families.map((f) => fitDevice(curve, f)).sort((a, b) => a.bic - b.bic);
}

function transitions(curve: PulseCurve): Transition[] {
  const { g_S, polarity } = curve;
  if (polarity.length !== g_S.length - 1) {
    throw new RangeError(
      `curve.polarity: ${polarity.length} entries for ${g_S.length} reads (needs reads − 1)`,
    );
  }
  const out: Transition[] = [];
  polarity.forEach((pol, k) => {
    if (pol === null) return;
    const continues = polarity[k + 1] !== undefined && polarity[k + 1] !== null;
    out.push({ g0: g_S[k], g1: g_S[k + 1], polarity: pol, next: continues ? out.length + 1 : -1 });
  });
  return out;
}

/** Soft-bounds closed form (SET: Δg = a − b·g, fixed point gMax; RESET: Δg = −b'(g − gMin)) and
 * the curve's extremes, with exponents of 1 (pow-step) or 3 (exp-step). */
function startingPoints(steps: Transition[], g: readonly number[], family: DeviceFamily): DeviceModel[] {
  const lo = Math.min(...g);
  const hi = Math.max(...g);
  const range = hi - lo;
  const gamma = family === 'exp-step' ? 3 : 1;
  const typical = (pol: PulsePolarity) => {
    const d = steps.filter((s) => s.polarity === pol).map((s) => Math.abs(s.g1 - s.g0));
    d.sort((a, b) => a - b);
    return Math.max(d[Math.floor(d.length * 0.75)] ?? 0, range * 1e-3);
  };
  const extremes: DeviceModel = {
    family,
    gMin_S: lo,
    gMax_S: hi,
    stepUp_S: typical('set'),
    stepDown_S: typical('reset'),
    gammaUp: gamma,
    gammaDown: gamma,
  };
  const linear = (pol: PulsePolarity) => {
    const s = steps.filter((t) => t.polarity === pol);
    if (s.length < 3 || new Set(s.map((t) => t.g0)).size < 2) return null;
    return fitLine(
      s.map((t) => t.g0),
      s.map((t) => t.g1 - t.g0),
    );
  };
  const up = linear('set');
  const down = linear('reset');
  if (!up || !down || !(up.slope < 0) || !(down.slope < 0)) return [extremes];
  const gMax = clamp(-up.intercept / up.slope, hi, hi + range);
  const gMin = clamp(-down.intercept / down.slope, lo - range, lo);
  const span = gMax - gMin;
  const closedForm: DeviceModel = {
    ...extremes,
    gMin_S: gMin,
    gMax_S: gMax,
    stepUp_S: -up.slope * span,
    stepDown_S: -down.slope * span,
  };
  return [closedForm, extremes];
}

function noiseFromResiduals(
  steps: Transition[],
  r: number[],
  predicted: number[],
): Pick<
  DeviceFit,
  'cycleToCycle' | 'readNoise_S' | 'readNoiseFraction' | 'readNoiseFloor_S' | 'writeNoise_S'
> {
  const lagDesign: number[] = [];
  const lagProducts: number[] = [];
  steps.forEach((s, i) => {
    if (s.next < 0) return;
    lagDesign.push(s.g1 * s.g1, 1);
    lagProducts.push(-r[i] * r[s.next]);
  });
  let fractionSq = 0;
  let floorSq = 0;
  if (lagProducts.length >= 4) {
    [fractionSq, floorSq] = fitLinearModel(lagDesign, lagProducts, 2);
    if (fractionSq < 0) {
      fractionSq = 0;
      floorSq = lagProducts.reduce((a, b) => a + b, 0) / lagProducts.length;
    }
    floorSq = Math.max(0, floorSq);
  }
  // The squared residuals fix the conductance-proportional read noise better than the lag
  // products (which carry one read, not two); the lag products split the constant into read
  // floor and write noise.
  const [c2cSq, twiceFractionSq, constant] = fitLinearModel(
    steps.flatMap((s, i) => [predicted[i] ** 2, s.g0 * s.g0, 1]),
    r.map((v) => v * v),
    3,
  );
  if (twiceFractionSq > 0) fractionSq = twiceFractionSq / 2;
  const readVar = (g: number) => fractionSq * g * g + floorSq;
  const meanRead = steps.reduce((a, s) => a + readVar(s.g0), 0) / steps.length;
  return {
    cycleToCycle: Math.sqrt(Math.max(0, c2cSq)),
    readNoise_S: Math.sqrt(meanRead),
    readNoiseFraction: Math.sqrt(fractionSq),
    readNoiseFloor_S: Math.sqrt(floorSq),
    writeNoise_S: Math.sqrt(Math.max(0, constant - 2 * floorSq)),
  };
}

/** Weights 1/σ_k (normalised to a mean square of 1) from the noise of a first fit's residuals. */
function noiseWeights(steps: Transition[], model: DeviceModel, r: number[]): Float64Array {
  const predicted = steps.map((s) => nextConductance(model, s.g0, s.polarity) - s.g0);
  const noise = noiseFromResiduals(steps, r, predicted);
  const variance = steps.map(
    (s, i) =>
      (noise.cycleToCycle * predicted[i]) ** 2 +
      2 * ((noise.readNoiseFraction * s.g0) ** 2 + noise.readNoiseFloor_S ** 2) +
      noise.writeNoise_S ** 2,
  );
  const mean = variance.reduce((a, b) => a + b, 0) / variance.length;
  if (!(mean > 0)) return new Float64Array(steps.length).fill(1);
  // A floor at 1 % of the mean variance keeps a noise-free point from taking all the weight.
  return Float64Array.from(variance, (v) => Math.sqrt(mean / Math.max(v, 0.01 * mean)));
}

function clamp(v: number, lo: number, hi: number): number {
  return !Number.isFinite(v) ? hi : v < lo ? lo : v > hi ? hi : v;
}
