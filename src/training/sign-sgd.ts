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

export interface PulsePlan {
  pulses: Pulse[];
  /** Pulses requested, counting repeats. */
  setPulses: number;
  resetPulses: number;
  /** Devices left alone (dead band). */
  idleDevices: number;
}

export function planSignSgdPulses(gradient: Float64Array, map: DeviceMap, config: SignSgdConfig): PulsePlan {
  const layout = map.layout;
  if (gradient.length !== layout.totalDevices) {
    throw new RangeError(
      `gradient has ${gradient.length} entries, the network has ${layout.totalDevices} devices`,
    );
  }
  const scale = layerScales(layout, config.layerScale);
  const plan: PulsePlan = { pulses: [], setPulses: 0, resetPulses: 0, idleDevices: 0 };
  for (let l = 0; l < layout.arrays.length; l++) {
    const start = layout.deviceOffsets[l];
    const end = start + layout.arrays[l].rows * layout.arrays[l].cols;
    for (let d = start; d < end; d++) {
      const e = gradient[d] * scale[l];
      if (!Number.isFinite(e))
        throw new RangeError(`gradient[${d}] is ${gradient[d]}: the estimate is not finite`);
      const magnitude = Math.abs(e);
      if (magnitude <= config.deadBand) {
        plan.idleDevices++;
        continue;
      }
      const polarity: PulsePolarity = e < 0 ? 'set' : 'reset';
      const count = pulseCount(magnitude, config.count);
      const shape = polarity === 'set' ? config.set : config.reset;
      plan.pulses.push({
        array: map.array[d],
        row: map.row[d],
        col: map.col[d],
        polarity,
        amplitude_V: shape.amplitude_V,
        width_s: shape.width_s,
        count,
      });
      if (polarity === 'set') plan.setPulses += count;
      else plan.resetPulses += count;
    }
  }
  return plan;
}

function pulseCount(magnitude: number, policy: PulseCountPolicy): number {
  if (policy.policy === 'one') return 1;
  return Math.min(policy.maxCount, Math.max(1, Math.round(magnitude / policy.estimatePerPulse)));
}

/** Splits a pulse list into batches of at most `maxPerCall` for `PulseProgrammer.applyPulses`. */
export function pulseBatches(pulses: readonly Pulse[], maxPerCall: number): Pulse[][] {
  if (!Number.isInteger(maxPerCall) || maxPerCall < 1) {
    throw new RangeError(`maxPulsesPerCall must be an integer >= 1, got ${maxPerCall}`);
  }
  const out: Pulse[][] = [];
  for (let i = 0; i < pulses.length; i += maxPerCall) out.push(pulses.slice(i, i + maxPerCall));
  return out;
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
