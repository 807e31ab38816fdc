// Composes the network-ordered BenchCapabilities from the instruments' own capabilities and the
// wiring: a vector of input-line voltages is spread over the instruments that drive the lines
// (one call — one round trip — per instrument, all in parallel), likewise the nudge currents;
// the sampler reorders the board's channels into node order; pulses and conductance reads are
// translated from network layers to the physical array, row and column that hold them.
import type {
  ArrayGeometry,
  BenchCapabilities,
  ConductanceReader,
  CurrentSource,
  NodeSampler,
  Pulse,
  PulseProgrammer,
  Timebase,
  VoltageSource,
} from '../capabilities/index.ts';
import { BenchSafeStateError } from './errors.ts';

/** Instrument channels `channels[k]` carry network channel `targets[k]`. */
export interface ChannelMap<S> {
  instrument: string;
  source: S;
  channels: readonly number[];
  targets: readonly number[];
}

export interface ArrayPlacement {
  instrument: string;
  programmer: PulseProgrammer;
  reader: ConductanceReader;
  array: number;
  rowOffset: number;
  colOffset: number;
}

export interface Composition {
  inputLines: number;
  outputNodes: number;
  inputs: readonly ChannelMap<VoltageSource>[];
  nudge: readonly ChannelMap<CurrentSource>[];
  sampler: ChannelMap<NodeSampler>;
  /** Per network layer, in layer order, with the layer's geometry. */
  arrays: readonly (ArrayPlacement & ArrayGeometry)[];
  /** Every instrument's safe state, by instrument name. */
  safeStates: ReadonlyMap<string, () => Promise<void>>;
}

export function composeCapabilities(c: Composition): BenchCapabilities {
  const safeState = async () => {
    const entries = [...c.safeStates];
    const results = await Promise.allSettled(entries.map(([, makeSafe]) => makeSafe()));
    const failures = results.flatMap((r, i) =>
      r.status === 'rejected' ? [{ instrument: entries[i][0], error: r.reason }] : [],
    );
    if (failures.length > 0) throw new BenchSafeStateError(failures);
  };
  return {
    inputs: {
      kind: 'voltage-source',
      channels: c.inputLines,
      range: commonRange(c.inputs.map((m) => m.source.range)),
      setVoltages: (levels) => spread(c.inputs, levels, c.inputLines, (s, v) => s.setVoltages(v)),
      safeState,
    },
    nudge: {
      kind: 'current-source',
      channels: c.outputNodes,
      range: commonRange(c.nudge.map((m) => m.source.range)),
      setCurrents: (levels) => spread(c.nudge, levels, c.outputNodes, (s, v) => s.setCurrents(v)),
      safeState,
    },
    sampler: reorderedSampler(c.sampler),
    programmer: placedProgrammer(c.arrays, safeState),
    reader: placedReader(c.arrays),
    timebase: wallClock(),
    safeState,
  };
}

/** One call per instrument, in parallel, each with its full channel vector (channels the wiring
 * does not use stay at 0). */
async function spread<S extends { channels: number }>(
  maps: readonly ChannelMap<S>[],
  levels: Float64Array,
  count: number,
  set: (source: S, levels: Float64Array) => Promise<void>,
): Promise<void> {
  if (levels.length !== count) throw new RangeError(`${levels.length} levels for ${count} channels`);
  await Promise.all(
    maps.map((m) => {
      const vector = new Float64Array(m.source.channels);
      m.channels.forEach((ch, k) => (vector[ch] = levels[m.targets[k]]));
      return set(m.source, vector);
    }),
  );
}

function reorderedSampler(map: ChannelMap<NodeSampler>): NodeSampler {
  return {
    kind: 'node-sampler',
    channels: map.targets.length,
    sampleAndRead: async (options) => {
      const raw = await map.source.sampleAndRead(options);
      const nodes = new Float64Array(map.targets.length);
      map.channels.forEach((ch, k) => (nodes[map.targets[k]] = raw[ch]));
      return nodes;
    },
  };
}

function placed(arrays: readonly (ArrayPlacement & ArrayGeometry)[], layer: number, row = 0, col = 0) {
  const place = arrays[layer];
  if (place === undefined || !(row >= 0 && row < place.rows && col >= 0 && col < place.cols)) {
    throw new RangeError(`device (${layer}, ${row}, ${col}) is outside the network's arrays`);
  }
  return place;
}

function placedProgrammer(
  arrays: readonly (ArrayPlacement & ArrayGeometry)[],
  safeState: () => Promise<void>,
): PulseProgrammer {
  const limits = arrays.map((a) => a.programmer.maxCount).filter((m) => m !== undefined);
  return {
    kind: 'pulse-programmer',
    ...(limits.length > 0 ? { maxCount: Math.min(...limits) } : {}),
    safeState,
    applyPulses: async (batch) => {
      const byInstrument = new Map<string, { programmer: PulseProgrammer; pulses: Pulse[] }>();
      for (const pulse of batch) {
        const place = placed(arrays, pulse.array, pulse.row, pulse.col);
        const group = byInstrument.get(place.instrument) ?? { programmer: place.programmer, pulses: [] };
        byInstrument.set(place.instrument, group);
        group.pulses.push({
          ...pulse,
          array: place.array,
          row: place.rowOffset + pulse.row,
          col: place.colOffset + pulse.col,
        });
      }
      const reports = await Promise.all(
        [...byInstrument.values()].map((g) => g.programmer.applyPulses(g.pulses)),
      );
      return { applied: reports.reduce((sum, r) => sum + r.applied, 0) };
    },
  };
}

function placedReader(arrays: readonly (ArrayPlacement & ArrayGeometry)[]): ConductanceReader {
  return {
    kind: 'conductance-reader',
    arrays: arrays.map(({ rows, cols }) => Object.freeze({ rows, cols })),
    readConductances: async (layer, readVoltage_V) => {
      const place = placed(arrays, layer);
      const physical = place.reader.arrays[place.array];
      const all = await place.reader.readConductances(place.array, readVoltage_V);
      const out = new Float64Array(place.rows * place.cols);
      for (let r = 0; r < place.rows; r++) {
        const from = (place.rowOffset + r) * physical.cols + place.colOffset;
        out.set(all.subarray(from, from + place.cols), r * place.cols);
      }
      return out;
    },
  };
}

/** Real benches wait on the wall clock. */
export function wallClock(): Timebase {
  return {
    kind: 'timebase',
    now: () => performance.now() / 1000,
    wait: (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000)),
  };
}

function commonRange(ranges: readonly { min: number; max: number }[]) {
  return Object.freeze({
    min: Math.max(...ranges.map((r) => r.min)),
    max: Math.min(...ranges.map((r) => r.max)),
  });
}
