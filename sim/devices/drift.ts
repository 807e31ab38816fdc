// Retention drift: after programming, a device's conductance relaxes toward a target level.
// The remaining fraction of the programmed distance to the target after τ seconds is
//   power-law:    (1 + τ/t0)^(−ν)   — the (τ/t0)^(−ν) law of PCM/RRAM drift (Ielmini et al., IEEE
//                 TED 2007; aihwkit's PCM drift), regularised so the factor is 1 at τ = 0;
//   exponential:  exp(−τ/τ_ret)     — a single thermally activated relaxation.
// Both depend only on the time since the last programming, so advancing time in several steps
// gives the same result as one step of the same total duration.
import type { DeviceParams } from './params.ts';

export type DriftParams = DeviceParams['drift'];

/** Fraction of (g_programmed − g_target) left after `elapsed_s` seconds, for exponent `nu`
 * (power law; ignored by the exponential law). */
export function driftRemaining(drift: DriftParams, nu: number, elapsed_s: number): number {
  switch (drift.law) {
    case 'none':
      return 1;
    case 'power-law':
      return Math.pow(1 + elapsed_s / drift.t0_s, -nu);
    case 'exponential':
      return Math.exp(-elapsed_s / drift.tau_s);
  }
}
