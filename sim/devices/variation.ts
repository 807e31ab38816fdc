// Multiplicative variation factors of mean 1 and a given fractional standard deviation, for
// device-to-device spread (drawn once per device) and cycle-to-cycle noise (drawn per pulse).
import type { Rng } from '../../src/util/random.ts';

export type VariationDistribution = 'lognormal' | 'normal';

/** A factor with mean 1 and standard deviation `fraction`.
 * - lognormal: exp(μ + sξ) with s² = ln(1 + fraction²), μ = −s²/2, so that E = 1 and sd = fraction
 *   exactly; always positive.
 * - normal: max(0, 1 + fraction·ξ); the clip at 0 (a device that does not move rather than one
 *   that moves backwards) changes the moments only for fractions above ~0.3.
 * fraction = 0 returns 1 without drawing. */
export function variationFactor(rng: Rng, fraction: number, distribution: VariationDistribution): number {
  if (fraction === 0) return 1;
  if (distribution === 'normal') return Math.max(0, 1 + fraction * rng.normal());
  const s2 = Math.log1p(fraction * fraction);
  return Math.exp(-s2 / 2 + Math.sqrt(s2) * rng.normal());
}
