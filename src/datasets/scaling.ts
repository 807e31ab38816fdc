// Mapping features from natural units to the input voltage range of a board. The map is affine per
// feature and fitted on the TRAIN set only (or a known fixed range such as pixels' [0, 1]), then
// applied unchanged to the test set, so nothing about the test set leaks into training.
import { z } from 'zod';
import type { Dataset, Split } from './types.ts';

const rangeSchema = z
  .object({ min: z.number(), max: z.number() })
  .strict()
  .refine((r) => r.min < r.max, { message: 'min must be below max' });

export const scaleOptionsSchema = z
  .object({
    min_V: z.number(),
    max_V: z.number(),
    /** 'train': per-feature min/max of the train set; a range: that range for every feature.
     * Default: the dataset's featureRange if it has one, else 'train'. */
    source: z.union([z.literal('train'), rangeSchema]).optional(),
    /** Clip mapped values to [min_V, max_V] (test samples may fall outside the train range). */
    clip: z.boolean().default(true),
    /** Centred mapping instead of the range mapping: v = gain_V · (x − mean of x over the train
     * set), clipped to [min_V, max_V]. A feature that is constant on the train set carries 0 V, so
     * it adds load but no signal, and the inputs have no common mode for the first layer to chase
     * (docs/training.md, Presets). */
    centerGain_V: z.number().positive('centerGain_V must be > 0').optional(),
  })
  .strict()
  .refine((o) => o.min_V < o.max_V, { message: 'min_V must be below max_V', path: ['min_V'] });

export type ScaleOptions = z.input<typeof scaleOptionsSchema>;

/** Per-feature min and max over a set of samples. */
export function featureExtremes(split: Split, features: number): { min: Float64Array; max: Float64Array } {
  const min = new Float64Array(features).fill(Infinity);
  const max = new Float64Array(features).fill(-Infinity);
  for (const x of split.x) {
    for (let i = 0; i < features; i++) {
      if (x[i] < min[i]) min[i] = x[i];
      if (x[i] > max[i]) max[i] = x[i];
    }
  }
  return { min, max };
}

/** A copy of the dataset with every feature mapped affinely from its source range onto
 * [min_V, max_V]. A feature constant over the train set maps to the middle of the range. */
export function scaleToVolts(dataset: Dataset, options: ScaleOptions): Dataset {
  const o = scaleOptionsSchema.parse(options);
  const n = dataset.features;
  if (o.centerGain_V !== undefined) return centered(dataset, o.centerGain_V, o.min_V, o.max_V, o.clip);
  const source = o.source ?? dataset.featureRange ?? 'train';
  let lo: Float64Array, hi: Float64Array;
  if (source === 'train') {
    if (dataset.train.x.length === 0) throw new RangeError(`${dataset.name}: train set is empty`);
    ({ min: lo, max: hi } = featureExtremes(dataset.train, n));
  } else {
    lo = new Float64Array(n).fill(source.min);
    hi = new Float64Array(n).fill(source.max);
  }
  const mid_V = 0.5 * (o.min_V + o.max_V);
  const map = (x: Float64Array): Float64Array => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let v = hi[i] > lo[i] ? o.min_V + ((x[i] - lo[i]) / (hi[i] - lo[i])) * (o.max_V - o.min_V) : mid_V;
      if (o.clip) v = Math.min(o.max_V, Math.max(o.min_V, v));
      out[i] = v;
    }
    return out;
  };
  const scale = (s: Split): Split => ({ x: s.x.map(map), y: s.y.slice() });
  const { featureRange: _natural, ...rest } = dataset;
  return { ...rest, train: scale(dataset.train), test: scale(dataset.test) };
}

function centered(dataset: Dataset, gain_V: number, min_V: number, max_V: number, clip: boolean): Dataset {
  const n = dataset.features;
  const rows = dataset.train.x;
  if (rows.length === 0) throw new RangeError(`${dataset.name}: train set is empty`);
  const mean = new Float64Array(n);
  for (const x of rows) for (let i = 0; i < n; i++) mean[i] += x[i];
  for (let i = 0; i < n; i++) mean[i] /= rows.length;
  const map = (x: Float64Array): Float64Array => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = gain_V * (x[i] - mean[i]);
      out[i] = clip ? Math.min(max_V, Math.max(min_V, v)) : v;
    }
    return out;
  };
  const scale = (s: Split): Split => ({ x: s.x.map(map), y: s.y.slice() });
  const { featureRange: _natural, ...rest } = dataset;
  return { ...rest, train: scale(dataset.train), test: scale(dataset.test) };
}

/** A copy of the dataset with one more feature fixed at `value_V`: a bias input line, the way an
 * analog network without bias sources gets affine neurons. Apply after scaleToVolts. */
export function withBiasInput(dataset: Dataset, value_V: number): Dataset {
  if (!Number.isFinite(value_V)) throw new RangeError(`value_V must be a finite voltage, got ${value_V}`);
  const extend = (s: Split): Split => ({
    x: s.x.map((x) => {
      const out = new Float64Array(dataset.features + 1);
      out.set(x);
      out[dataset.features] = value_V;
      return out;
    }),
    y: s.y.slice(),
  });
  const { featureRange: _range, ...rest } = dataset;
  return {
    ...rest,
    features: dataset.features + 1,
    train: extend(dataset.train),
    test: extend(dataset.test),
  };
}
