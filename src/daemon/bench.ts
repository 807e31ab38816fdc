// The bench as the daemon holds it: the capabilities the jobs drive (always behind the SafeBench
// interlock of src/bench), the network they are wired as, what the status endpoint reports, and —
// on the simulated board — the device state the crash-safe resume saves with every step and
// restores on resume. A bench of instruments can be re-assembled from the same configuration
// (every link closed and opened again, every instrument identified, checked against the
// configuration and configured again, outputs safe): the daemon does it before the next job after
// an instrument fault, so a dropped link does not leave the bench unusable until a restart.
import type { Logger } from 'pino';
import type { Identity } from '../capabilities/index.ts';
import { assembleBench, DEFAULT_BENCH_FILE, openBenchFromFile, type SafeBench } from '../bench/index.ts';
import { describe } from '../bench/errors.ts';
import type {
  ApplyCalibration,
  AssembledBench,
  BenchFault,
  CalibrationStatus,
  StoredCalibration,
} from '../bench/index.ts';
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
  /** The configured calibration: applied or not, and the hook's warnings (stale records, records
   * of other instruments, which are not applied). */
  calibration?: CalibrationStatus;
}

export interface DaemonBench {
  readonly name: string;
  readonly kind: 'sim' | 'instruments';
  /** The bench behind the safety interlock: limits, ramps, fault latch, watchdog. A new one after
   * `reassemble()`: read it where it is used, do not keep it. */
  readonly capabilities: SafeBench;
  readonly layout: NetworkLayout;
  /** Input-line voltages every channel may be driven to, V (datasets are scaled inside it). */
  readonly inputRange_V: { min: number; max: number };
  /** Full mutable device state (simulated board only): saved with each step, restored on resume. */
  readonly deviceState?: { save(): Uint8Array; restore(state: Uint8Array): void };
  /** The simulated board's true line and node voltages (sim benches only), for reference meters. */
  readonly trueVoltages?: AssembledBench['trueVoltages'];
  /** An instrument bench's reference voltmeters (its configuration's `reference` section). */
  readonly referenceMeters?: AssembledBench['referenceMeters'];
  status(): BenchStatus;
  /** Sources to zero, outputs off, on the bench as it is now (what the process guard calls). */
  safeState(): Promise<void>;
  /** Instrument benches only: safe state and every link closed, then the bench assembled again
   * from the same configuration (links opened, identities checked, drivers configured, outputs
   * safe). Throws what the assembly throws (the instrument, where it is configured and why); the
   * bench is then closed until a later call succeeds. */
  readonly reassemble?: () => Promise<void>;
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
  storedCalibration?: StoredCalibration,
): Promise<DaemonBench> {
  const options = { logger, applyCalibration, storedCalibration };
  const first = await openBenchFromFile(file, options);
  return daemonBench(first, () => assembleBench(first.config, options));
}

/** The daemon's view of `first`; with `assemble`, an instrument bench can be re-assembled. */
export function daemonBench(first: AssembledBench, assemble?: () => Promise<AssembledBench>): DaemonBench {
  const { layout, name, kind, config } = first;
  let assembled = first;
  let closed = false;
  const device = first.deviceState;
  const resourceOf = (instrument: string) =>
    config.kind === 'instruments'
      ? (config.instruments.find((i) => i.name === instrument)?.resource ?? instrument)
      : 'in-process';
  return {
    name,
    kind,
    get capabilities() {
      return assembled.capabilities;
    },
    layout,
    inputRange_V: { ...first.capabilities.inputs.range },
    deviceState:
      device === undefined
        ? undefined
        : {
            save: () => encodeDeviceState(device.snapshot()),
            restore: (bytes) => device.restore(decodeDeviceState(bytes)),
          },
    trueVoltages: first.trueVoltages,
    get referenceMeters() {
      return assembled.referenceMeters;
    },
    status: () => ({
      ...statusOf(
        name,
        kind,
        layout,
        assembled.capabilities,
        assembled.instruments.map((i) => ({
          name: i.name,
          role: i.roles.join(','),
          kind: i.kind,
          identity: i.identity,
          healthy: i.health.ok && assembled.capabilities.fault === undefined,
          resource: resourceOf(i.name),
        })),
      ),
      calibration: { ...assembled.calibration },
    }),
    safeState: () => assembled.capabilities.safeState(),
    reassemble:
      assemble === undefined || kind !== 'instruments'
        ? undefined
        : async () => {
            await assembled.close();
            const next = await assemble();
            if (closed) {
              // The daemon closed the bench while it was being assembled again.
              await next.close();
              throw new Error('the bench was closed while it was being re-assembled');
            }
            assembled = next;
          },
    close: () => {
      closed = true;
      return assembled.close();
    },
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
