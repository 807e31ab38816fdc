// Parameters of the memristor device models, in physical units, validated with zod. The equations
// they enter are in `response.ts` (pulse response), `variation.ts` (device-to-device spread),
// `drift.ts` (retention) and docs/device-models.md, which lists every parameter with its default.
import { z } from 'zod';

const fraction = (what: string) => z.number().nonnegative(`${what} must be >= 0`);
const positive = (what: string) => z.number().positive(`${what} must be > 0`);

/** Shape of the step size as a function of the normalised state x = (g − gMin)/(gMax − gMin). */
export const responseSchema = z.discriminatedUnion('family', [
  /** Δg independent of the state (aihwkit ConstantStep); only the hard bounds clip. */
  z.object({ family: z.literal('constant-step') }).strict(),
  /** Δg_set ∝ (1 − x), Δg_reset ∝ x: the step shrinks linearly to zero at the bound it approaches
   * (aihwkit SoftBounds). */
  z.object({ family: z.literal('soft-bounds') }).strict(),
  /** Δg_set ∝ max(0, 1 − aUp·exp(gammaUp·(x − 1))), Δg_reset ∝ max(0, 1 − aDown·exp(−gammaDown·x)):
   * aihwkit ExpStep with its state variable z taken as the distance to each bound. a = 1 makes
   * the step vanish exactly at the bound. */
  z
    .object({
      family: z.literal('exp-step'),
      aUp: fraction('response.aUp').default(1),
      aDown: fraction('response.aDown').default(1),
      gammaUp: fraction('response.gammaUp').default(5),
      gammaDown: fraction('response.gammaDown').default(5),
    })
    .strict(),
  /** Δg_set ∝ (1 − x)^gammaUp, Δg_reset ∝ x^gammaDown (aihwkit PowStep; the power-law bounded
   * synapse of Fusi & Abbott 2007). gamma = 1 is soft-bounds, gamma = 0 constant-step. */
  z
    .object({
      family: z.literal('pow-step'),
      gammaUp: fraction('response.gammaUp').default(2),
      gammaDown: fraction('response.gammaDown').default(2),
    })
    .strict(),
]);

/** Amplitude law of one polarity: no change at |A| ≤ threshold_V, the nominal step at
 * |A| = reference_V, linear in between and above. */
const pulseLawSchema = z
  .object({
    threshold_V: fraction('threshold_V').default(0.6),
    reference_V: positive('reference_V').default(1.2),
  })
  .strict()
  .refine((p) => p.reference_V > p.threshold_V, {
    message: 'reference_V must be above threshold_V',
    path: ['reference_V'],
  });

export const pulseSchema = z
  .object({
    set: pulseLawSchema.prefault({}),
    reset: pulseLawSchema.prefault({}),
    /** Width at which one reference-amplitude pulse gives the nominal step; steps scale linearly
     * with width_s / referenceWidth_s. */
    referenceWidth_s: positive('pulse.referenceWidth_s').default(100e-9),
  })
  .strict();

/** Device-to-device variation, drawn once per device at construction. Each entry is a fractional
 * standard deviation (0.3 = 30 %) of a multiplicative factor of mean 1. */
export const variationSchema = z
  .object({
    /** 'lognormal' keeps factors positive; 'normal' factors are clipped at 0. */
    distribution: z.enum(['lognormal', 'normal']).default('lognormal'),
    /** Common factor of both step sizes. */
    step: fraction('variation.step').default(0),
    /** Up/down imbalance δ ~ N(0, upDown): up step ×(1 + δ), down step ×(1 − δ) (aihwkit
     * up_down_dtod). */
    upDown: fraction('variation.upDown').default(0),
    gMin: fraction('variation.gMin').default(0),
    gMax: fraction('variation.gMax').default(0),
  })
  .strict();

export const readNoiseSchema = z
  .object({
    /** Fractional rms of a read: σ = sqrt((fraction·g)² + floor_S²). */
    fraction: fraction('readNoise.fraction').default(0),
    /** Absolute rms floor of a read, siemens. */
    floor_S: fraction('readNoise.floor_S').default(0),
  })
  .strict();

export const stuckSchema = z
  .object({
    /** Probability that a device is stuck (ignores pulses, setAll and drift). */
    fraction: z.number().min(0).max(1, 'stuck.fraction must be <= 1').default(0),
    /** Relative weights of where a stuck device sits: its gMin, its gMax, or its initial value. */
    atGMin: fraction('stuck.atGMin').default(1),
    atGMax: fraction('stuck.atGMax').default(1),
    atInitial: fraction('stuck.atInitial').default(0),
  })
  .strict()
  .refine((s) => s.fraction === 0 || s.atGMin + s.atGMax + s.atInitial > 0, {
    message: 'at least one of atGMin, atGMax, atInitial must be > 0 when fraction > 0',
    path: ['atGMin'],
  });

export const driftSchema = z
  .object({
    /** 'power-law': g = gT + (gP − gT)·(1 + τ/t0_s)^(−nu); 'exponential': g = gT + (gP − gT)·e^(−τ/tau_s);
     * gP is the conductance at the last programming, τ the time since, gT the target level. */
    law: z.enum(['none', 'power-law', 'exponential']).default('none'),
    nu: fraction('drift.nu').default(0.05),
    /** Fractional device-to-device spread of nu (same distribution as `variation`). */
    nuVariation: fraction('drift.nuVariation').default(0),
    t0_s: positive('drift.t0_s').default(1),
    tau_s: positive('drift.tau_s').default(1e4),
    /** Relaxation target as a fraction of each device's range: 0 = gMin, 1 = gMax. */
    targetFraction: z.number().min(0).max(1, 'drift.targetFraction must be <= 1').default(0),
  })
  .strict();

export const deviceParamsSchema = z
  .object({
    /** Lower and upper conductance bound (nominal, before device-to-device variation), siemens. */
    gMin_S: fraction('gMin_S').default(1e-6),
    gMax_S: positive('gMax_S').default(1e-4),
    /** Step of one reference SET / RESET pulse where the shape factor is 1 (anywhere for
     * constant-step, at the opposite bound for soft-bounds and pow-step), siemens. */
    stepUp_S: positive('stepUp_S').default(1e-6),
    stepDown_S: positive('stepDown_S').default(1e-6),
    response: responseSchema.default({ family: 'soft-bounds' }),
    pulse: pulseSchema.prefault({}),
    variation: variationSchema.prefault({}),
    /** Cycle-to-cycle noise: each pulse's step is multiplied by max(0, 1 + cycleToCycle·ξ). */
    cycleToCycle: fraction('cycleToCycle').default(0),
    /** Additive write noise per applied pulse, rms siemens. */
    writeNoise_S: fraction('writeNoise_S').default(0),
    readNoise: readNoiseSchema.prefault({}),
    stuck: stuckSchema.prefault({}),
    drift: driftSchema.prefault({}),
  })
  .strict()
  .refine((p) => p.gMin_S < p.gMax_S, { message: 'gMin_S must be below gMax_S', path: ['gMin_S'] });

export type DeviceParams = z.infer<typeof deviceParamsSchema>;
export type DeviceParamsInput = z.input<typeof deviceParamsSchema>;
export type ResponseFamily = DeviceParams['response']['family'];

/** Named parameter sets. The EqProp training benchmark uses `realistic-soft-bounds`. */
export const devicePresets = {
  /** Noise-free linear device: 990 equal steps between 1 µS and 100 µS, symmetric. */
  'ideal-linear': {
    response: { family: 'constant-step' },
    stepUp_S: 1e-7,
    stepDown_S: 1e-7,
  },
  /** Noise-free soft-bounds device with symmetric steps. */
  'ideal-soft-bounds': {
    response: { family: 'soft-bounds' },
    stepUp_S: 2e-6,
    stepDown_S: 2e-6,
  },
  /** Soft-bounds with 30 % device-to-device spread of the step sizes, 30 % cycle-to-cycle noise
   * and asymmetric up/down steps (down = 0.75 × up), as aihwkit's SoftBounds defaults. */
  'realistic-soft-bounds': {
    response: { family: 'soft-bounds' },
    stepUp_S: 2e-6,
    stepDown_S: 1.5e-6,
    variation: { distribution: 'lognormal', step: 0.3, upDown: 0.05, gMin: 0.1, gMax: 0.1 },
    cycleToCycle: 0.3,
    readNoise: { fraction: 0.01, floor_S: 1e-8 },
  },
  /** A harsher device for robustness studies: power-law steps, write noise, 1 % stuck devices,
   * and power-law retention drift toward gMin. */
  'realistic-pow-step': {
    response: { family: 'pow-step', gammaUp: 1.5, gammaDown: 2 },
    stepUp_S: 3e-6,
    stepDown_S: 2e-6,
    variation: { distribution: 'lognormal', step: 0.3, upDown: 0.1, gMin: 0.1, gMax: 0.1 },
    cycleToCycle: 0.3,
    writeNoise_S: 5e-8,
    readNoise: { fraction: 0.01, floor_S: 1e-8 },
    stuck: { fraction: 0.01, atGMin: 1, atGMax: 1, atInitial: 1 },
    drift: { law: 'power-law', nu: 0.02, nuVariation: 0.3, t0_s: 1, targetFraction: 0 },
  },
} satisfies Record<string, DeviceParamsInput>;

export type DevicePresetName = keyof typeof devicePresets;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function mergeDeep(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    // The response family selects which shape fields exist, so a new family replaces the whole object.
    const replace = k === 'response' && isPlainObject(v) && isPlainObject(b) && v.family !== b.family;
    out[k] = isPlainObject(v) && isPlainObject(b) && !replace ? mergeDeep(b, v) : v;
  }
  return out;
}

/** Validated parameters from a preset name, a parameter object, or a preset with overrides
 * (`{ preset: 'realistic-soft-bounds', cycleToCycle: 0.1 }`, merged field by field).
 * Throws a ZodError naming the offending field. */
export function parseDeviceParams(
  input: DevicePresetName | (DeviceParamsInput & { preset?: DevicePresetName }),
): DeviceParams {
  if (typeof input === 'string') return deviceParamsSchema.parse(presetInput(input));
  const { preset, ...rest } = input;
  const merged = preset === undefined ? rest : mergeDeep(presetInput(preset), rest);
  return deviceParamsSchema.parse(merged);
}

function presetInput(name: DevicePresetName): Record<string, unknown> {
  if (!Object.hasOwn(devicePresets, name)) {
    throw new RangeError(
      `preset: unknown device preset '${name}' (known: ${Object.keys(devicePresets).join(', ')})`,
    );
  }
  return devicePresets[name];
}
