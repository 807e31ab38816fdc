// From per-device pulse-response curves to the board's device population: one family for the
// whole board (all devices share a technology), chosen by the summed BIC of every device's fit,
// then each device refitted with it, and the population summarised in the terms of the
// simulated board's variation model (docs/device-models.md): per device
//   stepUp_i = stepUp·F_i·(1 + δ_i),  stepDown_i = stepDown·F_i·(1 − δ_i),
// so the common factor F_i ∝ sqrt(stepUp_i·stepDown_i/(1 − δ_i²)) and the imbalance δ_i follows
// from the device's up/down ratio relative to the board's. Spreads are the sample standard
// deviations with each device's fit variance subtracted, so fit noise is not reported as spread.
import { fitDevice } from './device-fit.ts';
import type { DeviceFit, PulseCurve } from './device-fit.ts';
import { deviceFamilies } from './device-families.ts';
import type { DeviceFamily } from './device-families.ts';

export interface FamilyScore {
  family: DeviceFamily;
  /** Summed BIC over the devices (lower is better). */
  bic: number;
  /** Pooled rms residual over the devices, S. */
  rmsResidual_S: number;
}

export interface PopulationFit {
  family: DeviceFamily;
  /** Every candidate family, best first. */
  scores: FamilyScore[];
  devices: DeviceFit[];
  nominal: {
    gMin_S: number;
    gMax_S: number;
    stepUp_S: number;
    stepDown_S: number;
    gammaUp: number;
    gammaDown: number;
  };
  /** Fractional device-to-device spreads (sd of the factor), as the sim's `variation`. */
  spread: { step: number; upDown: number; gMin: number; gMax: number };
  /** Medians over the devices. */
  cycleToCycle: number;
  readNoise_S: number;
  /** Read noise of one curve point as sqrt((fraction·g)² + floor²). */
  readNoiseFraction: number;
  readNoiseFloor_S: number;
  writeNoise_S: number;
}

export function fitPopulation(
  curves: readonly PulseCurve[],
  families: readonly DeviceFamily[] = deviceFamilies,
): PopulationFit {
  if (curves.length === 0) throw new RangeError('curves: at least one device curve is needed');
  const byFamily = families.map((family) => {
    const fits = curves.map((c) => fitDevice(c, family));
    const n = fits.reduce((s, f) => s + f.transitions, 0);
    return {
      family,
      fits,
      bic: fits.reduce((s, f) => s + f.bic, 0),
      rmsResidual_S: Math.sqrt(fits.reduce((s, f) => s + f.rmsResidual_S ** 2 * f.transitions, 0) / n),
    };
  });
  byFamily.sort((a, b) => a.bic - b.bic);
  const best = byFamily[0];
  const fits = best.fits;
  const m = fits.map((f) => f.model);
  const ratio = median(m.map((d) => d.stepUp_S / d.stepDown_S));
  const delta = m.map((d) => {
    const rho = d.stepUp_S / d.stepDown_S / ratio;
    return (rho - 1) / (rho + 1);
  });
  const common = m.map((d, i) => Math.sqrt((d.stepUp_S * d.stepDown_S) / (1 - delta[i] ** 2)));
  // Fit variance of ½(ln up ± ln down), which is that of ln F and, to first order, of δ.
  const halfLogVar = fits.map((f) => (f.stepUpRelSe ** 2 + f.stepDownRelSe ** 2) / 4);
  return {
    family: best.family,
    scores: byFamily.map(({ family, bic, rmsResidual_S }) => ({ family, bic, rmsResidual_S })),
    devices: fits,
    nominal: {
      gMin_S: mean(m.map((d) => d.gMin_S)),
      gMax_S: mean(m.map((d) => d.gMax_S)),
      stepUp_S: mean(m.map((d) => d.stepUp_S)),
      stepDown_S: mean(m.map((d) => d.stepDown_S)),
      gammaUp: median(m.map((d) => d.gammaUp)),
      gammaDown: median(m.map((d) => d.gammaDown)),
    },
    spread: {
      step: spreadOf(common, halfLogVar, true),
      upDown: spreadOf(delta, halfLogVar, false),
      gMin: spreadOf(
        m.map((d) => d.gMin_S),
        fits.map((f, i) => (f.gMinSe_S / m[i].gMin_S) ** 2),
        true,
      ),
      gMax: spreadOf(
        m.map((d) => d.gMax_S),
        fits.map((f, i) => (f.gMaxSe_S / m[i].gMax_S) ** 2),
        true,
      ),
    },
    cycleToCycle: median(fits.map((f) => f.cycleToCycle)),
    readNoise_S: median(fits.map((f) => f.readNoise_S)),
    readNoiseFraction: median(fits.map((f) => f.readNoiseFraction)),
    readNoiseFloor_S: median(fits.map((f) => f.readNoiseFloor_S)),
    writeNoise_S: median(fits.map((f) => f.writeNoise_S)),
  };
}

/** Sample sd of `values` (relative to their mean when `relative`), minus the mean fit variance
 * (given relative when `relative`), floored at 0. */
function spreadOf(values: number[], fitVariance: number[], relative: boolean): number {
  if (values.length < 2) return 0;
  const mu = mean(values);
  const norm = relative ? mu : 1;
  const sampleVar = values.reduce((s, v) => s + ((v - mu) / norm) ** 2, 0) / (values.length - 1);
  const noise = mean(fitVariance.map((v) => (Number.isFinite(v) ? v : 0)));
  return Math.sqrt(Math.max(0, sampleVar - noise));
}

function mean(v: number[]): number {
  return v.reduce((a, b) => a + b, 0) / v.length;
}

export function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const k = s.length >> 1;
  return s.length % 2 ? s[k] : (s[k - 1] + s[k]) / 2;
}
