// The deterministic part of a device's pulse response: how far one pulse moves the conductance as a
// function of the state and of the pulse's amplitude and width. Noise and bounds are applied by
// DeviceArray. The step of one pulse is
//
//   Δg = α · s(A, w) · f(x),   x = (g − gMin)/(gMax − gMin) ∈ [0, 1]
//
// with α the device's up or down step (stepUp_S / stepDown_S after device-to-device variation),
// s the pulse scale below and f the family's shape factor (params.ts, docs/device-models.md).
import type { DeviceParams } from './params.ts';

export interface PulseLaw {
  threshold_V: number;
  reference_V: number;
}

/** s(A, w) = ((|A| − A_th)/(A_ref − A_th)) · (w / w_ref) for |A| > A_th, else 0: the step grows
 * linearly with the overdrive above the switching threshold and with the pulse width (the
 * charge-like regime of filamentary RRAM far from saturation). The sign of A is ignored: the
 * polarity argument of a pulse selects SET or RESET. */
export function pulseScale(
  amplitude_V: number,
  width_s: number,
  law: PulseLaw,
  referenceWidth_s: number,
): number {
  const overdrive = Math.abs(amplitude_V) - law.threshold_V;
  if (overdrive <= 0) return 0;
  return (overdrive / (law.reference_V - law.threshold_V)) * (width_s / referenceWidth_s);
}

/** Numeric family codes so the per-pulse hot path switches on an integer. */
export const FamilyCode = { ConstantStep: 0, SoftBounds: 1, ExpStep: 2, PowStep: 3 } as const;
export type FamilyCode = (typeof FamilyCode)[keyof typeof FamilyCode];

/** Shape constants of one family, flattened for the hot path. */
export interface ShapeConstants {
  family: FamilyCode;
  aUp: number;
  aDown: number;
  gammaUp: number;
  gammaDown: number;
}

export function shapeConstants(response: DeviceParams['response']): ShapeConstants {
  switch (response.family) {
    case 'constant-step':
      return { family: FamilyCode.ConstantStep, aUp: 0, aDown: 0, gammaUp: 0, gammaDown: 0 };
    case 'soft-bounds':
      return { family: FamilyCode.SoftBounds, aUp: 0, aDown: 0, gammaUp: 1, gammaDown: 1 };
    case 'exp-step':
      return {
        family: FamilyCode.ExpStep,
        aUp: response.aUp,
        aDown: response.aDown,
        gammaUp: response.gammaUp,
        gammaDown: response.gammaDown,
      };
    case 'pow-step':
      return {
        family: FamilyCode.PowStep,
        aUp: 0,
        aDown: 0,
        gammaUp: response.gammaUp,
        gammaDown: response.gammaDown,
      };
  }
}

/** Shape factor f(x) of a SET pulse (raising g) at normalised state x. */
export function setShape(c: ShapeConstants, x: number): number {
  switch (c.family) {
    case FamilyCode.ConstantStep:
      return 1;
    case FamilyCode.SoftBounds:
      return 1 - x;
    case FamilyCode.ExpStep:
      return Math.max(0, 1 - c.aUp * Math.exp(c.gammaUp * (x - 1)));
    case FamilyCode.PowStep:
      return Math.pow(1 - x, c.gammaUp);
  }
}

/** Shape factor f(x) of a RESET pulse (lowering g) at normalised state x. */
export function resetShape(c: ShapeConstants, x: number): number {
  switch (c.family) {
    case FamilyCode.ConstantStep:
      return 1;
    case FamilyCode.SoftBounds:
      return x;
    case FamilyCode.ExpStep:
      return Math.max(0, 1 - c.aDown * Math.exp(-c.gammaDown * x));
    case FamilyCode.PowStep:
      return Math.pow(x, c.gammaDown);
  }
}
