// `nudge train`: EqProp training of a dataset preset (src/presets) in this process. With
// `--bench sim` (the default) on the preset's in-process SimBoard; with a bench file on that bench,
// assembled by src/bench behind the SafeBench interlock (the network is the bench's; the features
// are scaled into its input range). A progress bar on a terminal (stderr), JSON lines with --json
// (one per epoch), and always a final JSON summary line on stdout with train_accuracy and
// test_accuracy. SIGINT/SIGTERM cancel the run; the bench is left safe on every ending.
import type { Command } from 'commander';
import { assembleBench } from '../bench/index.ts';
import type { AssembledBench } from '../bench/index.ts';
import type { BenchCapabilities } from '../capabilities/index.ts';
import { loadBenchConfig } from '../config/index.ts';
import { DATASET_NAMES } from '../datasets/registry.ts';
import type { DatasetName } from '../datasets/registry.ts';
import { layoutNetwork } from '../network/description.ts';
import type { NetworkLayout } from '../network/description.ts';
import { datasetPreset } from '../presets/datasets.ts';
import { planPresetRun, trainPreset } from '../presets/run.ts';
import type { PresetRunOptions, PresetRunPlan, PresetRunResult } from '../presets/run.ts';
import type { TrainingConfigInput, TrainingEvent } from '../training/index.ts';
import { SimBoard } from '../../sim/board/index.ts';
import { calibrationHook } from '../daemon/jobs/calibrate.ts';
import { CliError } from './client.ts';
import { progressBar } from './progress.ts';

export interface TrainCommandOptions {
  bench: string;
  dataset: string;
  mode: string;
  seed: string;
  epochs?: string;
  beta?: string;
  estimator?: string;
  batch?: string;
  maxTrain?: string;
  maxTest?: string;
  json?: boolean;
}

const ESTIMATORS = ['centered', 'one-sided', 'random-sign'] as const;
const MODES = ['pulses', 'ideal'] as const;

function oneOf<T extends string>(flag: string, value: string, known: readonly T[]): T {
  if (!known.includes(value as T)) throw new CliError(`${flag} '${value}' is not one of ${known.join(', ')}`);
  return value as T;
}

function integer(flag: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new CliError(`${flag} must be an integer >= ${min}, got '${value}'`);
  return n;
}

function positive(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(Number.isFinite(n) && n > 0)) throw new CliError(`${flag} must be a number > 0, got '${value}'`);
  return n;
}

/** The run the options ask for (everything but the bench), checked flag by flag. */
export function trainRunOptions(o: TrainCommandOptions): PresetRunOptions {
  const overrides: TrainingConfigInput = {};
  const epochs = integer('--epochs', o.epochs, 1);
  if (epochs !== undefined) overrides.epochs = epochs;
  const beta = positive('--beta', o.beta);
  if (beta !== undefined) overrides.beta_S = beta;
  if (o.estimator !== undefined) overrides.estimator = oneOf('--estimator', o.estimator, ESTIMATORS);
  const batch = integer('--batch', o.batch, 1);
  if (batch !== undefined) overrides.batchSize = batch;
  return {
    dataset: oneOf('--dataset', o.dataset, DATASET_NAMES as DatasetName[]),
    mode: oneOf('--mode', o.mode, MODES),
    seed: integer('--seed', o.seed, 0)!,
    overrides,
    maxTrain: integer('--max-train', o.maxTrain, 1),
    maxTest: integer('--max-test', o.maxTest, 1),
  };
}

interface OpenBench {
  name: string;
  capabilities: BenchCapabilities;
  layout: NetworkLayout;
  plan: PresetRunPlan;
  close(): Promise<void>;
}

/** The preset's SimBoard, or the bench file assembled behind the interlock with the data fitted
 * to its network and input range. */
async function openTrainingBench(spec: string, run: PresetRunOptions): Promise<OpenBench> {
  if (spec === 'sim') {
    const plan = planPresetRun(run);
    const board = new SimBoard({ ...plan.board, seed: run.seed });
    return { name: 'sim', capabilities: board, layout: board.layout, plan, close: () => board.safeState() };
  }
  const config = await loadBenchConfig(spec);
  const layout = layoutNetwork(config.network);
  const plan = fitPlan(run, layout, config.limits.inputVoltage_V, spec);
  const bench: AssembledBench = await assembleBench(config, { applyCalibration: calibrationHook() });
  return {
    name: bench.name,
    capabilities: bench.capabilities,
    layout,
    plan,
    close: () => bench.close(),
  };
}

function fitPlan(
  run: PresetRunOptions,
  layout: NetworkLayout,
  limits: { min: number; max: number } | readonly { min: number; max: number }[],
  file: string,
): PresetRunPlan {
  const ranges = Array.isArray(limits) ? limits : [limits as { min: number; max: number }];
  const inputRange_V = {
    min: Math.max(...ranges.map((r) => r.min)),
    max: Math.min(...ranges.map((r) => r.max)),
  };
  const { inputs, outputs } = layout.desc;
  const bare = planPresetRun({ ...run, inputRange_V, bias: false });
  const features = bare.data.features;
  const hasBias = datasetPreset(run.dataset).biasInput_V !== null;
  const plan = hasBias && inputs === features + 1 ? planPresetRun({ ...run, inputRange_V }) : bare;
  if (plan.data.features !== inputs || plan.data.classes !== outputs) {
    const lines = hasBias ? `${features} inputs (${features + 1} with its bias line)` : `${features} inputs`;
    throw new CliError(
      `--dataset ${run.dataset} needs ${lines} and ${plan.data.classes} outputs; ` +
        `the network of ${file} has ${inputs} inputs and ${outputs} outputs`,
    );
  }
  return plan;
}

/** Progress on stderr (a bar redrawn in place on a terminal) and JSON lines on stdout. */
function reporter(o: {
  json: boolean;
  tty: boolean;
  totalSteps: number;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}) {
  let step = 0;
  let epoch = 0;
  let cost = 0;
  let correct = 0;
  let samples = 0;
  let drawn = 0;
  return (e: TrainingEvent) => {
    if (e.type === 'step-ended') {
      step++;
      cost += e.meanCost * e.samples;
      correct += e.correct;
      samples += e.samples;
      const now = Date.now();
      if (o.tty && (now - drawn > 200 || step === o.totalSteps)) {
        drawn = now;
        o.err.write(
          `\r\x1b[2K${progressBar(step / o.totalSteps)} step ${step}/${o.totalSteps} epoch ${epoch + 1}` +
            `  loss ${(cost / samples).toFixed(4)}  acc ${(correct / samples).toFixed(3)}`,
        );
      }
    } else if (e.type === 'epoch-started') {
      epoch = e.epoch;
      cost = correct = samples = 0;
    } else if (e.type === 'epoch-ended') {
      const line = {
        type: 'epoch',
        epoch: e.epoch,
        train_cost: e.trainCost,
        train_accuracy: e.trainAccuracy,
        test_cost: e.test?.meanCost ?? null,
        test_accuracy: e.test?.accuracy ?? null,
      };
      if (o.json) o.out.write(`${JSON.stringify(line)}\n`);
      else {
        if (o.tty) o.err.write('\r\x1b[2K');
        o.err.write(
          `epoch ${e.epoch + 1}: train loss ${e.trainCost.toFixed(4)} acc ${e.trainAccuracy.toFixed(3)}` +
            `  test acc ${line.test_accuracy?.toFixed(3) ?? '-'}\n`,
        );
      }
    }
  };
}

export interface TrainIo {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream & { isTTY?: boolean };
  signal?: AbortSignal;
}

/** Runs `nudge train`; resolves with the summary it printed last. */
export async function trainCommand(o: TrainCommandOptions, io: TrainIo): Promise<Record<string, unknown>> {
  const run = trainRunOptions(o);
  const bench = await openTrainingBench(o.bench, run);
  let result: PresetRunResult;
  try {
    const { plan } = bench;
    const epochs = plan.training.epochs ?? 10;
    const batch = plan.training.batchSize ?? 1;
    const totalSteps = epochs * Math.ceil(plan.data.train.x.length / batch);
    const onEvent = reporter({ json: o.json === true, tty: io.err.isTTY === true, totalSteps, ...io });
    result = await trainPreset(bench.capabilities, bench.layout, plan, { onEvent, signal: io.signal });
  } finally {
    await bench.close();
  }
  const summary = {
    type: 'summary',
    bench: bench.name,
    dataset: run.dataset,
    mode: run.mode,
    seed: run.seed,
    epochs: result.epochs.length,
    steps: result.steps,
    train_accuracy: result.trainAccuracy,
    test_accuracy: result.testAccuracy,
    test_cost: result.testCost,
    seconds: Number(result.seconds.toFixed(2)),
  };
  io.out.write(`${JSON.stringify(summary)}\n`);
  return summary;
}

export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('train a dataset preset by EqProp on a bench, in this process')
    .option('--bench <file|sim>', 'bench configuration file, or sim for the preset simulated board', 'sim')
    .requiredOption('--dataset <name>', `dataset preset (${DATASET_NAMES.join(', ')})`)
    .option('--mode <mode>', 'programming: pulses (sign-SGD) or ideal (simulated board only)', 'pulses')
    .option('--epochs <n>', 'epochs (default: the preset)')
    .option('--beta <S>', 'nudging factor β in siemens (default: the preset)')
    .option('--estimator <kind>', 'centered, one-sided or random-sign (default: the preset)')
    .option('--batch <n>', 'mini-batch size (default: the preset)')
    .option('--seed <n>', 'seed of the split, the board and the training', '0')
    .option('--max-train <n>', 'use only n training samples (evenly spaced)')
    .option('--max-test <n>', 'use only n test samples (evenly spaced)')
    .option('--json', 'JSON lines on stdout: one per epoch, then the summary')
    .action(async (options: TrainCommandOptions) => {
      const abort = new AbortController();
      const cancel = () => abort.abort();
      process.once('SIGINT', cancel);
      process.once('SIGTERM', cancel);
      try {
        await trainCommand(options, { out: process.stdout, err: process.stderr, signal: abort.signal });
      } catch (error) {
        process.stderr.write(`nudge train: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = 1;
      } finally {
        process.off('SIGINT', cancel);
        process.off('SIGTERM', cancel);
      }
    });
}
