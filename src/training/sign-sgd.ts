// Sign-SGD programming (thesis §4.3.3): each device receives a SET pulse (raises g) where the
// mini-batch estimate says ∂L/∂g < 0 and a RESET pulse (lowers g) where ∂L/∂g > 0, so only the
// sign of the estimate has to be right. Estimates inside a dead band send nothing; the pulse
// count is one, or quantized from the magnitude with a cap, or sized from a model of the device
// response so that the pulses follow the ideal step. A per-layer scale multiplies the
// estimate before both (layer-wise learning rates, thesis §3.3.1 and §5.3.1).
import type { Pulse, PulsePolarity } from '../capabilities/index.ts';
import type { NetworkLayout } from '../network/description.ts';
import { expectedStep } from './pulse-response.ts';
import type { PulseResponseModel } from './pulse-response.ts';
import type { DeviceMap } from './weight-mapping.ts';

export interface PulseShape {
  amplitude_V: number;
  width_s: number;
}

export type PulseCountPolicy =
  | { policy: 'one' }
  /** count = |scaled estimate| / estimatePerPulse, rounded (`rounding`), capped at maxCount. */
  | {
      policy: 'quantized';
      estimatePerPulse: number;
      maxCount: number;
      /** Default 'nearest'. */
      rounding?: Rounding;
    }
  /** count = η·|scaled estimate| / |expected step of one pulse at the device's conductance|,
   * rounded and capped: the pulses follow the ideal step Δg = −η∇̂ (pulse-response.ts). */
  | { policy: 'response'; maxCount: number; rounding?: Rounding };

/** 'nearest': rounded, at least one pulse above the dead band; 'stochastic': floor plus one with
 * probability of the remainder (the expected count is exact; zero is possible). */
export type Rounding = 'nearest' | 'stochastic';

export interface SignSgdConfig {
  set: PulseShape;
  reset: PulseShape;
  /** No pulse where |scaled estimate| ≤ deadBand (units of the estimate: V²/S). */
  deadBand: number;
  count: PulseCountPolicy;
  /** Multiplier of the estimate per network array (length = arrays); default all 1. */
  layerScale?: readonly number[];
  /** Multiplier of every estimate (the epoch's learning-rate factor); default 1. */
  rateFactor?: number;
  /** Uniform draws in [0, 1) for stochastic rounding. */
  rng?: { uniform(): number };
  /** Count policy 'response': the device conductances as the trainer knows them (network order),
   * η in S per unit of the estimate, and the model of one pulse's effect. */
  response?: { g_S: Float64Array; learningRate: number; model: PulseResponseModel };
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
  const rate = config.rateFactor ?? 1;
  const count = pulseCounter(config, n);
  let idle = 0;
  for (let l = 0; l < layout.arrays.length; l++) {
    const start = layout.deviceOffsets[l];
    const end = start + layout.arrays[l].rows * layout.arrays[l].cols;
    const sl = scale[l] * rate;
    for (let d = start; d < end; d++) {
      const e = gradient[d] * sl;
      const magnitude = Math.abs(e);
      if (!(magnitude <= deadBand)) {
        if (!Number.isFinite(e)) {
          throw new RangeError(`gradient[${d}] is ${gradient[d]}: the estimate is not finite`);
        }
        const k = count(d, magnitude, e < 0);
        if (k > 0) plan.add(d, e < 0 ? k : -k);
        else idle++;
      } else idle++;
    }
  }
  plan.idleDevices = idle;
  return plan;
}

/** The count of device d for a scaled estimate of the given magnitude (set: raise g). */
function pulseCounter(
  config: SignSgdConfig,
  devices: number,
): (d: number, magnitude: number, set: boolean) => number {
  const policy = config.count;
  if (policy.policy === 'one') return () => 1;
  const response = config.response;
  if (policy.policy === 'response' && (response === undefined || response.g_S.length !== devices)) {
    throw new RangeError(
      `count policy 'response' needs the conductances of all ${devices} devices and the learning rate`,
    );
  }
  const round = rounder(policy.rounding ?? (policy.policy === 'response' ? 'stochastic' : 'nearest'), config);
  const cap = policy.maxCount;
  if (policy.policy === 'quantized') {
    const per = policy.estimatePerPulse;
    return (_d, magnitude) => round(magnitude / per, cap);
  }
  const { g_S, learningRate, model } = response!;
  return (d, magnitude, set) => {
    const step = Math.abs(expectedStep(model, g_S[d], set ? 'set' : 'reset'));
    // At the bound the model says one pulse does nothing: send the cap (the real device's bound
    // may lie beyond the model's).
    return round(step > 0 ? (learningRate * magnitude) / step : Infinity, cap);
  };
}

function rounder(rounding: Rounding, config: SignSgdConfig): (q: number, cap: number) => number {
  if (rounding === 'nearest') return (q, cap) => Math.min(cap, Math.max(1, Math.round(q)));
  const rng = config.rng;
  if (rng === undefined) throw new RangeError('stochastic pulse-count rounding needs a random generator');
  return (q, cap) => {
    if (q >= cap) return cap;
    const whole = Math.floor(q);
    return whole + (rng.uniform() < q - whole ? 1 : 0);
  };
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
