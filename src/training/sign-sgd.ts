// Sign-SGD programming (thesis §4.3.3): each device receives a SET pulse (raises g) where the
// mini-batch estimate says ∂L/∂g < 0 and a RESET pulse (lowers g) where ∂L/∂g > 0, so only the
// sign of the estimate has to be right. Estimates inside a dead band send nothing; the pulse
// count is one, or quantized from the magnitude with a cap. A per-layer scale multiplies the
// estimate before both (layer-wise learning rates, thesis §3.3.1 and §5.3.1).
import type { Pulse, PulsePolarity } from '../capabilities/index.ts';
import type { NetworkLayout } from '../network/description.ts';
import type { DeviceMap } from './weight-mapping.ts';

export interface PulseShape {
  amplitude_V: number;
  width_s: number;
}

export type PulseCountPolicy =
  | { policy: 'one' }
  /** count = clamp(round(|scaled estimate| / estimatePerPulse), 1, maxCount). */
  | { policy: 'quantized'; estimatePerPulse: number; maxCount: number };

export interface SignSgdConfig {
  set: PulseShape;
  reset: PulseShape;
  /** No pulse where |scaled estimate| ≤ deadBand (units of the estimate: V²/S). */
  deadBand: number;
  count: PulseCountPolicy;
  /** Multiplier of the estimate per network array (length = arrays); default all 1. */
  layerScale?: readonly number[];
}

/** The planned pulses, compactly: the k-th planned device is `device[k]` (flat network order)
 * with `signedCount[k]` pulses, positive for SET and negative for RESET. Pulse objects are made
 * on demand, one batch at a time (`batch`), so a plan of 10^5 pulses does not live as 10^5
 * objects. */
export class PulsePlan {
  /** Pulses requested, counting repeats. */
  setPulses = 0;
  resetPulses = 0;
  /** Devices left alone (dead band). */
  idleDevices = 0;
  private size = 0;

  constructor(
    private readonly map: DeviceMap,
    private readonly shapes: { set: PulseShape; reset: PulseShape },
    readonly device: Int32Array,
    readonly signedCount: Int32Array,
  ) {}

  /** Number of planned devices (Pulse entries). */
  get length(): number {
    return this.size;
  }

  add(device: number, signedCount: number): void {
    this.device[this.size] = device;
    this.signedCount[this.size] = signedCount;
    this.size++;
    if (signedCount > 0) this.setPulses += signedCount;
    else this.resetPulses -= signedCount;
  }

  /** Entries start..end−1 as Pulse objects for `PulseProgrammer.applyPulses`. */
  slice(start: number, end: number): Pulse[] {
    const stop = Math.min(end, this.size);
    const out: Pulse[] = [];
    const { array, row, col } = this.map;
    for (let k = start; k < stop; k++) {
      const d = this.device[k];
      const n = this.signedCount[k];
      const polarity: PulsePolarity = n > 0 ? 'set' : 'reset';
      const shape = n > 0 ? this.shapes.set : this.shapes.reset;
      out.push({
        array: array[d],
        row: row[d],
        col: col[d],
        polarity,
        amplitude_V: shape.amplitude_V,
        width_s: shape.width_s,
        count: n > 0 ? n : -n,
      });
    }
    return out;
  }

  /** Every planned pulse. */
  get pulses(): Pulse[] {
    return this.slice(0, this.size);
  }

  /** Number of batches of at most `maxPerCall` pulses. */
  batchCount(maxPerCall: number): number {
    checkMaxPerCall(maxPerCall);
    return Math.ceil(this.size / maxPerCall);
  }

  /** Batch i of at most `maxPerCall` pulses, in plan order. */
  batch(i: number, maxPerCall: number): Pulse[] {
    checkMaxPerCall(maxPerCall);
    return this.slice(i * maxPerCall, (i + 1) * maxPerCall);
  }
}

/** Room for a plan of every device of a network; a caller planning every step reuses one (each
 * plan made in it replaces the previous one). */
export interface PulsePlanStorage {
  device: Int32Array;
  signedCount: Int32Array;
}

export function pulsePlanStorage(layout: NetworkLayout): PulsePlanStorage {
  return { device: new Int32Array(layout.totalDevices), signedCount: new Int32Array(layout.totalDevices) };
}

export function planSignSgdPulses(
  gradient: Float64Array,
  map: DeviceMap,
  config: SignSgdConfig,
  storage: PulsePlanStorage = pulsePlanStorage(map.layout),
): PulsePlan {
  const layout = map.layout;
  const n = layout.totalDevices;
  if (gradient.length !== n) {
    throw new RangeError(`gradient has ${gradient.length} entries, the network has ${n} devices`);
  }
  if (storage.device.length !== n || storage.signedCount.length !== n) {
    throw new RangeError(`storage holds ${storage.device.length} entries, the network has ${n} devices`);
  }
  const scale = layerScales(layout, config.layerScale);
  const plan = new PulsePlan(map, config, storage.device, storage.signedCount);
  const deadBand = config.deadBand;
  let idle = 0;
  for (let l = 0; l < layout.arrays.length; l++) {
    const start = layout.deviceOffsets[l];
    const end = start + layout.arrays[l].rows * layout.arrays[l].cols;
    const sl = scale[l];
    for (let d = start; d < end; d++) {
      const e = gradient[d] * sl;
      const magnitude = Math.abs(e);
      if (!(magnitude <= deadBand)) {
        if (!Number.isFinite(e)) {
          throw new RangeError(`gradient[${d}] is ${gradient[d]}: the estimate is not finite`);
        }
        const count = pulseCount(magnitude, config.count);
        plan.add(d, e < 0 ? count : -count);
      } else idle++;
    }
  }
  plan.idleDevices = idle;
  return plan;
}

function pulseCount(magnitude: number, policy: PulseCountPolicy): number {
  if (policy.policy === 'one') return 1;
  return Math.min(policy.maxCount, Math.max(1, Math.round(magnitude / policy.estimatePerPulse)));
}

/** Splits a pulse list into batches of at most `maxPerCall` for `PulseProgrammer.applyPulses`. */
export function pulseBatches(pulses: readonly Pulse[], maxPerCall: number): Pulse[][] {
  checkMaxPerCall(maxPerCall);
  const out: Pulse[][] = [];
  for (let i = 0; i < pulses.length; i += maxPerCall) out.push(pulses.slice(i, i + maxPerCall));
  return out;
}

function checkMaxPerCall(maxPerCall: number): void {
  if (!Number.isInteger(maxPerCall) || maxPerCall < 1) {
    throw new RangeError(`maxPulsesPerCall must be an integer >= 1, got ${maxPerCall}`);
  }
}

/** The per-array multipliers, validated (default all 1). */
export function layerScales(layout: NetworkLayout, layerScale?: readonly number[]): readonly number[] {
  if (layerScale === undefined) return layout.arrays.map(() => 1);
  if (layerScale.length !== layout.arrays.length) {
    throw new RangeError(
      `layerScale has ${layerScale.length} entries, the network has ${layout.arrays.length} arrays`,
    );
  }
  layerScale.forEach((s, l) => {
    if (!(s >= 0 && Number.isFinite(s)))
      throw new RangeError(`layerScale[${l}] must be a finite number >= 0, got ${s}`);
  });
  return layerScale;
}
