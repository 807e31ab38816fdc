// From each instrument entry of a bench configuration to a driver, in two stages:
// plan — create the (unopened) link from the resource string and construct the driver with the
// configuration derived from the wiring and limits, so that every option error surfaces before
// any I/O; connect — open the link, ask *IDN? and compare it with the expected identity, then
// configure the driver (which checks the model again and sends its configuration).
import type { Logger } from 'pino';
import type { CurrentSource, Identity, VoltageSource } from '../capabilities/index.ts';
import type { InstrumentBenchConfig, InstrumentConfig, LevelRange, SmuInstrument } from '../config/index.ts';
import { boardLayout } from '../config/index.ts';
import type { NetworkLayout } from '../network/description.ts';
import { ModbusClient } from '../../drivers/modbus/client.ts';
import { ScpiClient } from '../../drivers/scpi/index.ts';
import { createTransport, type TransportOptions } from '../../drivers/transports/open-transport.ts';
import type { MessageTransport } from '../../drivers/transports/transport.ts';
import { CrossbarBoard } from '../../drivers/instruments/crossbar-board.ts';
import { Keithley2400 } from '../../drivers/instruments/keithley-2400.ts';
import { Keithley2450 } from '../../drivers/instruments/keithley-2450.ts';
import { Keithley2600B } from '../../drivers/instruments/keithley-2600b.ts';
import { KeysightB2900 } from '../../drivers/instruments/keysight-b2900.ts';
import { ModbusDac } from '../../drivers/instruments/modbus-dac.ts';
import type { SmuConfigInput, SourceMeter } from '../../drivers/instruments/source-meter.ts';
import { TspClient } from '../../drivers/instruments/tsp-client.ts';
import { IdentityMismatchError } from './errors.ts';
import { sourcingVoltmeter } from './reference-source.ts';
import { expand } from './safe-bench.ts';

/** One instrument, planned: its link exists but is not open, its driver is constructed. */
export interface PlannedInstrument {
  readonly config: InstrumentConfig;
  /** Opens the link, checks the identity, configures the driver. */
  connect(): Promise<Identity>;
  /** Drains the instrument's error queue (SCPI/TSP) or reads its registers back (Modbus);
   * throws what it finds. */
  checkHealth(): Promise<void>;
  safeState(): Promise<void>;
  /** Closes the link; idempotent. */
  close(): Promise<void>;
  voltageSource?: VoltageSource;
  currentSource?: CurrentSource;
  board?: CrossbarBoard;
  /** A reference SMU: one voltage reading of a channel (it sources 0 A, or as a reference source
   * reads back its level; reference.ts). */
  voltmeter?: Voltmeter;
}

/** An SMU configured as a voltmeter: every channel sources 0 A (current mode) within the
 * configured voltage compliance and measures the voltage at its terminals. */
export interface Voltmeter {
  readonly channels: number;
  /** One reading of `channel`, V; the output goes on at 0 A first if it is off (a meter). */
  measureVoltage(channel: number): Promise<number>;
  /** A reference source (`mode: source`): the SMU in voltage mode on the calibration relays. */
  readonly source?: ReferenceSourceDriver;
}

/** The voltage-mode side of a reference source; levels are checked against the channels' limits
 * (the bench's input-voltage envelope, the current compliance) before anything is sent. */
export interface ReferenceSourceDriver {
  readonly range: { min: number; max: number };
  /** Sets one channel's level (the others keep theirs), turning the outputs on. */
  setVoltage(channel: number, level_V: number): Promise<void>;
  /** Levels to 0, outputs off. */
  safeState(): Promise<void>;
}

/** Which channels of an instrument carry which input lines / output nodes. */
export interface InstrumentUse {
  inputs: Map<number, number>;
  nudge: Map<number, number>;
  /** Channels used as reference voltmeters (the `reference` section). */
  reference: Set<number>;
  /** Those channels are reference sources (`mode: source`), not meters. */
  referenceSource: boolean;
}

export function instrumentUses(config: InstrumentBenchConfig): Map<string, InstrumentUse> {
  const uses = new Map<string, InstrumentUse>(
    config.instruments.map((i) => [
      i.name,
      { inputs: new Map(), nudge: new Map(), reference: new Set(), referenceSource: false },
    ]),
  );
  for (const m of config.reference?.meters ?? []) {
    const use = uses.get(m.instrument)!;
    use.reference.add(m.channel);
    if (m.mode === 'source') use.referenceSource = true;
  }
  for (const g of config.wiring.inputs)
    g.channels.forEach((ch, k) => uses.get(g.instrument)!.inputs.set(ch, g.lines[k]));
  for (const g of config.wiring.nudge)
    g.channels.forEach((ch, k) => uses.get(g.instrument)!.nudge.set(ch, g.nodes[k]));
  return uses;
}

export interface PlanContext {
  config: InstrumentBenchConfig;
  layout: NetworkLayout;
  use: InstrumentUse;
  logger?: Logger;
}

/** Plans one instrument; throws (with the driver's message) if its options are refused. */
export async function planInstrument(
  instrument: InstrumentConfig,
  context: PlanContext,
): Promise<PlannedInstrument> {
  if (instrument.kind === 'modbus-dac') return planModbusDac(instrument, context);
  const transport = await createTransport(instrument.resource, transportOptions(instrument));
  const clientOptions = { timeout_ms: instrument.timeout_ms, logger: context.logger };
  if (instrument.kind === 'crossbar-board') {
    const board = new CrossbarBoard(
      new ScpiClient(transport, clientOptions),
      boardConfig(instrument, context),
    );
    // Level writes are confirmed by the drivers (the error query in the same message): a level is
    // in place before another instrument samples the circuit, and a refused level throws at once
    // (the interlock then drives the bench safe).
    return {
      config: instrument,
      board,
      voltageSource: board.inputLines(),
      currentSource: board.nudgeCurrents(),
      connect: () => connectScpi(instrument, transport, board.client, () => board.configure()),
      checkHealth: () => board.checkErrors(),
      safeState: () => board.safeState(),
      close: () => transport.close(),
    };
  }
  const reference = context.use.reference.size > 0;
  const sourcing = reference && context.use.referenceSource;
  const config = sourcing
    ? referenceSourceConfig(instrument, context)
    : reference
      ? voltmeterConfig(instrument, context)
      : smuConfig(instrument, context);
  const { smu, client } = constructSmu(instrument, transport, clientOptions, config);
  return {
    config: instrument,
    voltmeter: sourcing ? sourcingVoltmeter(smu, client) : reference ? voltmeter(smu) : undefined,
    voltageSource: smu.mode === 'voltage' && !sourcing ? smu.voltageSource() : undefined,
    currentSource: smu.mode === 'current' ? smu.currentSource() : undefined,
    connect: () => connectScpi(instrument, transport, client, () => smu.configure()),
    checkHealth: () => smu.checkErrors(),
    safeState: () => smu.safeState(),
    close: () => transport.close(),
  };
}

function planModbusDac(
  instrument: Extract<InstrumentConfig, { kind: 'modbus-dac' }>,
  context: PlanContext,
): PlannedInstrument {
  if (instrument.identity !== undefined) {
    throw new RangeError(
      'identity: a Modbus module has no *IDN?; put its identity register in options.registers.identity',
    );
  }
  const link = new ModbusClient(instrument.resource, {
    timeout_ms: instrument.timeout_ms,
    logger: context.logger,
    ...serialLine(instrument),
  });
  const lines = expand(context.config.limits.inputVoltage_V, context.layout.inputLines);
  const dac = new ModbusDac(link, {
    name: instrument.name,
    registers: instrument.options.registers as ConstructorParameters<typeof ModbusDac>[1]['registers'],
    channels: usedChannels(context.use.inputs).map((line) => ({ limits: { voltage_V: lines[line] } })),
  });
  if (dac.map.channels !== instrument.options.channels) {
    throw new RangeError(
      `options.channels is ${instrument.options.channels}, the register map has ${dac.map.channels}`,
    );
  }
  return {
    config: instrument,
    voltageSource: dac,
    connect: async () => {
      await link.open();
      await dac.configure();
      // configure() has checked the identity register when the map has one (ModuleIdentityError
      // otherwise): the module's equivalent of *IDN?.
      const preset =
        typeof instrument.options.registers === 'string' ? instrument.options.registers : 'register map';
      const id = dac.map.identity;
      return {
        vendor: 'Modbus',
        model: id === undefined ? preset : `${preset} (id 0x${id.value.toString(16)})`,
        serial: link.resource,
        firmware: '',
      };
    },
    checkHealth: async () => {
      await link.readHoldingRegisters(dac.map.base, 1);
    },
    safeState: () => dac.safeState(),
    close: () => link.close(),
  };
}

async function connectScpi(
  instrument: InstrumentConfig,
  transport: MessageTransport,
  client: { identify(): Promise<Identity> },
  configure: () => Promise<Identity>,
): Promise<Identity> {
  await transport.open();
  checkIdentity(instrument, await client.identify());
  return configure();
}

/** Each configured identity field must be contained, case-insensitive, in the answer. */
function checkIdentity(instrument: InstrumentConfig, identity: Identity): void {
  const expected = instrument.identity ?? {};
  for (const field of ['vendor', 'model', 'serial'] as const) {
    const want = expected[field];
    if (want !== undefined && !identity[field].toUpperCase().includes(want.toUpperCase())) {
      throw new IdentityMismatchError(instrument.name, field, want, identity[field]);
    }
  }
}

function constructSmu(
  instrument: SmuInstrument,
  transport: MessageTransport,
  clientOptions: { timeout_ms?: number; logger?: Logger },
  config: SmuConfigInput,
): { smu: SourceMeter; client: ScpiClient | TspClient } {
  if (instrument.kind === 'keithley-2600b') {
    const client = new TspClient(transport, clientOptions);
    return { smu: new Keithley2600B(client, config), client };
  }
  const client = new ScpiClient(transport, clientOptions);
  const Driver = {
    'keithley-2450': Keithley2450,
    'keithley-2400': Keithley2400,
    'keysight-b2900': KeysightB2900,
  }[instrument.kind];
  return { smu: new Driver(client, config), client };
}

/** The SMU's driver configuration: its mode from its role, one channel per used channel with the
 * limits of the line or node it drives, the compliance limit on the other quantity. */
function smuConfig(instrument: SmuInstrument, { config, layout, use }: PlanContext): SmuConfigInput {
  const compliance = config.limits.compliance!;
  const voltage = use.inputs.size > 0;
  const targets = usedChannels(voltage ? use.inputs : use.nudge);
  const lineLimits = expand(config.limits.inputVoltage_V, layout.inputLines);
  const nodeLimits = expand(config.limits.nudgeCurrent_A, layout.outputNodes);
  const { options } = instrument;
  return {
    name: instrument.name,
    mode: voltage ? 'voltage' : 'current',
    expectedModel: instrument.identity?.model,
    channels: targets.map((target) => ({
      limits: {
        voltage_V: voltage ? lineLimits[target] : symmetric(compliance.voltage_V),
        current_A: voltage ? symmetric(compliance.current_A) : nodeLimits[target],
        compliance,
      },
      compliance: options.compliance ?? (voltage ? compliance.current_A : compliance.voltage_V),
      nplc: options.nplc,
      sourceRange: options.sourceRange,
      measureRange: options.measureRange,
    })),
  };
}

/** A reference SMU's driver configuration: current mode, every channel up to the highest one used
 * sourcing exactly 0 A (the level limit), the voltage compliance within the configured limit. */
function voltmeterConfig(instrument: SmuInstrument, { config, use }: PlanContext): SmuConfigInput {
  const compliance = config.limits.compliance!;
  const count = Math.max(...use.reference) + 1;
  return {
    name: instrument.name,
    mode: 'current',
    expectedModel: instrument.identity?.model,
    channels: Array.from({ length: count }, () => ({
      limits: { voltage_V: symmetric(compliance.voltage_V), current_A: { min: 0, max: 0 }, compliance },
      compliance: instrument.options.compliance ?? compliance.voltage_V,
      nplc: instrument.options.nplc,
      sourceRange: instrument.options.sourceRange,
      measureRange: instrument.options.measureRange,
    })),
  };
}

/** A reference source's driver configuration: voltage mode, every channel up to the highest one
 * used, the level within the envelope of the input-line limits (the voltages the network itself
 * can put on a node), the current compliance within the configured limit. */
function referenceSourceConfig(
  instrument: SmuInstrument,
  { config, layout, use }: PlanContext,
): SmuConfigInput {
  const compliance = config.limits.compliance!;
  const count = Math.max(...use.reference) + 1;
  const level = envelope(expand(config.limits.inputVoltage_V, layout.inputLines));
  return {
    name: instrument.name,
    mode: 'voltage',
    expectedModel: instrument.identity?.model,
    channels: Array.from({ length: count }, () => ({
      limits: { voltage_V: level, current_A: symmetric(compliance.current_A), compliance },
      compliance: instrument.options.compliance ?? compliance.current_A,
      nplc: instrument.options.nplc,
      sourceRange: instrument.options.sourceRange,
      measureRange: instrument.options.measureRange,
    })),
  };
}

/** Voltage readings of a current-mode SMU, by model: the 2450 measures its one channel, the 2400
 * reads voltage and current, the 2600B and B2900 measure every channel in one round trip. */
function voltmeter(smu: SourceMeter): Voltmeter {
  const read = async (channel: number): Promise<number> => {
    if (smu instanceof Keithley2450) return smu.measure();
    if (smu instanceof Keithley2400) return (await smu.read()).voltage_V;
    return (await (smu as Keithley2600B | KeysightB2900).measure())[channel];
  };
  return {
    channels: smu.channels,
    measureVoltage: async (channel) => {
      if (!Number.isInteger(channel) || channel < 0 || channel >= smu.channels) {
        throw new RangeError(`${smu.name}: channel ${channel} is outside 0..${smu.channels - 1}`);
      }
      // setLevels checks 0 A against the channels' level limit [0, 0] before anything is sent.
      if (!smu.outputOn) await smu.setLevels(new Float64Array(smu.channels));
      return read(channel);
    },
  };
}

function boardConfig(
  instrument: Extract<InstrumentConfig, { kind: 'crossbar-board' }>,
  { config, layout }: PlanContext,
) {
  const { limits } = config;
  const { options } = instrument;
  return {
    name: instrument.name,
    expectedModel: instrument.identity?.model,
    layout: boardLayout(instrument, layout),
    limits: {
      voltage_V: envelope(expand(limits.inputVoltage_V, layout.inputLines)),
      current_A: envelope(expand(limits.nudgeCurrent_A, layout.outputNodes)),
      pulse: limits.pulse,
      readVoltage_V: limits.readVoltage_V,
    },
    bias: options.bias,
    byteOrder: options.byteOrder,
    pulseTimeout_ms: options.pulseTimeout_ms,
  };
}

/** Targets of channels 0..n-1 in channel order (the wiring check guarantees no gaps). */
function usedChannels(map: ReadonlyMap<number, number>): number[] {
  return Array.from({ length: map.size }, (_, ch) => map.get(ch)!);
}

const symmetric = (magnitude: number) => ({ min: -magnitude, max: magnitude });

const envelope = (ranges: readonly LevelRange[]) => ({
  min: Math.min(...ranges.map((r) => r.min)),
  max: Math.max(...ranges.map((r) => r.max)),
});

function transportOptions(instrument: InstrumentConfig): TransportOptions {
  return {
    ...instrument.transport,
    ...(instrument.timeout_ms === undefined ? {} : { timeout_ms: instrument.timeout_ms }),
  };
}

function serialLine(instrument: InstrumentConfig) {
  const t = instrument.transport ?? {};
  return {
    ...(t.baudRate === undefined ? {} : { baudRate: t.baudRate }),
    ...(t.dataBits === undefined ? {} : { dataBits: t.dataBits }),
    ...(t.parity === undefined ? {} : { parity: t.parity }),
    ...(t.stopBits === undefined ? {} : { stopBits: modbusStopBits(t.stopBits) }),
  };
}

function modbusStopBits(stopBits: 1 | 1.5 | 2): 1 | 2 {
  if (stopBits === 1.5)
    throw new RangeError('transport.stopBits: 1.5 stop bits are not available on a Modbus RTU link');
  return stopBits;
}
