// The backprop baseline: the architecture of mlp.ts trained by mini-batch SGD with classical
// momentum on the squared error of Eq. 4.15 (or its squared hinge), on the same data and split as
// EqProp.
import { z } from 'zod';
import type { Dataset, Split } from '../datasets/types.ts';
import { Rng } from '../util/random.ts';
import { Mlp } from './mlp.ts';

export const backpropOptionsSchema = z
  .object({
    hidden: z.array(z.number().int().positive('hidden layer sizes must be > 0')).default([100]),
    epochs: z.number().int().nonnegative('epochs must be >= 0').default(10),
    /** Step size on the batch-mean gradient. */
    lr: z.number().positive('lr must be > 0').default(0.02),
    batch: z.number().int().positive('batch must be > 0').default(16),
    momentum: z.number().min(0, 'momentum must be >= 0').lt(1, 'momentum must be < 1').default(0.9),
    seed: z.number().int('seed must be an integer').default(0),
    activation: z.enum(['hardtanh', 'tanh']).default('hardtanh'),
    bias_V: z
      .object({ low: z.number(), high: z.number() })
      .strict()
      .refine((b) => b.low < b.high, { message: 'low must be below high' })
      .default({ low: -0.5, high: 0.5 }),
    doubledInputs: z.boolean().default(true),
    differentialOutputs: z.boolean().default(true),
    initScale: z.number().positive('initScale must be > 0').default(1),
    /** The loss on one-hot targets 1 / 0 (src/baseline/mlp.ts). */
    loss: z.enum(['squared-error', 'squared-hinge']).default('squared-error'),
  })
  .strict();

export type BackpropOptions = z.input<typeof backpropOptionsSchema>;

export interface EpochRecord {
  epoch: number;
  /** Mean per-sample loss (Eq. 4.15) over the epoch's training steps. */
  loss: number;
  trainAccuracy: number;
  testAccuracy: number;
}

export interface BackpropResult {
  trainAccuracy: number;
  testAccuracy: number;
  history: EpochRecord[];
  model: Mlp;
}

/** Fraction of the split predicted correctly (Eq. 4.14); NaN for an empty split. */
export function accuracy(model: Mlp, split: Split): number {
  if (split.x.length === 0) return NaN;
  let correct = 0;
  split.x.forEach((x, i) => {
    if (model.predict(x) === split.y[i]) correct++;
  });
  return correct / split.x.length;
}

export function trainBackprop(dataset: Dataset, options: BackpropOptions = {}): BackpropResult {
  const parsed = backpropOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`);
    throw new RangeError(`backprop options: ${issues.join('; ')}`);
  }
  const o = parsed.data;
  const rng = new Rng(o.seed);
  const { hidden, activation, bias_V, doubledInputs, differentialOutputs, initScale, loss } = o;
  const model = new Mlp(
    {
      features: dataset.features,
      classes: dataset.classes,
      hidden,
      activation,
      bias_V,
      doubledInputs,
      differentialOutputs,
      initScale,
      loss,
    },
    rng.fork(),
  );
  const order = Int32Array.from(dataset.train.x.keys());
  const grads = model.zeroGradients();
  const velocity = model.zeroGradients();
  const history: EpochRecord[] = [];

  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    rng.shuffle(order);
    let lossSum = 0;
    for (let start = 0; start < order.length; start += o.batch) {
      const end = Math.min(order.length, start + o.batch);
      for (const g of grads) g.fill(0);
      for (let i = start; i < end; i++) {
        lossSum += model.accumulateGradient(dataset.train.x[order[i]], dataset.train.y[order[i]], grads);
      }
      model.weights.forEach((w, l) => {
        const step = (o.lr * model.stepScale[l]) / (end - start);
        const v = velocity[l];
        const g = grads[l];
        for (let j = 0; j < w.length; j++) {
          v[j] = o.momentum * v[j] + g[j];
          w[j] -= step * v[j];
        }
      });
    }
    history.push({
      epoch,
      loss: lossSum / order.length,
      trainAccuracy: accuracy(model, dataset.train),
      testAccuracy: accuracy(model, dataset.test),
    });
  }
  return {
    trainAccuracy: accuracy(model, dataset.train),
    testAccuracy: accuracy(model, dataset.test),
    history,
    model,
  };
}
