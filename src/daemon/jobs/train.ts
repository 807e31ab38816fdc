// The `train` job: EqProp training on the bench from a dataset preset with overrides. Steps are
// numbered 0…epochs·stepsPerEpoch−1 across the run; each step is committed atomically (metrics,
// step event, conductance snapshot when due, device state on the sim, and — on an epoch's last
// step — the epoch's test evaluation and metrics), so an interrupted run resumes at the step after
// the last commit with no metric row lost or duplicated. Everything random in a step is derived
// from (seed, step): the epoch's shuffled order and the random sign of β, so a resumed run
// computes exactly what the uninterrupted run would have.
import { z } from 'zod';
import { parseTrainingConfig } from '../../training/config.ts';
import type { DatasetName } from '../../datasets/registry.ts';
import { datasetPreset } from '../../presets/datasets.ts';
import { badField } from '../errors.ts';
import { DATASET_NAMES, fitDataset } from './dataset.ts';
import { runTraining } from './train-loop.ts';
import type { JobKind } from './types.ts';

export const trainParamsSchema = z.strictObject({
  dataset: z.enum(DATASET_NAMES as [DatasetName, ...DatasetName[]]).default('iris'),
  /** Programming mode: sign-SGD pulses, or ideal conductance writes (simulated board only). */
  mode: z.enum(['pulses', 'ideal']).default('pulses'),
  seed: z.number().int().min(0).max(0x7fffffff).default(0),
  epochs: z.number().int().min(1).max(100_000).optional(),
  batchSize: z.number().int().min(1).max(100_000).optional(),
  beta_S: z.number().positive().max(1).optional(),
  estimator: z.enum(['one-sided', 'centered', 'random-sign']).optional(),
  learningRate: z.number().positive().optional(),
  /** Ideal mode: classical momentum μ in [0, 1) (TrainingConfig.momentum; the pulses mode ignores it). */
  momentum: z.number().min(0).lt(1).optional(),
  /** Ideal mode: weight averaging over the last epochs (TrainingConfig.averaging); false turns a
   * preset's averaging off. */
  averaging: z
    .union([
      z.literal(false),
      z.strictObject({
        lastEpochs: z.number().int().min(1),
        everySteps: z.number().int().min(1).optional(),
      }),
    ])
    .optional(),
  /** Use only the first N training / test samples (small runs). */
  maxTrainSamples: z.number().int().min(1).optional(),
  maxTestSamples: z.number().int().min(1).optional(),
  /** A conductance snapshot every N steps (and after the last step). */
  snapshotEvery: z.number().int().min(1).default(10),
});
export type TrainParams = z.output<typeof trainParamsSchema>;

/** The training configuration of a run: the preset's for the mode with the overrides. */
export function trainingConfigOf(p: TrainParams) {
  const preset = datasetPreset(p.dataset);
  const overrides = Object.fromEntries(
    (['epochs', 'batchSize', 'beta_S', 'estimator', 'learningRate', 'momentum'] as const)
      .filter((k) => p[k] !== undefined)
      .map((k) => [k, p[k]]),
  );
  const { averaging: presetAveraging, ...training } = preset.training[p.mode];
  const averaging = p.averaging === undefined ? presetAveraging : p.averaging || undefined;
  return parseTrainingConfig({ ...training, ...overrides, averaging, mode: p.mode, seed: p.seed });
}

export const trainKind: JobKind<TrainParams> = {
  kind: 'train',
  summary: 'EqProp training from a dataset preset (iris, xor, moons, digits) with overrides',
  params: trainParamsSchema,
  resumable: true,
  check(params, bench) {
    const config = trainingConfigOf(params);
    if (config.mode === 'ideal' && bench.capabilities.ideal === undefined) {
      throw badField('params.mode', 'ideal mode needs the simulated bench (ideal conductance access)');
    }
    fitDataset(params.dataset, bench, { mode: params.mode, splitSeed: params.seed, maxTrain: 1, maxTest: 1 });
  },
  run: (ctx) => runTraining(ctx, trainingConfigOf(ctx.params)),
};
