// A dataset preset fitted to the bench a job runs on, for a training mode: features scaled into
// the bench's input range (the preset's range narrowed by the limits), the bias line (at the
// mode's voltage) kept only when the bench has an input for it, and the class count checked
// against the outputs. Optionally cut to the first samples (small runs, tests).
import { DATASET_NAMES, type DatasetName } from '../../datasets/registry.ts';
import type { Split } from '../../datasets/types.ts';
import {
  datasetPreset,
  presetDataset,
  presetForMode,
  type DatasetPreset,
  type TrainingMode,
} from '../../presets/datasets.ts';
import type { DaemonBench } from '../bench.ts';
import { badField } from '../errors.ts';

export { DATASET_NAMES };

export interface FittedData {
  preset: DatasetPreset;
  train: Split;
  test: Split;
  input_V: { min: number; max: number };
  biasInput_V: number | null;
}

const clamp = (v: number, r: { min: number; max: number }) => Math.min(r.max, Math.max(r.min, v));

export function fitDataset(
  name: DatasetName,
  bench: DaemonBench,
  options: { mode: TrainingMode; splitSeed: number; maxTrain?: number; maxTest?: number },
): FittedData {
  const preset = presetForMode(datasetPreset(name), options.mode);
  const range = bench.inputRange_V;
  const input_V = {
    min: Math.max(preset.input.min_V, range.min),
    max: Math.min(preset.input.max_V, range.max),
  };
  if (!(input_V.min < input_V.max)) {
    throw badField(
      'params.dataset',
      `the bench's input range ${range.min}..${range.max} V leaves no room for ${name}`,
    );
  }
  const natural = presetDataset(
    { ...preset, biasInput_V: null, input: { ...preset.input, min_V: input_V.min, max_V: input_V.max } },
    options.splitSeed,
  );
  const { inputs, outputs } = bench.layout.desc;
  let biasInput_V: number | null = null;
  if (natural.features + 1 === inputs && preset.biasInput_V !== null)
    biasInput_V = clamp(preset.biasInput_V, range);
  else if (natural.features !== inputs) {
    throw badField(
      'params.dataset',
      `${name} has ${natural.features} features; the bench network has ${inputs} inputs`,
    );
  }
  if (natural.classes !== outputs) {
    throw badField(
      'params.dataset',
      `${name} has ${natural.classes} classes; the bench network has ${outputs} outputs`,
    );
  }
  const withBias = (s: Split, max: number | undefined): Split => {
    const n = Math.min(s.x.length, max ?? s.x.length);
    const x = s.x.slice(0, n).map((v) => {
      if (biasInput_V === null) return v;
      const out = new Float64Array(v.length + 1);
      out.set(v);
      out[v.length] = biasInput_V;
      return out;
    });
    return { x, y: s.y.slice(0, n) };
  };
  return {
    preset,
    train: withBias(natural.train, options.maxTrain),
    test: withBias(natural.test, options.maxTest),
    input_V,
    biasInput_V,
  };
}
