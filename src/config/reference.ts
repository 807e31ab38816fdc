// Consistency of the `reference` section of an instrument bench: each reference voltmeter is a
// channel of an SMU that exists, serves no role in the wiring (its driver sources 0 A on every
// channel, a voltmeter; an SMU sources voltage or current on all its channels, not both), has the
// channel, and is connected to an input line or floating node of the network; no channel is
// connected twice and no line or node has two meters. A reference source (`mode: source`, on a
// node's read-out input through the board's calibration relay) is such a channel in voltage mode:
// an SMU's channels are all meters or all sources, as its driver has one source function.
import type { NetworkLayout } from '../network/description.ts';
import { formatPath, type FieldPath } from './source.ts';
import type { InstrumentBenchConfig } from './schema.ts';
import type { Finding } from './zod-issues.ts';
import { isSmu, roleChannels } from './wiring.ts';

export function checkReference(config: InstrumentBenchConfig, layout: NetworkLayout): Finding[] {
  const reference = config.reference;
  if (reference === undefined) return [];
  const findings: Finding[] = [];
  const add = (path: FieldPath, message: string) => findings.push({ path, message });
  const { wiring } = config;
  const wired = new Set(
    [...wiring.inputs, ...wiring.nudge, wiring.sampler, ...wiring.arrays].map((g) => g.instrument),
  );
  const channels = new Map<string, FieldPath>();
  const points = new Map<string, FieldPath>();
  const modes = new Map<string, { mode: string; path: FieldPath }>();
  reference.meters.forEach((meter, m) => {
    const path: FieldPath = ['reference', 'meters', m];
    const instrument = config.instruments.find((i) => i.name === meter.instrument);
    if (instrument === undefined) {
      return add([...path, 'instrument'], `no instrument is named '${meter.instrument}'`);
    }
    if (!isSmu(instrument)) {
      return add(
        [...path, 'instrument'],
        `'${meter.instrument}' (${instrument.kind}) is not an SMU: only an SMU sourcing 0 A serves as a reference voltmeter`,
      );
    }
    if (wired.has(instrument.name)) {
      add(
        [...path, 'instrument'],
        `'${instrument.name}' already serves the wiring: a reference voltmeter needs an SMU of its own (it sources 0 A on every channel)`,
      );
    }
    const mode = modes.get(instrument.name);
    if (mode !== undefined && mode.mode !== meter.mode) {
      add(
        [...path, 'mode'],
        `'${instrument.name}' is already a reference ${mode.mode === 'source' ? 'source' : 'meter'} at ${formatPath(mode.path)}: all channels of an SMU measure or all source`,
      );
    } else if (mode === undefined) modes.set(instrument.name, { mode: meter.mode, path: [...path, 'mode'] });
    const count = roleChannels(instrument, 'inputs', layout)!;
    if (meter.channel >= count) {
      add(
        [...path, 'channel'],
        `channel ${meter.channel} is outside 0..${count - 1} of '${instrument.name}'`,
      );
    } else {
      const key = `${instrument.name}/${meter.channel}`;
      const first = channels.get(key);
      if (first !== undefined) {
        add(
          [...path, 'channel'],
          `channel ${meter.channel} of '${instrument.name}' is already used at ${formatPath(first)}`,
        );
      } else channels.set(key, [...path, 'channel']);
    }
    const [key, value, total, what] =
      meter.line !== undefined
        ? (['line', meter.line, layout.inputLines, 'input line'] as const)
        : (['node', meter.node!, layout.floatingNodes, 'floating node'] as const);
    if (value >= total) return add([...path, key], `${what} ${value} is outside 0..${total - 1}`);
    const first = points.get(`${key}/${value}`);
    if (first !== undefined)
      add([...path, key], `${what} ${value} already has a meter at ${formatPath(first)}`);
    else points.set(`${key}/${value}`, [...path, key]);
  });
  return findings;
}
