// The slowest time constant of a whole network from the step responses of all its nodes. A
// linear RC network C·dV/dt = −G·V + s relaxes in the eigenmodes of G/C, and every node sees the
// same modes with its own amplitudes: v_c(t) = v∞_c − Σ_k A_ck·e^(−t/τ_k), the τ_k shared by all
// channels. Fitting the channels jointly with shared τ_k (Levenberg–Marquardt, 1…maxModes modes,
// the count chosen by the Bayesian information criterion, Schwarz 1978) separates the slowest
// mode from the faster ones, which a per-channel fit of one or two terms lumps together.
import { levenbergMarquardt } from './levenberg-marquardt.ts';

export interface SharedModesFit {
  /** Shared time constants, slowest first, s. */
  tau_s: number[];
  rmsResidual_V: number;
  bic: number;
}

/** `samples_V[k][c]`: channel c at delay t_s[k]. `seeds`: per channel final value, total step
 * amplitude and a time constant from its own fit. */
export function fitSharedModes(
  t_s: readonly number[],
  samples_V: readonly (readonly number[])[],
  seeds: readonly { final_V: number; amplitude_V: number; tau_s: number }[],
  maxModes = 3,
): SharedModesFit {
  const n = seeds.length;
  const points = t_s.length;
  if (n === 0) throw new RangeError('shared modes: no channel to fit');
  const tScale = Math.max(...t_s);
  let vScale = 0;
  for (const row of samples_V) for (const v of row) vScale = Math.max(vScale, Math.abs(v));
  vScale ||= 1;
  const slowest = Math.max(...seeds.map((s) => s.tau_s));
  let best: SharedModesFit | undefined;
  for (let modes = 1; modes <= maxModes; modes++) {
    const stride = modes + 1;
    const start: number[] = [];
    for (const s of seeds) {
      start.push(s.final_V / vScale);
      for (let k = 0; k < modes; k++) start.push(s.amplitude_V / modes / vScale);
    }
    for (let k = 0; k < modes; k++) start.push(Math.log(slowest / tScale / 3 ** k));
    const residual = (q: Float64Array) => {
      const r = new Float64Array(n * points);
      const rates = Array.from({ length: modes }, (_, k) => 1 / tScale / Math.exp(q[n * stride + k]));
      for (let c = 0; c < n; c++) {
        for (let j = 0; j < points; j++) {
          let model = q[c * stride];
          for (let k = 0; k < modes; k++) model -= q[c * stride + 1 + k] * Math.exp(-t_s[j] * rates[k]);
          r[c * points + j] = samples_V[j][c] / vScale - model;
        }
      }
      return r;
    };
    const lm = levenbergMarquardt(residual, start, { maxIterations: 500 });
    const count = n * points;
    const rss = lm.rss * vScale * vScale;
    const fit: SharedModesFit = {
      tau_s: Array.from({ length: modes }, (_, k) => Math.exp(lm.params[n * stride + k]) * tScale).sort(
        (a, b) => b - a,
      ),
      rmsResidual_V: Math.sqrt(rss / count),
      bic: count * Math.log(Math.max(rss, 1e-300) / count) + lm.params.length * Math.log(count),
    };
    if (!best || fit.bic < best.bic - 2) best = fit;
  }
  return best!;
}
