// One training run of a dataset preset: the data in volts, the network, the device model and the
// training configuration for a mode and seed (`planPresetRun`), the run itself on any bench through
// the Trainer (`trainPreset`), and the backprop baseline on the same data (`backpropPreset`).
// The CLI (`nudge train`) and the train-accuracy benchmark both run presets through here, so the
// figures the benchmark reports are the ones the command reproduces.
import { trainBackprop } from '../baseline/train.ts';
import type { DatasetName } from '../datasets/registry.ts';
import type { Dataset, Split } from '../datasets/types.ts';
import type { NetworkLayout } from '../network/description.ts';
import { Trainer } from '../training/index.ts';
import type { EpochSummary, TrainingConfigInput, TrainingEvent } from '../training/index.ts';
import { datasetPreset, presetBoard, presetDataset, presetForMode } from './datasets.ts';
import type { DatasetPreset, PresetBoard, TrainingMode } from './datasets.ts';

export interface PresetRunOptions {
  dataset: DatasetName;
  mode: TrainingMode;
  /** Seeds the train/test split (generated datasets and Iris), the board and the training. */
  seed: number;
  /** Fields replacing the preset's training configuration (epochs, beta_S, estimator…). */
  overrides?: TrainingConfigInput;
  /** Input range of the bench, V: the preset's range is narrowed to it (default: the preset's). */
  inputRange_V?: { min: number; max: number };
  /** Keep the preset's bias input line (default true; a bench without a spare input drops it). */
  bias?: boolean;
  /** Use only N training / test samples, evenly spaced through the split so that every class
   * keeps its share (the digits splits are stored class by class). Short runs and tests. */
  maxTrain?: number;
  maxTest?: number;
}

export interface PresetRunPlan {
  preset: DatasetPreset;
  mode: TrainingMode;
  seed: number;
  /** Features in volts (with the bias line when the preset has one). */
  data: Dataset;
  /** The simulated board for this mode (with a seed, a SimBoard config): the network, the device
   * model and where its devices start. */
  board: PresetBoard;
  training: TrainingConfigInput;
}

export function planPresetRun(options: PresetRunOptions): PresetRunPlan {
  const base = presetForMode(datasetPreset(options.dataset), options.mode);
  const range = options.inputRange_V;
  const preset: DatasetPreset =
    range === undefined
      ? { ...base }
      : {
          ...base,
          input: {
            ...base.input,
            min_V: Math.max(base.input.min_V, range.min),
            max_V: Math.min(base.input.max_V, range.max),
          },
          biasInput_V:
            base.biasInput_V === null ? null : Math.min(range.max, Math.max(range.min, base.biasInput_V)),
        };
  if (options.bias === false) preset.biasInput_V = null;
  if (!(preset.input.min_V < preset.input.max_V)) {
    throw new RangeError(
      `inputRange_V: ${range?.min}..${range?.max} V leaves no room for the ${options.dataset} inputs`,
    );
  }
  const full = presetDataset(preset, options.seed);
  const data: Dataset = {
    ...full,
    train: evenlySpaced(full.train, options.maxTrain, 'maxTrain'),
    test: evenlySpaced(full.test, options.maxTest, 'maxTest'),
  };
  return {
    preset,
    mode: options.mode,
    seed: options.seed,
    data,
    board: presetBoard(preset, options.mode, data),
    training: {
      ...preset.training[options.mode],
      ...options.overrides,
      mode: options.mode,
      seed: options.seed,
    },
  };
}

function evenlySpaced(split: Split, n: number | undefined, field: string): Split {
  if (n === undefined || n >= split.x.length) return split;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${field} must be an integer >= 1, got ${n}`);
  const picks = Array.from({ length: n }, (_, i) => Math.floor((i * split.x.length) / n));
  return { x: picks.map((i) => split.x[i]), y: picks.map((i) => split.y[i]) };
}

export interface PresetRunResult {
  /** Accuracy of the trained network on the whole training set (free phase only, thesis Eq. 4.14). */
  trainAccuracy: number;
  testAccuracy: number;
  testCost: number;
  epochs: EpochSummary[];
  steps: number;
  /** Wall-clock duration of the run, s. */
  seconds: number;
}

/** Any bench the Trainer takes (the capability interfaces, or a BenchPort). */
export type TrainableBench = ConstructorParameters<typeof Trainer>[0];

export interface TrainPresetOptions {
  signal?: AbortSignal;
  onEvent?: (event: TrainingEvent) => void;
  /** Evaluate the training set after training (default true; the benchmark skips it). */
  evaluateTrain?: boolean;
}

/** Trains the plan's network on `bench` (wired as `layout`): every epoch ends with a test
 * evaluation; the run ends with the final test (and train) accuracy. */
export async function trainPreset(
  bench: TrainableBench,
  layout: NetworkLayout,
  plan: PresetRunPlan,
  options: TrainPresetOptions = {},
): Promise<PresetRunResult> {
  const started = performance.now();
  const trainer = new Trainer(bench, layout, plan.training);
  const { train, test } = plan.data;
  const summary = await trainer.train(train, { test, signal: options.signal, onEvent: options.onEvent });
  const last = summary.epochs.at(-1);
  const finalTest = last?.test ?? (await trainer.evaluate(test, options));
  const trainAccuracy =
    options.evaluateTrain === false
      ? (last?.trainAccuracy ?? NaN)
      : (await trainer.evaluate(train, options)).accuracy;
  return {
    trainAccuracy,
    testAccuracy: finalTest.accuracy,
    testCost: finalTest.meanCost,
    epochs: summary.epochs,
    steps: summary.steps,
    seconds: (performance.now() - started) / 1000,
  };
}

/** The backprop baseline of the preset on the plan's samples and split (src/baseline), at the
 * preset's baseline input mapping. */
export function backpropPreset(plan: PresetRunPlan): { trainAccuracy: number; testAccuracy: number } {
  const mapping = plan.preset.backpropInput;
  let data = plan.data;
  if (mapping !== undefined) {
    const { min_V, max_V, biasInput_V } = mapping;
    const full = presetDataset({ ...plan.preset, input: { min_V, max_V }, biasInput_V }, plan.seed);
    data = {
      ...full,
      train: evenlySpaced(full.train, plan.data.train.x.length, 'maxTrain'),
      test: evenlySpaced(full.test, plan.data.test.x.length, 'maxTest'),
    };
  }
  const r = trainBackprop(data, { ...plan.preset.backprop, seed: plan.seed });
  return { trainAccuracy: r.trainAccuracy, testAccuracy: r.testAccuracy };
}
