// The bench as the daemon holds it: the capabilities the jobs drive (always behind the SafeBench
// interlock of src/bench), the network they are wired as, what the status endpoint reports, and —
// on the simulated board — the device state the crash-safe resume saves with every step and
// restores on resume.
import type { Logger } from 'pino';
import type { Identity } from '../capabilities/index.ts';
import { DEFAULT_BENCH_FILE, openBenchFromFile, type SafeBench } from '../bench/index.ts';
import { describe } from '../bench/errors.ts';
import type { ApplyCalibration, AssembledBench, BenchFault } from '../bench/index.ts';
import type { NetworkLayout } from '../network/description.ts';
import { decodeDeviceState, encodeDeviceState } from './sim-state.ts';

export interface InstrumentStatus {
  name: string;
  role: string;
  kind: string;
  identity: Identity;
  healthy: boolean;
  /** The resource string it is reached at (`in-process` for the simulated board). */
  resource: string;
}

export interface BenchStatus {
  name: string;
  kind: 'sim' | 'instruments';
  network: {
    inputs: number;
    hidden: number[];
    outputs: number;
    inputLines: number;
    floatingNodes: number;
    arrays: { rows: number; cols: number }[];
  };
  inputRange_V: { min: number; max: number };
  instruments: InstrumentStatus[];
}

export interface DaemonBench {
  readonly name: string;
  readonly kind: 'sim' | 'instruments';
  /** The bench behind the safety interlock: limits, ramps, fault latch, watchdog. */
  readonly capabilities: SafeBench;
  readonly layout: NetworkLayout;
  /** Input-line voltages every channel may be driven to, V (datasets are scaled inside it). */
  readonly inputRange_V: { min: number; max: number };
  /** Full mutable device state (simulated board only): saved with each step, restored on resume. */
  readonly deviceState?: { save(): Uint8Array; restore(state: Uint8Array): void };
  /** The simulated board's true line and node voltages (sim benches only), for reference meters. */
  readonly trueVoltages?: AssembledBench['trueVoltages'];
  status(): BenchStatus;
  /** Safe state, then every instrument link closed. Idempotent. */
  close(): Promise<void>;
}

export { DEFAULT_BENCH_FILE };

/** Loads a bench configuration file and opens the bench it describes through the bench layer's
 * entry point (ConfigError naming the file, line and field when it is invalid; nothing is opened
 * then). */
export async function openBench(
  file: string = DEFAULT_BENCH_FILE,
  logger?: Logger,
  applyCalibration?: ApplyCalibration,
): Promise<DaemonBench> {
  return daemonBench(await openBenchFromFile(file, { logger, applyCalibration }));
}

export function daemonBench(assembled: AssembledBench): DaemonBench {
  const { capabilities, layout, name, kind } = assembled;
  const device = assembled.deviceState;
  const config = assembled.config;
  const resourceOf = (instrument: string) =>
    config.kind === 'instruments'
      ? (config.instruments.find((i) => i.name === instrument)?.resource ?? instrument)
      : 'in-process';
  return {
    name,
    kind,
    capabilities,
    layout,
    inputRange_V: { ...capabilities.inputs.range },
    deviceState:
      device === undefined
        ? undefined
        : {
            save: () => encodeDeviceState(device.snapshot()),
            restore: (bytes) => device.restore(decodeDeviceState(bytes)),
          },
    trueVoltages: assembled.trueVoltages,
    status: () =>
      statusOf(
        name,
        kind,
        layout,
        capabilities,
        assembled.instruments.map((i) => ({
          name: i.name,
          role: i.roles.join(','),
          kind: i.kind,
          identity: i.identity,
          healthy: i.health.ok && capabilities.fault === undefined,
          resource: resourceOf(i.name),
        })),
      ),
    close: () => assembled.close(),
  };
}

function statusOf(
  name: string,
  kind: 'sim' | 'instruments',
  layout: NetworkLayout,
  capabilities: SafeBench,
  instruments: InstrumentStatus[],
): BenchStatus {
  return {
    name,
    kind,
    network: {
      inputs: layout.desc.inputs,
      hidden: [...layout.desc.hidden],
      outputs: layout.desc.outputs,
      inputLines: layout.inputLines,
      floatingNodes: layout.floatingNodes,
      arrays: layout.arrays.map((a) => ({ ...a })),
    },
    inputRange_V: { ...capabilities.inputs.range },
    instruments,
  };
}

/** One line for a latched interlock fault. */
export function describeFault(fault: BenchFault): string {
  return `${fault.operation}: ${describe(fault.error)}`;
}
