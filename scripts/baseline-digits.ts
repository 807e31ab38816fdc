// Backprop baseline on the digits (784 pixels → doubled to 1568 input lines → 100 hidden → 10
// differential output pairs = 20 nodes), pixels mapped [0, 1] → [0, 1] V, 10 epochs by default.
// Usage: node --import tsx scripts/baseline-digits.ts [--seed S] [--epochs N] [--downsample]
import { parseArgs } from 'node:util';
import { trainBackprop } from '../src/baseline/train.ts';
import { loadDataset } from '../src/datasets/registry.ts';
import { scaleToVolts } from '../src/datasets/scaling.ts';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '0' },
    epochs: { type: 'string', default: '10' },
    downsample: { type: 'boolean', default: false },
  },
});
const seed = Number(values.seed);
const epochs = Number(values.epochs);

const natural = loadDataset(values.downsample ? 'digits-14' : 'digits');
const dataset = scaleToVolts(natural, { min_V: 0, max_V: 1 });
const started = performance.now();
const result = trainBackprop(dataset, { hidden: [100], epochs, seed });
const seconds = (performance.now() - started) / 1000;
for (const h of result.history) {
  console.log(
    `epoch ${h.epoch}: loss ${h.loss.toFixed(4)}  train ${h.trainAccuracy.toFixed(4)}  test ${h.testAccuracy.toFixed(4)}`,
  );
}
console.log(
  JSON.stringify({
    dataset: dataset.name,
    seed,
    epochs,
    train_accuracy: result.trainAccuracy,
    test_accuracy: result.testAccuracy,
    seconds: Number(seconds.toFixed(2)),
  }),
);
