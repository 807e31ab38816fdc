// Training configuration: a zod schema with every default documented (docs/training.md lists
// them with their sources). Errors name the field path and the reason.
import { z } from 'zod';

const positive = (field: string) => z.number().positive(`${field} must be > 0`);
const count = (field: string, min: number) =>
  z.number().int(`${field} must be an integer`).min(min, `${field} must be >= ${min}`);

const pulseShapeSchema = (polarity: string) =>
  z
    .object({
      /** Pulse amplitude, V (the simulated devices' reference amplitude). */
      amplitude_V: positive(`pulses.${polarity}.amplitude_V`).default(1.2),
      /** Pulse width, s (the simulated devices' reference width). */
      width_s: positive(`pulses.${polarity}.width_s`).default(100e-9),
    })
    .strict();

export const settleConfigSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('fixed'), time_s: positive('settle.time_s').default(1e-5) }).strict(),
  z
    .object({
      kind: z.literal('adaptive'),
      interval_s: positive('settle.interval_s').default(1e-6),
      tolerance_V: positive('settle.tolerance_V').default(5e-4),
      maxReads: count('settle.maxReads', 2).default(50),
    })
    .strict(),
  z
    .object({
      kind: z.literal('time-constant'),
      tau_s: positive('settle.tau_s'),
      multiple: positive('settle.multiple').default(10),
    })
    .strict(),
]);

/** Target scores of the labelled class and of the others, V (thesis Eq. 4.15: one-hot, 1 and 0;
 * any pair with on_V above off_V). */
const targetSchema = z
  .object({ on_V: z.number().default(1), off_V: z.number().default(0) })
  .strict()
  .refine((t) => t.on_V > t.off_V, { message: 'on_V must be above off_V', path: ['on_V'] })
  .prefault({});

export const lossConfigSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('squared-error'), target: targetSchema }).strict(),
  /** The squared error without cost for a score already past its target (src/training/losses.ts). */
  z.object({ kind: z.literal('squared-hinge'), target: targetSchema }).strict(),
  z
    .object({
      kind: z.literal('cross-entropy'),
      temperature_V: positive('loss.temperature_V').default(0.1),
    })
    .strict(),
]);

export const pulseCountSchema = z.discriminatedUnion('policy', [
  z.object({ policy: z.literal('one') }).strict(),
  z
    .object({
      policy: z.literal('quantized'),
      /** Estimate magnitude worth one pulse (V²/S). */
      estimatePerPulse: positive('pulses.count.estimatePerPulse'),
      maxCount: count('pulses.count.maxCount', 1).default(10),
      /** 'nearest': round(|e| / estimatePerPulse), at least one pulse above the dead band;
       * 'stochastic': floor plus one more with probability of the remainder, so the expected
       * conductance change follows the estimate (zero pulses are possible). */
      rounding: z.enum(['nearest', 'stochastic']).default('nearest'),
    })
    .strict(),
  z
    .object({
      /** Pulses sized from a model of the device response (src/training/pulse-response.ts): the
       * count is the change Δg = −η·∇̂ of the ideal mode (learningRate, its decay and layerScale)
       * over the expected step of one pulse at the device's conductance. */
      policy: z.literal('response'),
      family: z.enum(['constant-step', 'soft-bounds', 'pow-step']).default('soft-bounds'),
      gammaUp: z.number().nonnegative('pulses.count.gammaUp must be >= 0').default(1),
      gammaDown: z.number().nonnegative('pulses.count.gammaDown must be >= 0').default(1),
      /** Step of one pulse of the configured shape at the bound it leaves, S (calibrated). */
      stepUp_S: positive('pulses.count.stepUp_S'),
      stepDown_S: positive('pulses.count.stepDown_S'),
      /** Bounds of the model, S; default the network's conductance range. */
      gMin_S: z.number().nonnegative('pulses.count.gMin_S must be >= 0').optional(),
      gMax_S: positive('pulses.count.gMax_S').optional(),
      /** Steps between read-backs of every conductance; in between, the trainer's copy follows the
       * pulses it sent through the model. */
      readEvery: count('pulses.count.readEvery', 1).default(1),
      maxCount: count('pulses.count.maxCount', 1).default(100),
      rounding: z.enum(['nearest', 'stochastic']).default('stochastic'),
    })
    .strict()
    .refine((c) => c.gMin_S === undefined || c.gMax_S === undefined || c.gMin_S < c.gMax_S, {
      message: 'pulses.count.gMin_S must be below gMax_S',
      path: ['gMin_S'],
    }),
]);

export const trainingConfigSchema = z
  .object({
    epochs: count('epochs', 1).default(10),
    /** Samples per mini-batch (one programming step per mini-batch). */
    batchSize: count('batchSize', 1).default(1),
    shuffle: z.boolean().default(true),
    /** Seeds the shuffling and the random sign of β. */
    seed: z.number().int('seed must be an integer').default(0),
    /** Nudging factor, S (thesis §4.4.4: β is a conductance). */
    beta_S: positive('beta_S').default(1e-5),
    estimator: z.enum(['one-sided', 'centered', 'random-sign']).default('centered'),
    loss: lossConfigSchema.prefault({ kind: 'squared-error' }),
    settle: settleConfigSchema.prefault({ kind: 'fixed' }),
    /** ADC conversions averaged per node read. */
    readsPerPhase: count('readsPerPhase', 1).default(1),
    mode: z.enum(['pulses', 'ideal']).default('pulses'),
    /** Ideal mode (and pulses with count policy 'response'): Δg = −η ∇̂, η in S per unit of the
     * estimate (S²/V²). */
    learningRate: positive('learningRate').default(1e-9),
    /** η decays linearly over the epochs to learningRate · learningRateEndFactor (epoch e of E
     * steps with learningRate · (1 − (e/E)(1 − endFactor)); 1 keeps η constant). The pulses mode
     * scales its estimate by the same factor before the dead band and the pulse count. */
    learningRateEndFactor: z
      .number()
      .gt(0, 'learningRateEndFactor must be > 0')
      .max(1, 'learningRateEndFactor must be <= 1')
      .default(1),
    /** Ideal mode only: classical (heavy-ball) momentum μ (thesis §2.1; Sutskever et al. 2013):
     * v ← μ·v + Δ, g ← clip(g + v) with Δ the plain clipped step; 0 is the plain step. The
     * velocity is kept by the bench and zeroed by any other conductance change. The pulses mode
     * ignores it. */
    momentum: z.number().min(0, 'momentum must be >= 0').lt(1, 'momentum must be < 1').default(0),
    /** Ideal mode only: weight averaging (src/training/weight-averaging.ts; Polyak & Juditsky 1992,
     * Izmailov et al. 2018). The run ends on the mean of the conductances sampled every
     * `everySteps` steps over its last `lastEpochs` epochs, written back before the last epoch's
     * test evaluation. Absent: the run ends on its last conductances. */
    averaging: z
      .object({
        lastEpochs: count('averaging.lastEpochs', 1),
        everySteps: count('averaging.everySteps', 1).default(8),
      })
      .strict()
      .optional(),
    /** Multiplier of the estimate per network array (layer-wise learning rates, thesis §3.3.1). */
    layerScale: z.array(z.number().nonnegative('layerScale entries must be >= 0')).optional(),
    pulses: z
      .object({
        set: pulseShapeSchema('set').prefault({}),
        reset: pulseShapeSchema('reset').prefault({}),
        /** No pulse where |scaled estimate| ≤ deadBand (V²/S). */
        deadBand: z.number().nonnegative('pulses.deadBand must be >= 0').default(0),
        count: pulseCountSchema.prefault({ policy: 'one' }),
        maxPulsesPerCall: count('pulses.maxPulsesPerCall', 1).default(4096),
      })
      .strict()
      .prefault({}),
    /** Row order of array 0 on the bench (src/training/weight-mapping.ts). */
    inputPairing: z.enum(['blocked', 'interleaved']).default('blocked'),
    verify: z
      .object({
        /** Read every conductance back after programming (one event per step). */
        enabled: z.boolean().default(false),
        readVoltage_V: positive('verify.readVoltage_V').default(0.1),
      })
      .strict()
      .prefault({}),
    /** Timeout of one capability call, ms; a wait gets its own duration on top. */
    operationTimeout_ms: positive('operationTimeout_ms').default(10_000),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.averaging === undefined) return;
    if (c.mode !== 'ideal') {
      ctx.addIssue({
        code: 'custom',
        path: ['averaging'],
        message: "needs mode 'ideal' (the mean is written back through ideal conductance access)",
      });
    }
    if (c.averaging.lastEpochs > c.epochs) {
      ctx.addIssue({
        code: 'custom',
        path: ['averaging', 'lastEpochs'],
        message: `${c.averaging.lastEpochs} is more than the run's ${c.epochs} epochs`,
      });
    }
  });

export type TrainingConfig = z.infer<typeof trainingConfigSchema>;
export type TrainingConfigInput = z.input<typeof trainingConfigSchema>;

/** The ideal mode's learning-rate factor in epoch `epoch` (0-based) of the run. */
export function learningRateFactor(config: TrainingConfig, epoch: number): number {
  const e = Math.min(Math.max(epoch, 0), config.epochs);
  return 1 - (e / config.epochs) * (1 - config.learningRateEndFactor);
}

/** Parses a configuration; a failure is a RangeError listing each bad field as `path: reason`. */
export function parseTrainingConfig(input: TrainingConfigInput = {}): TrainingConfig {
  const r = trainingConfigSchema.safeParse(input);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new RangeError(`invalid training config: ${issues.join('; ')}`);
}
