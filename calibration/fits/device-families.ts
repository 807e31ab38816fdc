// The pulse-response families of the simulated board's devices (docs/device-models.md, after
// aihwkit's SoftBoundsDevice, ExpStepDevice and PowStepDevice), as the calibration fits them: one
// pulse moves g by Δg = ±α·f(x), x = (g − gMin)/(gMax − gMin), then g is clipped to the bounds.
//   soft-bounds  SET f = 1 − x                 RESET f = x
//   exp-step     SET f = 1 − e^(γ↑(x − 1))      RESET f = 1 − e^(−γ↓·x)     (aihwkit A = 1)
//   pow-step     SET f = (1 − x)^γ↑             RESET f = x^γ↓
// With A = 1 the exp-step bound is where the step vanishes; an A ≠ 1 only moves that point, which
// a pulse-response curve cannot tell apart from a different bound, so it is not a fit parameter.
import type { PulsePolarity } from '../../src/capabilities/index.ts';

export const deviceFamilies = ['soft-bounds', 'exp-step', 'pow-step'] as const;
export type DeviceFamily = (typeof deviceFamilies)[number];

export interface DeviceModel {
  family: DeviceFamily;
  gMin_S: number;
  gMax_S: number;
  /** Step of one calibration pulse where f = 1 (at the opposite bound), S. */
  stepUp_S: number;
  stepDown_S: number;
  /** Shape exponents (exp-step, pow-step); 1 for soft-bounds. */
  gammaUp: number;
  gammaDown: number;
}

/** The shape factor f(x) of a pulse of this polarity at state x (clamped to [0, 1]). */
export function shapeFactor(model: DeviceModel, polarity: PulsePolarity, x: number): number {
  const u = x < 0 ? 0 : x > 1 ? 1 : x;
  const up = polarity === 'set';
  switch (model.family) {
    case 'soft-bounds':
      return up ? 1 - u : u;
    case 'exp-step':
      return up ? 1 - Math.exp(model.gammaUp * (u - 1)) : 1 - Math.exp(-model.gammaDown * u);
    case 'pow-step':
      return up ? Math.pow(1 - u, model.gammaUp) : Math.pow(u, model.gammaDown);
  }
}

/** Expected (noise-free) conductance after one pulse from g. */
export function nextConductance(model: DeviceModel, g_S: number, polarity: PulsePolarity): number {
  const span = model.gMax_S - model.gMin_S;
  const x = (g_S - model.gMin_S) / span;
  const f = shapeFactor(model, polarity, x);
  const next = polarity === 'set' ? g_S + model.stepUp_S * f : g_S - model.stepDown_S * f;
  return next < model.gMin_S ? model.gMin_S : next > model.gMax_S ? model.gMax_S : next;
}
