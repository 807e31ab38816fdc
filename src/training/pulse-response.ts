// The trainer's model of a device's response to one programming pulse, for sizing pulse counts
// from the conductance change the update asks for (count policy 'response', sign-sgd.ts).
// The families are those of the simulated devices (docs/device-models.md; aihwkit ConstantStep,
// SoftBounds and PowStep): with x = (g − gMin)/(gMax − gMin), one SET pulse raises g by
// stepUp·(1 − x)^γup and one RESET pulse lowers it by stepDown·x^γdown (γ = 0: constant step,
// γ = 1: soft bounds). The parameters come from a pulse-response calibration of the devices
// (calibration/ fits the steps, the bounds and the up/down asymmetry), not from the simulator.

export interface PulseResponseModel {
  family: 'constant-step' | 'soft-bounds' | 'pow-step';
  /** Exponents of the pow-step family (ignored by the other two). */
  gammaUp: number;
  gammaDown: number;
  /** Step of one pulse of the configured shape where its shape factor is 1, siemens. */
  stepUp_S: number;
  stepDown_S: number;
  gMin_S: number;
  gMax_S: number;
}

function exponents(m: PulseResponseModel): { up: number; down: number } {
  if (m.family === 'constant-step') return { up: 0, down: 0 };
  if (m.family === 'soft-bounds') return { up: 1, down: 1 };
  return { up: m.gammaUp, down: m.gammaDown };
}

/** Expected conductance change of one pulse at conductance g: positive for SET, negative for
 * RESET; zero at the bound the pulse drives toward. */
export function expectedStep(m: PulseResponseModel, g_S: number, polarity: 'set' | 'reset'): number {
  const span = m.gMax_S - m.gMin_S;
  const x = Math.min(1, Math.max(0, (g_S - m.gMin_S) / span));
  const { up, down } = exponents(m);
  if (polarity === 'set') return m.stepUp_S * Math.pow(1 - x, up);
  return -m.stepDown_S * Math.pow(x, down);
}

/** Expected conductance after `signedCount` pulses (positive SET, negative RESET), each at the
 * state the previous one left, clipped to the bounds. */
export function afterPulses(m: PulseResponseModel, g_S: number, signedCount: number): number {
  const polarity = signedCount > 0 ? 'set' : 'reset';
  let g = Math.min(m.gMax_S, Math.max(m.gMin_S, g_S));
  for (let k = Math.abs(signedCount); k > 0; k--) {
    g = Math.min(m.gMax_S, Math.max(m.gMin_S, g + expectedStep(m, g, polarity)));
  }
  return g;
}
