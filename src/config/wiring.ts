// Consistency of a bench configuration beyond its types: per-channel limits sized to the network,
// and the wiring — every input line driven exactly once, every output node nudged once, every
// floating node read once, every layer's array placed once without overlap, channel indices
// within the instrument's channel count, no instrument channel used twice, each instrument in a
// role it can play. Findings are paths and reasons; the loader locates them in the file.
import { layoutNetwork } from '../network/description.ts';
import type { NetworkLayout } from '../network/description.ts';
import { formatPath, type FieldPath } from './source.ts';
import type { Finding } from './zod-issues.ts';
import type {
  BenchConfig,
  InstrumentBenchConfig,
  InstrumentConfig,
  InstrumentKind,
  SmuKind,
} from './schema.ts';
import { SMU_KINDS } from './schema.ts';
import { checkSmuRatings } from './ratings.ts';
import { checkReference } from './reference.ts';

/** Channels of each SMU model family when the configuration does not say. */
const SMU_CHANNELS: Record<SmuKind, { default: number; max: number }> = {
  'keithley-2450': { default: 1, max: 1 },
  'keithley-2400': { default: 1, max: 1 },
  'keithley-2600b': { default: 2, max: 2 },
  'keysight-b2900': { default: 2, max: 2 },
};

export type SmuInstrument = Extract<InstrumentConfig, { kind: SmuKind }>;

export const isSmu = (instrument: InstrumentConfig): instrument is SmuInstrument =>
  (SMU_KINDS as readonly InstrumentKind[]).includes(instrument.kind);

/** What a crossbar board entry describes: its own options.layout, or exactly the network. */
export function boardLayout(
  instrument: Extract<InstrumentConfig, { kind: 'crossbar-board' }>,
  layout: NetworkLayout,
) {
  return (
    instrument.options.layout ?? {
      lines: layout.inputLines,
      nodes: layout.floatingNodes,
      outputs: layout.outputNodes,
      arrays: layout.arrays.map(({ rows, cols }) => ({ rows, cols })),
    }
  );
}

/** The channel count of `instrument` for one role, or undefined if it cannot play the role. */
export function roleChannels(
  instrument: InstrumentConfig,
  role: 'inputs' | 'nudge' | 'sampler',
  layout: NetworkLayout,
): number | undefined {
  if (isSmu(instrument)) {
    return role === 'sampler'
      ? undefined
      : (instrument.options.channels ?? SMU_CHANNELS[instrument.kind].default);
  }
  if (instrument.kind === 'modbus-dac') return role === 'inputs' ? instrument.options.channels : undefined;
  const board = boardLayout(instrument, layout);
  return { inputs: board.lines, nudge: board.outputs, sampler: board.nodes }[role];
}

export function checkBenchConfig(config: BenchConfig): Finding[] {
  const layout = layoutNetwork(config.network);
  const findings = checkLimits(config, layout);
  if (config.kind === 'instruments') findings.push(...checkWiring(config, layout));
  return findings;
}

function checkLimits(config: BenchConfig, layout: NetworkLayout): Finding[] {
  const findings: Finding[] = [];
  const sized = (field: 'inputVoltage_V' | 'nudgeCurrent_A', count: number, what: string) => {
    const value = config.limits[field];
    if (Array.isArray(value) && value.length !== count) {
      findings.push({ path: ['limits', field], message: `${value.length} ranges for ${count} ${what}` });
    }
  };
  sized('inputVoltage_V', layout.inputLines, 'input lines');
  sized('nudgeCurrent_A', layout.outputNodes, 'output nodes');
  return findings;
}

type Role = 'inputs' | 'nudge' | 'sampler';
const ROLE_TARGET = {
  inputs: { key: 'lines', what: 'input line', verb: 'driven' },
  nudge: { key: 'nodes', what: 'output node', verb: 'nudged' },
  sampler: { key: 'nodes', what: 'floating node', verb: 'read' },
} as const;

function checkWiring(config: InstrumentBenchConfig, layout: NetworkLayout): Finding[] {
  const findings: Finding[] = [];
  const add = (path: FieldPath, message: string) => findings.push({ path, message });
  const byName = new Map<string, InstrumentConfig>();
  config.instruments.forEach((instrument, i) => {
    if (byName.has(instrument.name)) add(['instruments', i, 'name'], `'${instrument.name}' is used twice`);
    byName.set(instrument.name, instrument);
    if (isSmu(instrument)) {
      const { channels } = instrument.options;
      const max = SMU_CHANNELS[instrument.kind].max;
      if (channels !== undefined && channels > max) {
        add(['instruments', i, 'options', 'channels'], `a ${instrument.kind} has at most ${max} channel(s)`);
      }
    }
  });
  const smuRole = new Map<string, Role>();
  const usedChannels = new Map<string, Map<number, FieldPath>>();
  const targetCounts = {
    inputs: layout.inputLines,
    nudge: layout.outputNodes,
    sampler: layout.floatingNodes,
  };

  const checkGroup = (
    role: Role,
    path: FieldPath,
    group: { instrument: string; channels: number[] } & Record<string, unknown>,
  ) => {
    const { key, what } = ROLE_TARGET[role];
    const targets = group[key] as number[];
    const instrument = byName.get(group.instrument);
    if (instrument === undefined)
      return add([...path, 'instrument'], `no instrument is named '${group.instrument}'`);
    const channels = roleChannels(instrument, role, layout);
    if (channels === undefined) {
      return add(
        [...path, 'instrument'],
        `'${group.instrument}' (${instrument.kind}) cannot serve as ${role}`,
      );
    }
    if (isSmu(instrument)) {
      const other = smuRole.get(instrument.name);
      if (other !== undefined && other !== role) {
        add(
          [...path, 'instrument'],
          `'${instrument.name}' already serves ${other}: an SMU sources voltage or current, not both`,
        );
      }
      smuRole.set(instrument.name, role);
    }
    if (targets.length !== group.channels.length) {
      add([...path, key], `${targets.length} ${key} for ${group.channels.length} channels`);
    }
    const quantity = isSmu(instrument) ? 'smu' : role;
    const used = usedChannels.get(`${instrument.name}/${quantity}`) ?? new Map<number, FieldPath>();
    usedChannels.set(`${instrument.name}/${quantity}`, used);
    group.channels.forEach((channel, k) => {
      if (channel >= channels) {
        add(
          [...path, 'channels', k],
          `channel ${channel} is outside 0..${channels - 1} of '${instrument.name}'`,
        );
      } else if (used.has(channel)) {
        add(
          [...path, 'channels', k],
          `channel ${channel} of '${instrument.name}' is already used at ${formatPath(used.get(channel)!)}`,
        );
      } else {
        used.set(channel, [...path, 'channels', k]);
      }
    });
    targets.forEach((target, k) => {
      if (target >= targetCounts[role])
        add([...path, key, k], `${what} ${target} is outside 0..${targetCounts[role] - 1}`);
    });
  };

  const coverage = (
    role: Role,
    path: FieldPath,
    groups: readonly ({ instrument: string } & Record<string, unknown>)[],
  ) => {
    const { key, what, verb } = ROLE_TARGET[role];
    const owner = new Map<number, FieldPath>();
    groups.forEach((group, g) =>
      (group[key] as number[]).forEach((target, k) => {
        const at: FieldPath = [...path, ...(role === 'sampler' ? [] : [g]), key, k];
        const first = owner.get(target);
        if (first !== undefined) add(at, `${what} ${target} is already ${verb} at ${formatPath(first)}`);
        else owner.set(target, at);
      }),
    );
    const missing = Array.from({ length: targetCounts[role] }, (_, t) => t).filter((t) => !owner.has(t));
    if (missing.length > 0) add(path, `${what}s ${missing.join(', ')} are not ${verb} by any channel`);
  };

  const { wiring } = config;
  wiring.inputs.forEach((group, g) => checkGroup('inputs', ['wiring', 'inputs', g], group));
  wiring.nudge.forEach((group, g) => checkGroup('nudge', ['wiring', 'nudge', g], group));
  checkGroup('sampler', ['wiring', 'sampler'], wiring.sampler);
  coverage('inputs', ['wiring', 'inputs'], wiring.inputs);
  coverage('nudge', ['wiring', 'nudge'], wiring.nudge);
  coverage('sampler', ['wiring', 'sampler'], [wiring.sampler]);
  checkContiguous(config, usedChannels, add);
  const wired = new Set([
    ...[...wiring.inputs, ...wiring.nudge, wiring.sampler, ...wiring.arrays].map((g) => g.instrument),
    ...(config.reference?.meters ?? []).map((m) => m.instrument),
  ]);
  config.instruments.forEach((instrument, i) => {
    if (!wired.has(instrument.name))
      add(['instruments', i, 'name'], `'${instrument.name}' is not used by the wiring`);
  });
  checkArrays(config, layout, byName, add);
  if (config.limits.compliance === undefined && config.instruments.some(isSmu)) {
    add(['limits'], 'limits.compliance is required: the bench has SMUs');
  }
  findings.push(...checkSmuRatings(config), ...checkReference(config, layout));
  return findings;
}

/** SMU and DAC drivers set channels 0..n-1 together, so the channels used must have no gaps. */
function checkContiguous(
  config: InstrumentBenchConfig,
  usedChannels: ReadonlyMap<string, ReadonlyMap<number, FieldPath>>,
  add: (path: FieldPath, message: string) => void,
) {
  for (const [key, used] of usedChannels) {
    const [name] = key.split('/');
    const instrument = config.instruments.find((i) => i.name === name)!;
    if (instrument.kind === 'crossbar-board') continue;
    const highest = Math.max(...used.keys());
    const gaps = Array.from({ length: highest }, (_, c) => c).filter((c) => !used.has(c));
    if (gaps.length > 0) {
      add(
        used.get(highest)!,
        `channel ${highest} of '${name}' is used but channel(s) ${gaps.join(', ')} are not: the driver sets channels 0..n-1 together`,
      );
    }
  }
}

function checkArrays(
  config: InstrumentBenchConfig,
  layout: NetworkLayout,
  byName: ReadonlyMap<string, InstrumentConfig>,
  add: (path: FieldPath, message: string) => void,
) {
  const placed = new Map<number, number>();
  const occupied: {
    instrument: string;
    array: number;
    rows: [number, number];
    cols: [number, number];
    at: number;
  }[] = [];
  config.wiring.arrays.forEach((entry, e) => {
    const path: FieldPath = ['wiring', 'arrays', e];
    if (entry.layer >= layout.arrays.length) {
      return add(
        [...path, 'layer'],
        `layer ${entry.layer} is outside 0..${layout.arrays.length - 1} (the network's arrays)`,
      );
    }
    if (placed.has(entry.layer)) {
      add(
        [...path, 'layer'],
        `layer ${entry.layer} is already placed at wiring.arrays[${placed.get(entry.layer)}]`,
      );
    }
    placed.set(entry.layer, e);
    const instrument = byName.get(entry.instrument);
    if (instrument === undefined)
      return add([...path, 'instrument'], `no instrument is named '${entry.instrument}'`);
    if (instrument.kind !== 'crossbar-board') {
      return add(
        [...path, 'instrument'],
        `'${entry.instrument}' (${instrument.kind}) holds no crossbar arrays`,
      );
    }
    const arrays = boardLayout(instrument, layout).arrays;
    if (entry.array >= arrays.length) {
      return add(
        [...path, 'array'],
        `array ${entry.array} is outside 0..${arrays.length - 1} of '${entry.instrument}'`,
      );
    }
    const { rows, cols } = layout.arrays[entry.layer];
    const physical = arrays[entry.array];
    if (entry.rowOffset + rows > physical.rows || entry.colOffset + cols > physical.cols) {
      return add(
        path,
        `layer ${entry.layer} (${rows}×${cols}) at row ${entry.rowOffset}, col ${entry.colOffset} does not fit array ${entry.array} (${physical.rows}×${physical.cols})`,
      );
    }
    const mine = {
      instrument: entry.instrument,
      array: entry.array,
      rows: [entry.rowOffset, entry.rowOffset + rows] as [number, number],
      cols: [entry.colOffset, entry.colOffset + cols] as [number, number],
      at: e,
    };
    const overlap = occupied.find(
      (o) =>
        o.instrument === mine.instrument &&
        o.array === mine.array &&
        intersects(o.rows, mine.rows) &&
        intersects(o.cols, mine.cols),
    );
    if (overlap !== undefined) add(path, `overlaps the devices of wiring.arrays[${overlap.at}]`);
    occupied.push(mine);
  });
  const missing = layout.arrays.map((_, l) => l).filter((l) => !placed.has(l));
  if (missing.length > 0)
    add(['wiring', 'arrays'], `layer(s) ${missing.join(', ')} are not placed on any array`);
}

const intersects = (a: [number, number], b: [number, number]) => a[0] < b[1] && b[0] < a[1];
