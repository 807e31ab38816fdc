// Test accuracy of EqProp on the in-process simulated board against the backprop baseline
// (issue 4 §5), per dataset: EqProp in the 'ideal' mode (continuous Δg = −η∇̂ on ideal devices:
// the algorithm alone), EqProp with sign-SGD pulses on the realistic device model (soft bounds,
// 30 % device-to-device and 30 % cycle-to-cycle variation, asymmetric up/down steps), and backprop
// on the same architecture, data and split — each over seeds 0…n−1 (the seed draws the split of
// Iris, the board's initial conductances and devices, the shuffling and the baseline's weights),
// with the dataset preset's configuration (src/presets/datasets.ts).
// Usage: npm run bench -- train-accuracy [--seeds 5] [--digits-seeds N] [--datasets iris,digits]
//        [--epochs N] [--modes ideal,pulses,backprop] [--max-train N]
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
  },
});

const MODES = ['ideal', 'pulses', 'backprop'] as const;
type Mode = (typeof MODES)[number];
const DATASETS = ['iris', 'digits'] as const;

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

async function accuracy(dataset: DatasetName, mode: Mode, seed: number): Promise<number> {
  const plan = planPresetRun({
    dataset,
    mode: mode === 'backprop' ? 'ideal' : mode,
    seed,
    overrides: epochs === undefined ? {} : { epochs },
    maxTrain,
  });
  if (mode === 'backprop') {
    const backprop =
      epochs === undefined ? plan : { ...plan, preset: withBackpropEpochs(plan.preset, epochs) };
    return backpropPreset(backprop).testAccuracy;
  }
  const board = new SimBoard({ network: plan.network, devices: plan.devices, seed });
  const result = await trainPreset(board, board.layout, plan, { evaluateTrain: false });
  return result.testAccuracy;
}

function withBackpropEpochs(preset: ReturnType<typeof planPresetRun>['preset'], n: number) {
  return { ...preset, backprop: { ...preset.backprop, epochs: n } };
}

const figures: Record<string, number | null> = {};
for (const dataset of datasets) {
  const n = dataset === 'digits' ? digitsSeeds : seeds;
  for (const mode of modes) {
    const perSeed: number[] = [];
    for (let seed = 0; seed < n; seed++) {
      const started = performance.now();
      const acc = await accuracy(dataset, mode, seed);
      perSeed.push(acc);
      const s = ((performance.now() - started) / 1000).toFixed(1);
      console.log(`${dataset} ${mode} seed ${seed}: test accuracy ${acc.toFixed(4)} (${s} s)`);
    }
    const mean = perSeed.reduce((a, b) => a + b, 0) / perSeed.length;
    console.log(
      `${dataset} ${mode}: mean test accuracy ${mean.toFixed(4)} over ${n} seeds [${perSeed.map((a) => a.toFixed(4)).join(', ')}]`,
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
  }),
);
