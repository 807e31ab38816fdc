// Which conductance snapshots to keep so the table grows logarithmically with the run length.
//
// Steps are measured in snapshot intervals (`every`). With S the newest step of an array:
// - the run's first snapshot and every snapshot younger than `recent` intervals are kept;
// - an older snapshot of age a intervals lies in band k = ⌊log2(a / recent)⌋ (band k spans
//   recent·2^k intervals) and is kept iff its interval index is a multiple of recent·2^k / perBand,
//   i.e. about `perBand` snapshots per band.
// The stride doubles from band to band and a snapshot only ever moves to older bands, so whatever
// the rule keeps later it also kept earlier: deleting is never premature, and the kept set depends
// only on the steps, not on the history of writes.
import { StoreError } from './errors.ts';

export interface DecimationPolicy {
  /** The run's snapshot interval in steps; snapshots are expected at multiples of it. */
  every: number;
  /** Snapshots kept unthinned at the recent end (a power of two). */
  recent: number;
  /** Snapshots kept per older band (a power of two, ≤ recent). */
  perBand: number;
}

export const DEFAULT_DECIMATION: DecimationPolicy = { every: 1, recent: 64, perBand: 8 };

const isPowerOfTwo = (n: number) => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;

export function checkPolicy(policy: DecimationPolicy, field = 'decimation'): DecimationPolicy {
  if (!Number.isInteger(policy.every) || policy.every < 1) {
    throw new StoreError(`${field}.every`, `must be a positive integer, got ${policy.every}`);
  }
  if (!isPowerOfTwo(policy.recent)) {
    throw new StoreError(`${field}.recent`, `must be a power of two, got ${policy.recent}`);
  }
  if (!isPowerOfTwo(policy.perBand) || policy.perBand > policy.recent) {
    throw new StoreError(`${field}.perBand`, `must be a power of two ≤ recent, got ${policy.perBand}`);
  }
  return policy;
}

export function keepsSnapshot(
  step: number,
  newestStep: number,
  firstStep: number,
  policy: DecimationPolicy,
): boolean {
  const { every, recent, perBand } = policy;
  const age = newestStep - step;
  if (step === firstStep || age < recent * every) return true;
  if (step % every !== 0) return false;
  const band = Math.floor(Math.log2(age / every / recent));
  const stride = (recent * 2 ** band) / perBand;
  return (step / every) % stride === 0;
}

/** Most snapshots one array can hold when written at multiples of `every` up to `newestStep`. */
export function decimationBound(policy: DecimationPolicy, newestStep: number, firstStep = 0): number {
  const span = (newestStep - firstStep) / policy.every;
  const bands = span < policy.recent ? 0 : Math.floor(Math.log2(span / policy.recent)) + 1;
  return 1 + policy.recent + policy.perBand * bands;
}
