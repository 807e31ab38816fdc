// Test accuracy of EqProp on the in-process simulated board against the backprop baseline
// (issue 4 §5), per dataset: EqProp in the 'ideal' mode (continuous Δg = −η∇̂ on ideal devices:
// the algorithm alone), EqProp with sign-SGD pulses on the realistic device model (soft bounds,
// 30 % device-to-device and 30 % cycle-to-cycle variation, asymmetric up/down steps), and backprop
// on the same architecture, data and split — each over seeds 0…n−1 (the seed draws the split of
// Iris, the board's initial conductances and devices, the shuffling and the baseline's weights),
// with the dataset preset's configuration (src/presets/datasets.ts).
// Usage: npm run bench -- train-accuracy [--seeds 5] [--digits-seeds N] [--datasets iris,digits]
//        [--epochs N] [--modes ideal,pulses,backprop] [--max-train N] [--jobs N]
//        [--backprop-loss squared-error|squared-hinge]
// --backprop-loss trains the baseline with that loss instead of the preset's (to compare a mode
// with backprop on the loss the mode trains with).
// --jobs N runs up to N seeds at once, each in its own process (the figures do not change: every
// run is seeded; only the wall-clock time per seed does).
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import type { DatasetName } from '../src/datasets/registry.ts';
import { backpropPreset, planPresetRun, trainPreset } from '../src/presets/run.ts';
import { SimBoard } from '../sim/board/index.ts';

const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '5' },
    'digits-seeds': { type: 'string' },
    datasets: { type: 'string', default: 'iris,digits' },
    modes: { type: 'string', default: 'ideal,pulses,backprop' },
    epochs: { type: 'string' },
    'max-train': { type: 'string' },
    jobs: { type: 'string', default: '1' },
    'backprop-loss': { type: 'string' },
    /** Internal (--jobs): run one dataset:mode:seed and print its accuracy as JSON. */
    task: { type: 'string' },
  },
});

const MODES = ['ideal', 'pulses', 'backprop'] as const;
type Mode = (typeof MODES)[number];
const DATASETS = ['iris', 'digits'] as const;
const BACKPROP_LOSSES = ['squared-error', 'squared-hinge'] as const;

const positiveInt = (name: string, text: string | undefined): number | undefined => {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`--${name} must be an integer >= 1, got '${text}'`);
  return n;
};
const listOf = <T extends string>(name: string, text: string, known: readonly T[]): T[] =>
  text.split(',').map((s) => {
    if (!known.includes(s as T)) throw new RangeError(`--${name}: '${s}' is not one of ${known.join(', ')}`);
    return s as T;
  });

const seeds = positiveInt('seeds', args.seeds)!;
const digitsSeeds = positiveInt('digits-seeds', args['digits-seeds']) ?? seeds;
const epochs = positiveInt('epochs', args.epochs);
const maxTrain = positiveInt('max-train', args['max-train']);
const datasets = listOf('datasets', args.datasets, DATASETS);
const modes = listOf('modes', args.modes, MODES);
const jobs = positiveInt('jobs', args.jobs)!;
const backpropLoss =
  args['backprop-loss'] === undefined
    ? undefined
    : listOf('backprop-loss', args['backprop-loss'], BACKPROP_LOSSES)[0];

async function accuracy(dataset: DatasetName, mode: Mode, seed: number): Promise<number> {
  const plan = planPresetRun({
    dataset,
    mode: mode === 'backprop' ? 'ideal' : mode,
    seed,
    overrides: epochs === undefined ? {} : { epochs },
    maxTrain,
  });
  if (mode === 'backprop') {
    const backprop = {
      ...plan.preset.backprop,
      ...(epochs === undefined ? {} : { epochs }),
      ...(backpropLoss === undefined ? {} : { loss: backpropLoss }),
    };
    return backpropPreset({ ...plan, preset: { ...plan.preset, backprop } }).testAccuracy;
  }
  const board = new SimBoard({ ...plan.board, seed });
  const result = await trainPreset(board, board.layout, plan, { evaluateTrain: false });
  return result.testAccuracy;
}

interface Task {
  dataset: DatasetName;
  mode: Mode;
  seed: number;
}

/** Runs a task in a child process (this script with --task) and returns its accuracy. */
function inChild(t: Task): Promise<number> {
  const passOn = [
    ...(epochs === undefined ? [] : ['--epochs', String(epochs)]),
    ...(maxTrain === undefined ? [] : ['--max-train', String(maxTrain)]),
    ...(backpropLoss === undefined ? [] : ['--backprop-loss', backpropLoss]),
  ];
  const argv = [
    ...process.execArgv,
    process.argv[1],
    '--task',
    `${t.dataset}:${t.mode}:${t.seed}`,
    ...passOn,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0) reject(new Error(`${t.dataset} ${t.mode} seed ${t.seed}: exit code ${code}`));
      else resolve((JSON.parse(last) as { accuracy: number }).accuracy);
    });
  });
}

if (args.task !== undefined) {
  const [dataset, mode, seed] = args.task.split(':');
  if (!/^\d+$/.test(seed ?? '')) throw new RangeError(`--task: '${args.task}' is not dataset:mode:seed`);
  const acc = await accuracy(
    listOf('task', dataset, DATASETS)[0],
    listOf('task', mode, MODES)[0],
    Number(seed),
  );
  console.log(JSON.stringify({ accuracy: acc }));
  process.exit(0);
}

const tasks: Task[] = [];
for (const dataset of datasets) {
  const n = dataset === 'digits' ? digitsSeeds : seeds;
  for (const mode of modes) for (let seed = 0; seed < n; seed++) tasks.push({ dataset, mode, seed });
}
const results = new Map<Task, number>();
let next = 0;
async function worker(): Promise<void> {
  while (next < tasks.length) {
    const t = tasks[next++];
    const started = performance.now();
    const acc = jobs === 1 ? await accuracy(t.dataset, t.mode, t.seed) : await inChild(t);
    results.set(t, acc);
    const s = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`${t.dataset} ${t.mode} seed ${t.seed}: test accuracy ${acc.toFixed(4)} (${s} s)`);
  }
}
await Promise.all(Array.from({ length: Math.min(jobs, tasks.length) }, worker));

const figures: Record<string, number | null> = {};
for (const dataset of datasets) {
  for (const mode of modes) {
    const perSeed = tasks.filter((t) => t.dataset === dataset && t.mode === mode).map((t) => results.get(t)!);
    const mean = perSeed.reduce((a, b) => a + b, 0) / perSeed.length;
    console.log(
      `${dataset} ${mode}: mean test accuracy ${mean.toFixed(4)} over ${perSeed.length} seeds [${perSeed.map((a) => a.toFixed(4)).join(', ')}]`,
    );
    figures[`${dataset}_${mode}`] = Number(mean.toFixed(4));
  }
}

const key = (d: string, m: string) => figures[`${d}_${m}`] ?? null;
console.log(
  JSON.stringify({
    bench: 'train-accuracy',
    iris_ideal: key('iris', 'ideal'),
    iris_pulses: key('iris', 'pulses'),
    iris_backprop: key('iris', 'backprop'),
    digits_ideal: key('digits', 'ideal'),
    digits_pulses: key('digits', 'pulses'),
    digits_backprop: key('digits', 'backprop'),
    seeds: {
      iris: datasets.includes('iris') ? seeds : 0,
      digits: datasets.includes('digits') ? digitsSeeds : 0,
    },
    // Non-null when the run departs from the presets (a shortened measurement).
    epochs: epochs ?? null,
    max_train: maxTrain ?? null,
    backprop_loss: backpropLoss ?? null,
  }),
);
