// Instrument round trips and latency of the Iris-size bench against the protocol emulators on
// loopback (sim/emulators): 4 features doubled → 8 input lines on an 8-channel Modbus TCP DAC
// module, one hidden layer of 32, 3 differential outputs → 6 output nodes nudged by three
// two-channel Keysight B2902A SMUs, and the crossbar board sampling all 38 nodes and programming
// the devices. Transactions are counted by wrapping every transport (one SCPI program message or
// one Modbus request each, with its response if it has one).
//   phase: DAC setVoltages (FC16) → every SMU setCurrents → board sampleAndRead (SAMP:READ?)
//   pulse batch: 100 programming pulses as one PROG:PULS:BATC block with its count query
// Run over raw SCPI sockets (TCPIP::…::SOCKET) and over VXI-11 (TCPIP::…::instN::INSTR).
// Then the same phase through the ASSEMBLED bench (src/bench assembleBench on a bench YAML wired
// to the emulators' sockets): inputs.setVoltages → nudge.setCurrents → sampler.sampleAndRead
// behind the interlock, with the drivers' confirmed level writes (error query in the same
// message); its transactions are counted at the emulators (program messages and Modbus writes
// received). Medians over the phases and batches after a few unrecorded ones.
// Usage: npm run bench -- instrument-roundtrips [phases=50] [batches=20]
import { ModbusClient } from '../drivers/modbus/client.ts';
import { ScpiClient } from '../drivers/scpi/index.ts';
import { openTransport } from '../drivers/transports/open-transport.ts';
import type { MessageTransport, ReadOptions } from '../drivers/transports/transport.ts';
import { CrossbarBoard } from '../drivers/instruments/crossbar-board.ts';
import { DAC_PRESETS } from '../drivers/instruments/dac-presets.ts';
import { KeysightB2900 } from '../drivers/instruments/keysight-b2900.ts';
import { ModbusDac, type RegisterLink } from '../drivers/instruments/modbus-dac.ts';
import type { Pulse } from '../src/capabilities/index.ts';
import { assembleBench } from '../src/bench/index.ts';
import { parseBenchConfig } from '../src/config/index.ts';
import { Rng } from '../src/util/random.ts';
import {
  CrossbarBoardEmulator,
  startEmulatedBench,
  type RunningEmulatedBench,
} from '../sim/emulators/index.ts';

const PHASES = Number(process.argv[2] ?? 50);
const BATCHES = Number(process.argv[3] ?? 20);
const PULSES_PER_BATCH = 100;
/** Unrecorded operations first (JIT, connection warm-up). */
const WARMUP = 5;

/** Counts the program messages written through a transport. */
class CountingTransport implements MessageTransport {
  messages = 0;
  constructor(readonly inner: MessageTransport) {}
  get resource(): string {
    return this.inner.resource;
  }
  get isOpen(): boolean {
    return this.inner.isOpen;
  }
  open(): Promise<void> {
    return this.inner.open();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  write(message: string | Uint8Array, options?: ReadOptions): Promise<void> {
    this.messages++;
    return this.inner.write(message, options);
  }
  read(options?: ReadOptions): Promise<Uint8Array> {
    return this.inner.read(options);
  }
  readBytes(count: number, options?: ReadOptions): Promise<Uint8Array> {
    return this.inner.readBytes(count, options);
  }
  clear(): Promise<void> {
    return this.inner.clear();
  }
}

/** Counts Modbus requests. */
class CountingRegisters implements RegisterLink {
  messages = 0;
  constructor(readonly inner: ModbusClient) {}
  get resource(): string {
    return this.inner.resource;
  }
  readHoldingRegisters(address: number, count: number): Promise<number[]> {
    this.messages++;
    return this.inner.readHoldingRegisters(address, count);
  }
  writeRegisters(address: number, values: readonly number[]): Promise<void> {
    this.messages++;
    return this.inner.writeRegisters(address, values);
  }
}

type Link = 'socket' | 'vxi11';

const SMUS = ['nudge0', 'nudge1', 'nudge2'];
const LIMITS = {
  voltage_V: { min: -10, max: 10 },
  current_A: { min: -1e-3, max: 1e-3 },
  compliance: { current_A: 1e-3, voltage_V: 20 },
};

async function startBench(): Promise<RunningEmulatedBench> {
  return startEmulatedBench({
    board: { network: { inputs: 4, hidden: [32], outputs: 3 }, devices: 'ideal-linear', seed: 1 },
    instruments: [
      { name: 'board', kind: 'crossbar-board' },
      { name: 'dac', kind: 'modbus-dac', lines: [0, 1, 2, 3, 4, 5, 6, 7] },
      ...SMUS.map((name, k) => ({
        name,
        kind: 'keysight-b2900' as const,
        channels: [{ outputNode: 2 * k }, { outputNode: 2 * k + 1 }],
      })),
    ],
  });
}

async function scpi(running: RunningEmulatedBench, name: string, link: Link): Promise<CountingTransport> {
  const entry = running.resources.find(
    (r) => r.name === name && (link === 'vxi11') === (r.portmapperPort !== undefined),
  );
  if (!entry) throw new Error(`the emulated bench serves no ${link} resource for ${name}`);
  return new CountingTransport(
    await openTransport(entry.resource, { portmapperPort: entry.portmapperPort, timeout_ms: 10000 }),
  );
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

interface Figures {
  roundtrips_per_phase: number;
  instruments_per_phase: number;
  phase_ms: number;
  dac_ms: number;
  smus_ms: number;
  sample_ms: number;
  roundtrips_per_pulse_batch: number;
  pulse_batch_ms: number;
  conductance_map_ms: number;
}

async function measure(running: RunningEmulatedBench, link: Link): Promise<Figures> {
  const layout = running.bench.board.layout;
  const emulator = running.instruments.get('board');
  if (!(emulator instanceof CrossbarBoardEmulator)) throw new Error('the bench has no crossbar board');
  const { ratings } = emulator.board;
  const boardLink = await scpi(running, 'board', link);
  const board = new CrossbarBoard(new ScpiClient(boardLink), {
    layout: {
      lines: layout.inputLines,
      nodes: layout.floatingNodes,
      outputs: layout.outputNodes,
      arrays: layout.arrays.map(({ rows, cols }) => ({ rows, cols })),
    },
    limits: {
      voltage_V: ratings.voltage_V,
      current_A: ratings.current_A,
      pulse: { amplitude_V: ratings.pulseAmplitude_V.max, width_s: ratings.pulseWidth_s, count: 1 },
      readVoltage_V: ratings.readVoltage_V.max,
    },
  });
  const dacEntry = running.resources.find((r) => r.name === 'dac')!;
  const modbus = await ModbusClient.connect(dacEntry.resource);
  const registers = new CountingRegisters(modbus);
  const dac = new ModbusDac(registers, {
    registers: { ...DAC_PRESETS['adam-6224'], channels: layout.inputLines },
    channels: Array.from({ length: layout.inputLines }, () => ({
      limits: { voltage_V: { min: -1, max: 1 } },
    })),
  });
  const smuLinks: CountingTransport[] = [];
  const smus: KeysightB2900[] = [];
  for (const name of SMUS) {
    const t = await scpi(running, name, link);
    smuLinks.push(t);
    smus.push(
      new KeysightB2900(new ScpiClient(t), {
        name,
        mode: 'current',
        channels: [
          { limits: LIMITS, compliance: 5 },
          { limits: LIMITS, compliance: 5 },
        ],
      }),
    );
  }
  await board.configure();
  await dac.configure();
  for (const smu of smus) await smu.configure();
  const counters = [boardLink, registers, ...smuLinks];
  const total = () => counters.reduce((sum, c) => sum + c.messages, 0);

  const rng = new Rng(42);
  const x = new Float64Array(layout.inputLines);
  const phase: number[] = [];
  const dacT: number[] = [];
  const smusT: number[] = [];
  const sampleT: number[] = [];
  let phaseMessages = 0;
  for (let p = -WARMUP; p < PHASES; p++) {
    for (let i = 0; i < layout.desc.inputs; i++) {
      x[i] = rng.range(-0.5, 0.5);
      x[layout.desc.inputs + i] = -x[i];
    }
    const currents = Float64Array.from({ length: 2 }, () => rng.range(-1e-7, 1e-7));
    const before = total();
    const t0 = process.hrtime.bigint();
    await dac.setVoltages(x);
    const dacDone = ms(t0);
    const t1 = process.hrtime.bigint();
    for (const smu of smus) await smu.currentSource().setCurrents(currents);
    const smusDone = ms(t1);
    const t2 = process.hrtime.bigint();
    await board.sampleAndRead({ averages: 1 });
    if (p < 0) continue;
    sampleT.push(ms(t2));
    phase.push(ms(t0));
    dacT.push(dacDone);
    smusT.push(smusDone);
    phaseMessages = total() - before;
  }

  const pulses = (): Pulse[] =>
    Array.from({ length: PULSES_PER_BATCH }, () => {
      const array = rng.int(0, layout.arrays.length - 1);
      const { rows, cols } = layout.arrays[array];
      return {
        array,
        row: rng.int(0, rows - 1),
        col: rng.int(0, cols - 1),
        polarity: rng.uniform() < 0.5 ? 'set' : 'reset',
        amplitude_V: ratings.pulseAmplitude_V.max,
        width_s: ratings.pulseWidth_s.min,
      };
    });
  const batchT: number[] = [];
  let batchMessages = 0;
  for (let b = -WARMUP; b < BATCHES; b++) {
    const batch = pulses();
    const before = total();
    const t0 = process.hrtime.bigint();
    await board.applyPulses(batch);
    if (b < 0) continue;
    batchT.push(ms(t0));
    batchMessages = total() - before;
  }
  const mapT: number[] = [];
  for (let b = -WARMUP; b < BATCHES; b++) {
    const t0 = process.hrtime.bigint();
    await board.readConductances((b + WARMUP) % layout.arrays.length, 0.1);
    if (b >= 0) mapT.push(ms(t0));
  }

  await Promise.allSettled([dac.safeState(), board.safeState(), ...smus.map((s) => s.safeState())]);
  await Promise.allSettled([boardLink.close(), modbus.close(), ...smuLinks.map((t) => t.close())]);
  const round = (v: number) => Number(v.toFixed(3));
  return {
    roundtrips_per_phase: phaseMessages,
    instruments_per_phase: 2 + SMUS.length,
    phase_ms: round(median(phase)),
    dac_ms: round(median(dacT)),
    smus_ms: round(median(smusT)),
    sample_ms: round(median(sampleT)),
    roundtrips_per_pulse_batch: batchMessages,
    pulse_batch_ms: round(median(batchT)),
    conductance_map_ms: round(median(mapT)),
  };
}

/** The bench YAML of the emulated Iris-size bench, wired to its raw-socket and Modbus TCP
 * resources: the DAC on the 8 input lines, SMU k on output nodes 2k and 2k+1, the board sampling
 * every floating node and holding both layers. */
function assembledBenchYaml(running: RunningEmulatedBench): string {
  const layout = running.bench.board.layout;
  const resource = (name: string) =>
    running.resources.find(
      (r) => r.name === name && (r.resource.endsWith('::SOCKET') || r.resource.startsWith('modbus-tcp:')),
    )!.resource;
  const dac = DAC_PRESETS['adam-6224'];
  const nodes = Array.from({ length: layout.floatingNodes }, (_, k) => k).join(', ');
  const lines = Array.from({ length: layout.inputLines }, (_, k) => k).join(', ');
  return `kind: instruments
name: emulated-iris
network: { inputs: 4, hidden: [32], outputs: 3, doubledInputs: true, differentialOutputs: true }
instruments:
  - { name: board, kind: crossbar-board, resource: "${resource('board')}", timeout_ms: 10000 }
  - name: dac
    kind: modbus-dac
    resource: "${resource('dac')}"
    options:
      channels: ${layout.inputLines}
      registers: { base: ${dac.base}, channels: ${layout.inputLines}, type: ${dac.type}, wordOrder: ${dac.wordOrder},
        codes: { min: ${dac.codes.min}, max: ${dac.codes.max} }, polarity: ${dac.polarity}, voltsPerCode: ${dac.voltsPerCode} }
${SMUS.map((name) => `  - { name: ${name}, kind: keysight-b2900, resource: "${resource(name)}", timeout_ms: 10000 }`).join('\n')}
wiring:
  inputs:
    - { instrument: dac, channels: [${lines}], lines: [${lines}] }
  nudge:
${SMUS.map((name, k) => `    - { instrument: ${name}, channels: [0, 1], nodes: [${2 * k}, ${2 * k + 1}] }`).join('\n')}
  sampler: { instrument: board, channels: [${nodes}], nodes: [${nodes}] }
  arrays:
    - { layer: 0, instrument: board, array: 0 }
    - { layer: 1, instrument: board, array: 1 }
limits:
  inputVoltage_V: { min: -1, max: 1 }
  nudgeCurrent_A: { min: -5.0e-5, max: 5.0e-5 }
  compliance: { current_A: 1.0e-3, voltage_V: 5 }
  pulse: { amplitude_V: 2, width_s: { min: 1.0e-8, max: 1.0e-5 }, count: 10 }
  readVoltage_V: 0.2
`;
}

/** Counts what the emulators receive: SCPI program messages (board, SMUs), Modbus writes (DAC). */
function countTraffic(running: RunningEmulatedBench): () => number {
  let count = 0;
  for (const name of ['board', ...SMUS]) {
    const { server } = running.instruments.get(name) as unknown as { server: MessageServerLike };
    const execute = server.execute.bind(server);
    server.execute = (input) => {
      count++;
      return execute(input);
    };
  }
  const dac = running.instruments.get('dac') as unknown as { write: DacWrite };
  const write = dac.write.bind(dac);
  dac.write = (address, values) => {
    count++;
    return write(address, values);
  };
  return () => count;
}
interface MessageServerLike {
  execute(input: Uint8Array): Promise<Uint8Array | null>;
}
type DacWrite = (address: number, values: readonly number[]) => Promise<void>;

/** One EqProp phase through the assembled bench: transactions per phase and the median time. */
async function measureAssembled(running: RunningEmulatedBench) {
  const assembled = await assembleBench(parseBenchConfig(assembledBenchYaml(running), 'emulated-iris.yaml'));
  try {
    const { capabilities: bench } = assembled;
    const transactions = countTraffic(running);
    const rng = new Rng(43);
    const x = new Float64Array(bench.inputs.channels);
    const currents = new Float64Array(bench.nudge.channels);
    const times: number[] = [];
    let perPhase = 0;
    for (let p = -WARMUP; p < PHASES; p++) {
      for (let i = 0; i < x.length / 2; i++) {
        x[i] = rng.range(-0.5, 0.5);
        x[x.length / 2 + i] = -x[i];
      }
      currents.forEach((_, k) => (currents[k] = rng.range(-1e-7, 1e-7)));
      const before = transactions();
      const t0 = process.hrtime.bigint();
      await bench.inputs.setVoltages(x);
      await bench.nudge.setCurrents(currents);
      await bench.sampler.sampleAndRead({ averages: 1 });
      if (p < 0) continue;
      times.push(ms(t0));
      perPhase = transactions() - before;
    }
    return { roundtrips_per_phase: perPhase, phase_ms: Number(median(times).toFixed(3)) };
  } finally {
    await assembled.close();
  }
}

const running = await startBench();
try {
  const layout = running.bench.board.layout;
  console.log(
    `Iris-size bench: ${layout.inputLines} input lines (DAC), ${layout.floatingNodes} nodes, ` +
      `${layout.outputNodes} output nodes (${SMUS.length} × B2902A), ${layout.totalDevices} devices; ` +
      `${PHASES} phases, ${BATCHES} batches of ${PULSES_PER_BATCH} pulses`,
  );
  const results = { socket: await measure(running, 'socket'), vxi11: await measure(running, 'vxi11') };
  for (const [link, r] of Object.entries(results)) {
    console.log(
      `${link.padEnd(6)} phase: ${r.roundtrips_per_phase} transactions for ${r.instruments_per_phase} instruments, ` +
        `median ${r.phase_ms} ms (DAC ${r.dac_ms}, SMUs ${r.smus_ms}, sample ${r.sample_ms}); ` +
        `pulse batch: ${r.roundtrips_per_pulse_batch} transaction, median ${r.pulse_batch_ms} ms; ` +
        `conductance map: median ${r.conductance_map_ms} ms`,
    );
  }
  const assembled = await measureAssembled(running);
  console.log(
    `assembled bench (socket, confirmed level writes) phase: ${assembled.roundtrips_per_phase} ` +
      `transactions for ${results.socket.instruments_per_phase} instruments, median ${assembled.phase_ms} ms`,
  );
  const s = results.socket;
  console.log(
    JSON.stringify({
      bench: 'instrument-roundtrips',
      roundtrips_per_phase: s.roundtrips_per_phase,
      instruments_per_phase: s.instruments_per_phase,
      phase_ms: s.phase_ms,
      pulse_batch_ms: s.pulse_batch_ms,
      roundtrips_per_pulse_batch: s.roundtrips_per_pulse_batch,
      vxi11_phase_ms: results.vxi11.phase_ms,
      vxi11_pulse_batch_ms: results.vxi11.pulse_batch_ms,
      roundtrips_per_phase_assembled: assembled.roundtrips_per_phase,
      phase_ms_assembled: assembled.phase_ms,
    }),
  );
} finally {
  await running.close();
}
