// An emulated XOR-size bench on loopback (the lab bench of examples/lab-bench.yaml in miniature):
// a crossbar board, an ADAM-6224-style Modbus DAC on the four input lines and a Keithley 2450
// nudging the single output node — and the bench YAML that points at the emulators' resources.
import { startEmulatedBench, type RunningEmulatedBench } from '../../sim/emulators/index.ts';
import type { SimBoardConfigInput } from '../../sim/board/index.ts';

export const NETWORK = {
  inputs: 2,
  hidden: [3],
  outputs: 1,
  doubledInputs: true,
  differentialOutputs: false,
};

export async function startXorEmulators(
  board: Partial<SimBoardConfigInput> = {},
): Promise<RunningEmulatedBench> {
  return startEmulatedBench({
    board: { network: NETWORK, seed: 7, devices: 'ideal-linear', ...board },
    instruments: [
      { name: 'board', kind: 'crossbar-board' },
      { name: 'dac', kind: 'modbus-dac', lines: [0, 1, 2, 3] },
      { name: 'smu', kind: 'keithley-2450', attach: { outputNode: 0 } },
    ],
  });
}

/** The instrument's raw-socket (SCPI) or Modbus TCP resource string. */
export function resourceOf(running: RunningEmulatedBench, name: string): string {
  const entry = running.resources.find(
    (r) => r.name === name && (r.resource.endsWith('::SOCKET') || r.resource.startsWith('modbus-tcp:')),
  );
  if (entry === undefined) throw new Error(`the emulated bench serves no ${name}`);
  return entry.resource;
}

export interface BenchYamlOptions {
  boardIdentity?: string;
  smuIdentity?: string;
  ramp?: string;
}

/** The bench configuration (YAML) wired to the running emulators. */
export function emulatedBenchYaml(running: RunningEmulatedBench, options: BenchYamlOptions = {}): string {
  return `kind: instruments
name: emulated-xor
network:
  inputs: 2
  hidden: [3]
  outputs: 1
  doubledInputs: true
  differentialOutputs: false
instruments:
  - name: board
    kind: crossbar-board
    resource: ${resourceOf(running, 'board')}
    identity: ${options.boardIdentity ?? '{ vendor: NUDGED, model: XBAR }'}
    timeout_ms: 5000
  - name: dac
    kind: modbus-dac
    resource: ${resourceOf(running, 'dac')}
    options: { channels: 4, registers: adam-6224 }
  - name: smu
    kind: keithley-2450
    resource: ${resourceOf(running, 'smu')}
    identity: ${options.smuIdentity ?? '{ vendor: KEITHLEY, model: "2450" }'}
    options: { nplc: 1 }
wiring:
  inputs:
    - { instrument: dac, channels: [0, 1, 2, 3], lines: [0, 1, 2, 3] }
  nudge:
    - { instrument: smu, channels: [0], nodes: [0] }
  sampler: { instrument: board, channels: [0, 1, 2, 3], nodes: [0, 1, 2, 3] }
  arrays:
    - { layer: 0, instrument: board, array: 0 }
    - { layer: 1, instrument: board, array: 1 }
limits:
  inputVoltage_V: { min: -1, max: 1 }
  nudgeCurrent_A: { min: -5.0e-5, max: 5.0e-5 }
  compliance: { current_A: 1.0e-3, voltage_V: 2 }
  pulse:
    amplitude_V: 2
    width_s: { min: 1.0e-8, max: 1.0e-5 }
    count: 10
  readVoltage_V: 0.2
${options.ramp ?? ''}
safety: { watchdog_s: 30, safeStateTimeout_s: 5 }
`;
}

/** Records every message the emulated instruments receive until stop(): SCPI program messages
 * (board, smu) and Modbus register writes (dac). */
export function instrumentTraffic(running: RunningEmulatedBench) {
  const messages: string[] = [];
  const counts: Record<string, number> = { board: 0, smu: 0, dac: 0 };
  const restores: (() => void)[] = [];
  for (const name of ['board', 'smu'] as const) {
    const server = (running.instruments.get(name) as unknown as { server: ScpiLike }).server;
    const execute = server.execute;
    server.execute = (input) => {
      counts[name]++;
      messages.push(`${name}: ${Buffer.from(input).toString('latin1').trim()}`);
      return execute.call(server, input);
    };
    restores.push(() => delete (server as Partial<ScpiLike>).execute);
  }
  const dac = running.instruments.get('dac') as unknown as { write: DacWrite };
  const write = dac.write;
  dac.write = (address, values) => {
    counts.dac++;
    messages.push(`dac: write ${address} ${values.join(',')}`);
    return write.call(dac, address, values);
  };
  restores.push(() => delete (dac as Partial<{ write: DacWrite }>).write);
  return { messages, counts, stop: () => restores.forEach((r) => r()) };
}

interface ScpiLike {
  execute(input: Uint8Array): Promise<Uint8Array | null>;
}
type DacWrite = (address: number, values: number[]) => unknown;

/** Waits (bounded) until this process holds at most `count` TCP sockets: every link an
 * assembly opened has been closed again. */
export async function untilSocketsAtMost(count: number): Promise<void> {
  const sockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
  for (let k = 0; k < 100 && sockets() > count; k++) await new Promise((r) => setTimeout(r, 20));
  if (sockets() > count) throw new Error(`${sockets()} TCP sockets open, expected at most ${count}`);
}
