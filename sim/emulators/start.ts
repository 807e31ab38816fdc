// startEmulatedBench: builds the shared simulated board and every configured emulated instrument,
// serves each on loopback and returns the VISA-style resource strings to reach them. The entry
// point of `nudge sim serve --bench <file>`.
import { parse as parseYaml } from 'yaml';
import { readFile } from 'node:fs/promises';
import { checkWiring, emulatedBenchConfigSchema } from './config.ts';
import type { EmulatedBenchConfig, EmulatedBenchConfigInput, InstrumentConfig } from './config.ts';
import { CrossbarBoardEmulator } from './crossbar-board-scpi.ts';
import { EmulatedBench } from './emulated-bench.ts';
import { FaultInjector } from './faults.ts';
import { Keithley2400Emulator } from './keithley-2400.ts';
import { Keithley2450Emulator } from './keithley-2450.ts';
import { Keithley2600BEmulator } from './keithley-2600b.ts';
import { KeysightB2900Emulator } from './keysight-b2900.ts';
import { ModbusDacModule, serveModbusDac } from './modbus-dac.ts';
import { serveScpiSerial } from './serial-pty.ts';
import { serveScpiSocket } from './scpi-stream.ts';
import type { MessageServer } from './scpi-stream.ts';
import { serveVxi11 } from './vxi11-serve.ts';
import type { Vxi11Device } from './vxi11-serve.ts';

export interface EmulatorResource {
  /** The instrument's configured name. */
  name: string;
  kind: InstrumentConfig['kind'];
  /** `TCPIP::127.0.0.1::<port>::SOCKET`, `TCPIP::127.0.0.1::inst<k>::INSTR` (VXI-11),
   * `ASRL<pty>::INSTR` or `modbus-tcp://127.0.0.1:<port>?unit=<id>`. */
  resource: string;
  /** VXI-11 only: the port of the bench's portmapper (VISA clients look on 111). */
  portmapperPort?: number;
}

export interface RunningEmulatedBench {
  readonly config: EmulatedBenchConfig;
  /** The shared simulated board, for inspection (tests, diagnostics). */
  readonly bench: EmulatedBench;
  /** The emulators by instrument name. */
  readonly instruments: ReadonlyMap<string, EmulatorInstance>;
  readonly resources: EmulatorResource[];
  /** Closes every server, connection and child process. Idempotent. */
  close(): Promise<void>;
}

export type EmulatorInstance =
  | CrossbarBoardEmulator
  | Keithley2400Emulator
  | Keithley2450Emulator
  | Keithley2600BEmulator
  | KeysightB2900Emulator
  | ModbusDacModule;

/** The 2400's RS-232 port is set to TERMINATOR <CR> (docs/drivers.md, KEITHLEY_2400_RS232). */
const CR = 0x0d;

/** Parses and validates a bench config; throws RangeError naming the field. */
export function parseEmulatedBenchConfig(input: unknown): EmulatedBenchConfig {
  const result = emulatedBenchConfigSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new RangeError(`emulated bench config ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return result.data;
}

/** Reads a YAML (or JSON) bench file and starts it. */
export async function startEmulatedBenchFile(path: string): Promise<RunningEmulatedBench> {
  return startEmulatedBench(parseYaml(await readFile(path, 'utf8')) as EmulatedBenchConfigInput);
}

export async function startEmulatedBench(input: EmulatedBenchConfigInput): Promise<RunningEmulatedBench> {
  const config = parseEmulatedBenchConfig(input);
  const bench = new EmulatedBench(config.board);
  checkWiring(config, bench.board.layout);
  const closers: (() => Promise<void>)[] = [];
  const resources: EmulatorResource[] = [];
  const instruments = new Map<string, EmulatorInstance>();
  const host = config.host;
  const vxi11Devices: Vxi11Device[] = [];
  const vxi11Resources: EmulatorResource[] = [];
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await Promise.allSettled(closers.map((c) => c()));
  };
  try {
    for (const instrument of config.instruments) {
      const faults = new FaultInjector(instrument.faults);
      const add = (resource: string) =>
        resources.push({ name: instrument.name, kind: instrument.kind, resource });
      if (instrument.kind === 'modbus-dac') {
        const module = new ModbusDacModule(bench, instrument.lines);
        await module.apply();
        instruments.set(instrument.name, module);
        const server = await serveModbusDac(module, faults, {
          host,
          port: instrument.port === 0 ? undefined : instrument.port,
          unitId: instrument.unitId,
        });
        closers.push(server.close);
        add(`modbus-tcp://${host}:${server.port}?unit=${server.unitId}`);
        continue;
      }
      const emulator = createScpiEmulator(bench, instrument);
      instruments.set(instrument.name, emulator);
      const { socket, serial } = instrument.serve;
      if (socket !== false) {
        const server = await serveScpiSocket(emulator.server, faults, {
          host,
          port: socket === true ? 0 : socket.port,
        });
        closers.push(server.close);
        add(`TCPIP::${host}::${server.port}::SOCKET`);
      }
      if (serial) {
        const terminator = instrument.kind === 'keithley-2400' ? CR : undefined;
        const server = await serveScpiSerial(emulator.server, faults, instrument.name, terminator);
        closers.push(server.close);
        add(`ASRL${server.path}::INSTR`);
      }
      if (instrument.serve.vxi11) {
        const device = { name: `inst${vxi11Devices.length}`, server: emulator.server, faults };
        vxi11Devices.push(device);
        add(`TCPIP::${host}::${device.name}::INSTR`);
        vxi11Resources.push(resources[resources.length - 1]);
      }
    }
    if (vxi11Devices.length > 0) {
      const server = await serveVxi11(vxi11Devices, { host, portmapperPort: config.vxi11.portmapperPort });
      closers.push(server.close);
      for (const r of vxi11Resources) r.portmapperPort = server.portmapperPort;
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { config, bench, instruments, resources, close };
}

function createScpiEmulator(
  bench: EmulatedBench,
  instrument: Exclude<InstrumentConfig, { kind: 'modbus-dac' }>,
): { server: MessageServer } & EmulatorInstance {
  switch (instrument.kind) {
    case 'crossbar-board':
      return new CrossbarBoardEmulator(bench, instrument.serial);
    case 'keithley-2450':
      return new Keithley2450Emulator(bench, instrument.attach, instrument.serial);
    case 'keysight-b2900':
      return new KeysightB2900Emulator(bench, instrument.channels, instrument.serial);
    case 'keithley-2400':
      return new Keithley2400Emulator(bench, instrument.attach, instrument.serial);
    case 'keithley-2600b':
      return new Keithley2600BEmulator(bench, instrument.channels, instrument.serial);
  }
}
