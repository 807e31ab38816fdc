// The 'ideal' programming mode of the simulated board: the continuous gradient step
// Δg = −η_l ∇̂ (thesis §2.4, update rule) written exactly through IdealConductanceAccess, clipped
// to the conductance range. No pulse quantisation, no device nonideality: it measures the
// algorithm apart from the devices.
import type { IdealConductanceAccess } from '../capabilities/index.ts';
import type { NetworkLayout } from '../network/description.ts';
import { layerScales } from './sign-sgd.ts';

export interface IdealUpdateReport {
  /** Mean |Δg| actually applied, S. */
  meanAbsChange_S: number;
  /** Devices whose step was cut by the conductance range. */
  clipped: number;
}

/** η_l = learningRate · layerScale[l]; learningRate in S per unit of the estimate (S²/V²).
 * `buffer` (length totalDevices), when given, receives the conductances instead of a new array:
 * a caller stepping every mini-batch reuses one. */
export function applyIdealUpdate(
  ideal: IdealConductanceAccess,
  layout: NetworkLayout,
  gradient: Float64Array,
  learningRate: number,
  layerScale?: readonly number[],
  buffer?: Float64Array,
): IdealUpdateReport {
  if (gradient.length !== layout.totalDevices) {
    throw new RangeError(
      `gradient has ${gradient.length} entries, the network has ${layout.totalDevices} devices`,
    );
  }
  if (buffer !== undefined && buffer.length !== layout.totalDevices) {
    throw new RangeError(
      `buffer has ${buffer.length} entries, the network has ${layout.totalDevices} devices`,
    );
  }
  const scale = layerScales(layout, layerScale);
  const { min_S, max_S } = layout.desc.conductance;
  const g = ideal.read(buffer);
  let change = 0;
  let clipped = 0;
  for (let l = 0; l < layout.arrays.length; l++) {
    const eta = learningRate * scale[l];
    const start = layout.deviceOffsets[l];
    const end = start + layout.arrays[l].rows * layout.arrays[l].cols;
    for (let d = start; d < end; d++) {
      const old = g[d];
      const wanted = old - eta * gradient[d];
      const next = Math.min(max_S, Math.max(min_S, wanted));
      if (next !== wanted) clipped++;
      change += Math.abs(next - old);
      g[d] = next;
    }
  }
  ideal.write(g);
  return { meanAbsChange_S: change / Math.max(1, g.length), clipped };
}
