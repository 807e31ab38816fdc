// The 'ideal' programming mode of the simulated board: the continuous gradient step
// Δg = −η_l ∇̂ (thesis §2.4, update rule) applied exactly and in place through
// IdealConductanceAccess.step, clipped to the conductance range. No pulse quantisation, no device
// nonideality: it measures the algorithm apart from the devices. The pipeline hands over its
// mini-batch estimate as voltage-drop pairs (drop-batch.ts); a dense gradient (e.g. the sim's
// exact one) works the same way. With `momentum` μ > 0 the bench adds classical momentum
// (v ← μ·v + Δ, g ← clip(g + v); IdealConductanceAccess.step), keeping the velocity itself.
import type { IdealConductanceAccess, IdealGradient, IdealStepReport } from '../capabilities/index.ts';
import type { NetworkLayout } from '../network/description.ts';
import { layerScales } from './sign-sgd.ts';

export type IdealUpdateReport = IdealStepReport;

/** η_l = learningRate · layerScale[l]; learningRate in S per unit of the estimate (S²/V²);
 * momentum μ in [0, 1) (0: the plain step). */
export function applyIdealUpdate(
  ideal: IdealConductanceAccess,
  layout: NetworkLayout,
  gradient: IdealGradient,
  learningRate: number,
  layerScale?: readonly number[],
  momentum = 0,
): IdealUpdateReport {
  if (gradient.kind === 'dense' && gradient.values.length !== layout.totalDevices) {
    throw new RangeError(
      `gradient has ${gradient.values.length} entries, the network has ${layout.totalDevices} devices`,
    );
  }
  const eta = layerScales(layout, layerScale).map((s) => learningRate * s);
  return ideal.step(gradient, eta, layout.desc.conductance, momentum);
}
