// The layered analog network of Scellier 2024 (thesis) §4.4 / Kendall et al. 2020: crossbar
// arrays of programmable conductances alternating with diode neurons, doubled inverted inputs and
// differential output pairs (§4.4.3), current sources at the outputs for nudging (§4.4.4),
// optional bidirectional amplifiers after each hidden layer (§4.4.2).
//
// This module fixes the numbering every other part relies on (sim, engine, bench wiring):
// - input lines: the `inputs` features, then (if doubled) their inverted copies;
// - floating nodes: hidden layer 1, ..., hidden layer L, then outputs; with differential outputs
//   class k owns nodes (2k: Y_k+, 2k+1: Y_k-);
// - array l has rows = the lines feeding layer l+1 (input lines for l = 0, else the hidden layer l
//   neurons, or their amplifier outputs) and cols = the nodes of layer l+1; device (l, r, c)
//   connects row line r to column node c.
import { z } from 'zod';

const positive = (what: string) => z.number().positive(`${what} must be > 0`);

export const diodeSchema = z
  .object({
    /** 'shockley': I = Is(exp(Vd/(n Vt)) - 1) with series resistance; 'ideal': piecewise linear. */
    model: z.enum(['shockley', 'ideal']).default('shockley'),
    is_A: positive('is_A').default(1e-14),
    n: positive('n').default(1),
    rs_Ohm: z.number().nonnegative().default(0),
    /** Ideal diode: on-resistance when forward biased. */
    ron_Ohm: positive('ron_Ohm').default(1),
    /** Bias source voltages: the neuron's lower and upper knee (thesis §4.4.1). */
    bias_V: z
      .object({ low: z.number(), high: z.number() })
      .refine((b) => b.low < b.high, { message: 'low must be below high' })
      .default({ low: -0.5, high: 0.5 }),
  })
  .strict();

export const amplifierSchema = z
  .object({
    /** VCVS voltage gain forward (thesis §4.4.2). */
    gain: positive('gain'),
    /** CCCS current gain backward. Equal to `gain` the circuit stays reciprocal in the neuron
     * voltages (an exact energy-based model); any other value makes it a vector-field system. */
    backwardGain: positive('backwardGain').optional(),
  })
  .strict();

export const networkSchema = z
  .object({
    inputs: z.number().int().positive(),
    hidden: z.array(z.number().int().positive()).default([]),
    outputs: z.number().int().positive(),
    doubledInputs: z.boolean().default(true),
    differentialOutputs: z.boolean().default(true),
    diode: diodeSchema.default(diodeSchema.parse({})),
    amplifier: amplifierSchema.optional(),
    /** Capacitance from every floating node to ground, farads (sets the settle dynamics). */
    nodeCapacitance_F: z.number().nonnegative().default(1e-12),
    /** Programmable conductance range of every crossbar device, siemens. */
    conductance: z
      .object({ min_S: positive('min_S'), max_S: positive('max_S') })
      .strict()
      .refine((c) => c.min_S < c.max_S, { message: 'min_S must be below max_S' })
      .default({ min_S: 1e-6, max_S: 1e-4 }),
  })
  .strict();

export type NetworkDescription = z.infer<typeof networkSchema>;
export type NetworkInput = z.input<typeof networkSchema>;

export interface NetworkLayout {
  desc: NetworkDescription;
  /** Number of input lines (doubled if so described). */
  inputLines: number;
  /** Nodes per layer after the input lines: hidden layers then the output layer. */
  layerSizes: number[];
  /** Offset of each layer of `layerSizes` in the floating-node numbering. */
  layerOffsets: number[];
  /** Total floating nodes (= node sampler channels). */
  floatingNodes: number;
  /** Output nodes (2 * outputs if differential), and their floating-node offset. */
  outputNodes: number;
  outputOffset: number;
  /** One geometry per crossbar array, rows feeding cols. */
  arrays: { rows: number; cols: number }[];
  /** Offset of each array's devices in the flat device numbering (row-major per array). */
  deviceOffsets: number[];
  totalDevices: number;
}

export function layoutNetwork(input: NetworkInput | NetworkDescription): NetworkLayout {
  const desc = networkSchema.parse(input);
  const inputLines = desc.inputs * (desc.doubledInputs ? 2 : 1);
  const outputNodes = desc.outputs * (desc.differentialOutputs ? 2 : 1);
  const layerSizes = [...desc.hidden, outputNodes];
  const layerOffsets: number[] = [];
  let off = 0;
  for (const n of layerSizes) {
    layerOffsets.push(off);
    off += n;
  }
  const rowsPerArray = [inputLines, ...desc.hidden];
  const arrays = layerSizes.map((cols, l) => ({ rows: rowsPerArray[l], cols }));
  const deviceOffsets: number[] = [];
  let dev = 0;
  for (const a of arrays) {
    deviceOffsets.push(dev);
    dev += a.rows * a.cols;
  }
  return {
    desc,
    inputLines,
    layerSizes,
    layerOffsets,
    floatingNodes: off,
    outputNodes,
    outputOffset: layerOffsets[layerOffsets.length - 1],
    arrays,
    deviceOffsets,
    totalDevices: dev,
  };
}

/** Input line voltages for a feature vector already scaled to volts: x, then -x if doubled
 * (thesis §4.4.3). */
export function inputLineVoltages(layout: NetworkLayout, x_V: ArrayLike<number>): Float64Array {
  const n = layout.desc.inputs;
  if (x_V.length !== n) throw new RangeError(`input vector has ${x_V.length} features, network expects ${n}`);
  const out = new Float64Array(layout.inputLines);
  for (let i = 0; i < n; i++) {
    out[i] = x_V[i];
    if (layout.desc.doubledInputs) out[n + i] = -x_V[i];
  }
  return out;
}
