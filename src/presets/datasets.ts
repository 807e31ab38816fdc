// Per-dataset presets for training the layered analog network (thesis §4.4) by EqProp on the
// simulated board: network size, the mapping of features to input voltages, the bias input line,
// β, learning rates per layer, pulse shapes, batch size and epochs, for both programming modes,
// and the matching backprop baseline. docs/training.md (Presets) explains every choice.
//
// The physics the numbers follow:
// - A node settles at the conductance-weighted mean of its neighbours (Kirchhoff, thesis §4.2.1),
//   so with doubled inputs (§4.4.3) a hidden node sees Σ(G⁺ − G⁻)x / Σ(G⁺ + G⁻): at random
//   initial conductances only a fraction (~0.2) of the input amplitude. Inputs are scaled so that
//   this reaches the diode knees (bias ±0.5 V plus the forward drop, ≈ ±1 V at µA currents),
//   otherwise the network is linear (the XOR plateau).
// - The network is odd-symmetric (antisymmetric diode bounds, no offsets): a constant bias input
//   line gives the neurons their threshold.
// - Output scores Ŷ⁺ − Ŷ⁻ are bounded by the output diodes; the squared-error target `on_V`
//   (Eq. 4.15) is set to a score the circuit reaches.
// - β is a conductance (§4.4.4): the nudge current β·(Y − s) moves the outputs by about
//   β/ΣG_out · (Y − s), which must stand well above the ADC noise (0.1 mV) yet stay a small
//   perturbation; the centered estimator (Eq. 2.10) keeps the bias O(β²), so β can be large.
import type { BackpropOptions } from '../baseline/train.ts';
import { loadDataset } from '../datasets/registry.ts';
import type { DatasetName } from '../datasets/registry.ts';
import { scaleToVolts, withBiasInput } from '../datasets/scaling.ts';
import type { Dataset } from '../datasets/types.ts';
import type { NetworkInput } from '../network/description.ts';
import type { TrainingConfigInput } from '../training/config.ts';

export type TrainingMode = 'ideal' | 'pulses';

export interface DatasetPreset {
  dataset: DatasetName;
  /** Features are mapped affinely onto [min_V, max_V] (train-set ranges, or the pixel range). */
  input: { min_V: number; max_V: number };
  /** Voltage of the constant bias input line, or null for none. */
  biasInput_V: number | null;
  /** The network without `inputs`/`outputs` (they come from the dataset). */
  network: Omit<NetworkInput, 'inputs' | 'outputs'>;
  /** Device model of the simulated board per mode (a sim/devices preset name). */
  devices: Record<TrainingMode, string>;
  /** Training configuration per mode (the seed is set per run). */
  training: Record<TrainingMode, TrainingConfigInput>;
  /** The backprop baseline on the same architecture and data (src/baseline/train.ts). */
  backprop: BackpropOptions;
}

const shockley = { model: 'shockley', bias_V: { low: -0.5, high: 0.5 } } as const;

export const PRESETS: Record<DatasetName, DatasetPreset> = {
  xor: {
    dataset: 'xor',
    input: { min_V: -6, max_V: 6 },
    biasInput_V: 6,
    network: { hidden: [8], diode: shockley },
    devices: { ideal: 'ideal-linear', pulses: 'realistic-soft-bounds' },
    training: {
      ideal: {
        epochs: 20,
        batchSize: 4,
        beta_S: 1e-4,
        estimator: 'centered',
        mode: 'ideal',
        learningRate: 1e-8,
        loss: { kind: 'squared-error', target: { on_V: 0.3, off_V: 0 } },
      },
      pulses: {
        epochs: 20,
        batchSize: 4,
        beta_S: 1e-4,
        estimator: 'centered',
        mode: 'pulses',
        loss: { kind: 'squared-error', target: { on_V: 0.3, off_V: 0 } },
      },
    },
    backprop: { hidden: [8], epochs: 200, lr: 0.02, batch: 4 },
  },
  moons: {
    dataset: 'moons',
    input: { min_V: -6, max_V: 6 },
    biasInput_V: 6,
    network: { hidden: [32], diode: shockley },
    devices: { ideal: 'ideal-linear', pulses: 'realistic-soft-bounds' },
    training: {
      ideal: {
        epochs: 30,
        beta_S: 1e-4,
        estimator: 'centered',
        mode: 'ideal',
        learningRate: 1e-8,
        loss: { kind: 'squared-error', target: { on_V: 0.3, off_V: 0 } },
      },
      pulses: {
        epochs: 30,
        beta_S: 1e-4,
        estimator: 'centered',
        mode: 'pulses',
        loss: { kind: 'squared-error', target: { on_V: 0.3, off_V: 0 } },
      },
    },
    backprop: { hidden: [32], epochs: 100, lr: 0.02, batch: 8 },
  },
  iris: {
    dataset: 'iris',
    input: { min_V: -6, max_V: 6 },
    biasInput_V: 6,
    network: { hidden: [32], diode: shockley },
    devices: { ideal: 'ideal-linear', pulses: 'realistic-soft-bounds' },
    training: {
      ideal: {
        epochs: 20,
        beta_S: 1e-4,
        estimator: 'centered',
        mode: 'ideal',
        learningRate: 1e-8,
        loss: { kind: 'squared-error', target: { on_V: 0.3, off_V: 0 } },
      },
      pulses: {
        epochs: 20,
        beta_S: 1e-4,
        estimator: 'centered',
        mode: 'pulses',
        loss: { kind: 'squared-error', target: { on_V: 0.3, off_V: 0 } },
      },
    },
    backprop: { hidden: [32], epochs: 200, lr: 0.005, batch: 8 },
  },
  digits: {
    dataset: 'digits',
    input: { min_V: 0, max_V: 6 },
    biasInput_V: null,
    network: { hidden: [100], diode: shockley },
    devices: { ideal: 'ideal-linear', pulses: 'realistic-soft-bounds' },
    training: {
      ideal: {
        epochs: 10,
        beta_S: 1e-4,
        estimator: 'centered',
        mode: 'ideal',
        learningRate: 1e-8,
        loss: { kind: 'squared-error', target: { on_V: 0.3, off_V: 0 } },
      },
      pulses: {
        epochs: 10,
        beta_S: 1e-4,
        estimator: 'centered',
        mode: 'pulses',
        loss: { kind: 'squared-error', target: { on_V: 0.3, off_V: 0 } },
      },
    },
    backprop: { hidden: [100], epochs: 10 },
  },
  'digits-14': {
    dataset: 'digits-14',
    input: { min_V: 0, max_V: 6 },
    biasInput_V: null,
    network: { hidden: [100], diode: shockley },
    devices: { ideal: 'ideal-linear', pulses: 'realistic-soft-bounds' },
    training: {
      ideal: {
        epochs: 10,
        beta_S: 1e-4,
        estimator: 'centered',
        mode: 'ideal',
        learningRate: 1e-8,
        loss: { kind: 'squared-error', target: { on_V: 0.3, off_V: 0 } },
      },
      pulses: {
        epochs: 10,
        beta_S: 1e-4,
        estimator: 'centered',
        mode: 'pulses',
        loss: { kind: 'squared-error', target: { on_V: 0.3, off_V: 0 } },
      },
    },
    backprop: { hidden: [100], epochs: 10 },
  },
};

/** The preset of a dataset. */
export function datasetPreset(name: DatasetName): DatasetPreset {
  if (!Object.hasOwn(PRESETS, name)) {
    throw new RangeError(
      `dataset '${String(name)}' has no preset (known: ${Object.keys(PRESETS).join(', ')})`,
    );
  }
  return PRESETS[name];
}

/** The dataset of a preset in volts, with its bias line. `splitSeed` draws the train/test split of
 * the generated and Iris datasets (the digits split is fixed). */
export function presetDataset(preset: DatasetPreset, splitSeed: number): Dataset {
  const natural =
    preset.dataset === 'digits' || preset.dataset === 'digits-14'
      ? loadDataset(preset.dataset)
      : loadDataset(preset.dataset, { seed: splitSeed });
  const scaled = scaleToVolts(natural, preset.input);
  return preset.biasInput_V === null ? scaled : withBiasInput(scaled, preset.biasInput_V);
}

/** The network description for a dataset prepared by `presetDataset`. */
export function presetNetwork(preset: DatasetPreset, dataset: Dataset): NetworkInput {
  return { ...preset.network, inputs: dataset.features, outputs: dataset.classes };
}
