// Configuration of an emulated bench (examples/emulated-bench.yaml, docs/emulators.md): the
// simulated board every instrument shares, and each emulated instrument with its wiring to the
// circuit, the servers it is reachable on and the faults it injects.
import { z } from 'zod';
import { simBoardConfigSchema } from '../board/index.ts';
import type { NetworkLayout } from '../../src/network/description.ts';
import { faultsSchema } from './faults.ts';

const index = z.number().int().nonnegative();
const port = z.number().int().min(0).max(65535);

/** Where an SMU channel is connected: an input line (sourcing voltage) or an output node
 * (index among the output nodes, sourcing current); or, as a reference voltmeter sourcing 0 A,
 * sensing an input line or a floating node (a fixture connection that drives nothing); or, as a
 * reference source, through the board's calibration relay to a floating node's read-out input
 * (`sourceNode`: while its output is on in voltage mode the sampler converts its level). */
export const attachmentSchema = z.union([
  z.object({ inputLine: index }).strict(),
  z.object({ outputNode: index }).strict(),
  z.object({ senseLine: index }).strict(),
  z.object({ senseNode: index }).strict(),
  z.object({ sourceNode: index }).strict(),
]);

/** Where an instrument is served; the defaults are the interfaces the model has (LAN: a raw
 * socket and VXI-11; or only RS-232 for the 2400). */
const serve = (defaults: { socket: boolean; serial: boolean; vxi11: boolean }) =>
  z
    .object({
      /** Raw SCPI socket: true = ephemeral port, or a fixed port. */
      socket: z.union([z.boolean(), z.object({ port }).strict()]).default(defaults.socket),
      /** Also on a serial pty pair created with socat. */
      serial: z.boolean().default(defaults.serial),
      /** Also as a VXI-11 device (`TCPIP::<host>::inst<k>::INSTR`) of the bench's VXI-11 server. */
      vxi11: z.boolean().default(defaults.vxi11),
    })
    .strict()
    .prefault({});
const serveSchema = serve({ socket: true, serial: false, vxi11: true });

const common = {
  name: z.string().regex(/^[A-Za-z][\w-]*$/, 'name: letters, digits, _ and -, starting with a letter'),
  serial: z.string().optional(),
  faults: faultsSchema.prefault({}),
};

export const instrumentSchema = z.discriminatedUnion('kind', [
  z.object({ ...common, kind: z.literal('crossbar-board'), serve: serveSchema }).strict(),
  z
    .object({ ...common, kind: z.literal('keithley-2450'), attach: attachmentSchema, serve: serveSchema })
    .strict(),
  z
    .object({
      ...common,
      kind: z.literal('keysight-b2900'),
      channels: z.array(attachmentSchema).min(1).max(4),
      serve: serveSchema,
    })
    .strict(),
  z
    .object({
      ...common,
      kind: z.literal('keithley-2400'),
      attach: attachmentSchema,
      serve: serve({ socket: false, serial: true, vxi11: false }),
    })
    .strict(),
  z
    .object({
      ...common,
      kind: z.literal('keithley-2600b'),
      /** smua, then smub. */
      channels: z.array(attachmentSchema).min(1).max(2),
      serve: serveSchema,
    })
    .strict(),
  z
    .object({
      ...common,
      kind: z.literal('modbus-dac'),
      /** Input line driven by each output channel, in channel order. */
      lines: z.array(index).min(1).max(32),
      port: port.default(0),
      unitId: z.number().int().min(1).max(247).default(1),
    })
    .strict(),
]);

export const emulatedBenchConfigSchema = z
  .object({
    /** Address every server binds; loopback by default. */
    host: z.string().default('127.0.0.1'),
    /** The VXI-11 server of the bench (one portmapper, one device per instrument). */
    vxi11: z
      .object({
        /** Portmapper port: 0 = a free port (clients must be told it), 111 = where stock VISA
         * clients look (needs root or CAP_NET_BIND_SERVICE). */
        portmapperPort: port.default(0),
      })
      .strict()
      .prefault({}),
    board: simBoardConfigSchema,
    instruments: z.array(instrumentSchema).min(1),
  })
  .strict();

export type InstrumentConfig = z.infer<typeof instrumentSchema>;
export type EmulatedBenchConfig = z.infer<typeof emulatedBenchConfigSchema>;
export type EmulatedBenchConfigInput = z.input<typeof emulatedBenchConfigSchema>;

/** Checks the wiring against the network: indices exist, names are unique, and no input line or
 * output node is driven by two instruments. Throws RangeError naming the field. */
export function checkWiring(config: EmulatedBenchConfig, layout: NetworkLayout): void {
  const names = new Set<string>();
  const lineDrivers = new Map<number, string>();
  const nodeDrivers = new Map<number, string>();
  const readoutSources = new Map<number, string>();
  const claim = (field: string, attachment: z.infer<typeof attachmentSchema>) => {
    if ('sourceNode' in attachment) {
      const node = attachment.sourceNode;
      if (node >= layout.floatingNodes) {
        throw new RangeError(`${field}.sourceNode: ${node} is outside 0..${layout.floatingNodes - 1}`);
      }
      const owner = readoutSources.get(node);
      if (owner !== undefined)
        throw new RangeError(`${field}.sourceNode: node ${node}'s read-out is already sourced by ${owner}`);
      readoutSources.set(node, field);
      return;
    }
    if ('senseLine' in attachment || 'senseNode' in attachment) {
      // A voltmeter drives nothing: any number of them may sense the same line or node.
      const [kind, value, count] =
        'senseLine' in attachment
          ? (['senseLine', attachment.senseLine, layout.inputLines] as const)
          : (['senseNode', attachment.senseNode, layout.floatingNodes] as const);
      if (value >= count) throw new RangeError(`${field}.${kind}: ${value} is outside 0..${count - 1}`);
      return;
    }
    const [kind, value, count, owners] =
      'inputLine' in attachment
        ? (['inputLine', attachment.inputLine, layout.inputLines, lineDrivers] as const)
        : (['outputNode', attachment.outputNode, layout.outputNodes, nodeDrivers] as const);
    if (value >= count) throw new RangeError(`${field}.${kind}: ${value} is outside 0..${count - 1}`);
    const owner = owners.get(value);
    if (owner !== undefined)
      throw new RangeError(`${field}.${kind}: ${kind} ${value} is already driven by ${owner}`);
    owners.set(value, field);
  };
  config.instruments.forEach((instrument, i) => {
    const field = `instruments[${i}]`;
    if (names.has(instrument.name)) throw new RangeError(`${field}.name: '${instrument.name}' is used twice`);
    names.add(instrument.name);
    switch (instrument.kind) {
      case 'keithley-2450':
      case 'keithley-2400':
        claim(`${field}.attach`, instrument.attach);
        break;
      case 'keysight-b2900':
      case 'keithley-2600b':
        instrument.channels.forEach((a, k) => claim(`${field}.channels[${k}]`, a));
        break;
      case 'modbus-dac':
        instrument.lines.forEach((line, k) => claim(`${field}.lines[${k}]`, { inputLine: line }));
        break;
      case 'crossbar-board':
        break;
    }
  });
}
