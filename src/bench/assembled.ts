// The shape of an assembled bench, whatever it is built from (the in-process SimBoard or
// instruments composed by the wiring), as the daemon and the CLI hold it.
import type { Logger } from 'pino';
import type { BenchConfig } from '../config/index.ts';
import type { NetworkLayout } from '../network/description.ts';
import type { DeviceArraySnapshot } from '../../sim/devices/index.ts';
import type { ApplyCalibration, CalibrationStatus } from './calibration.ts';
import type { ReferenceMeters } from './reference.ts';
import type { SafeBench } from './safe-bench.ts';
import type { StoredCalibration } from './twin.ts';
import type { BenchStatus, InstrumentStatus } from './status.ts';

export interface AssembledBench {
  /** The configuration's `name`, or its kind. */
  readonly name: string;
  readonly kind: BenchConfig['kind'];
  readonly config: BenchConfig;
  /** The network the bench is wired as (node, line and device numbering). */
  readonly layout: NetworkLayout;
  /** The bench behind the safety interlock: the only way to drive it. */
  readonly capabilities: SafeBench;
  /** Identity, roles and health of each instrument as of the last check. */
  readonly instruments: readonly InstrumentStatus[];
  readonly calibration: CalibrationStatus;
  /** The simulated board's full device state (sim benches only), for crash-safe resume: saved
   * with each step, restored before a resumed run continues. */
  readonly deviceState?: {
    snapshot(): SimBenchState;
    restore(state: SimBenchState): void;
  };
  /** The simulated board's true input-line and node voltages (sim benches only), read-only:
   * what reference voltmeters on the lines and nodes read (the daemon's DAC and ADC calibrations). */
  readonly trueVoltages?: {
    inputLines(): Float64Array;
    nodes(): Float64Array;
  };
  /** The reference voltmeters of an instrument bench (its configuration's `reference` section),
   * for the DAC and read-out calibrations. */
  readonly referenceMeters?: ReferenceMeters;
  /** A snapshot for the status endpoint. */
  status(): BenchStatus;
  /** Asks every instrument for errors (or a register read-back) and updates `instruments`. */
  checkHealth(): Promise<readonly InstrumentStatus[]>;
  /** Sources to zero, outputs off (the interlock's safe state). */
  safeState(): Promise<void>;
  /** Safe state, then every link closed. Idempotent. */
  close(): Promise<void>;
}

/** The simulated bench's mutable state: its devices, and its read-out (ADC) noise stream — absent
 * in a state saved before the stream was part of it, which then leaves the stream as it is — and
 * the ideal mode's momentum velocity, S per device (SimBoard.idealVelocity), absent while it is
 * zero: restoring a state without it zeroes it. */
export interface SimBenchState extends DeviceArraySnapshot {
  readoutRngState?: number[];
  idealVelocity_S?: Float64Array;
}

export interface AssembleOptions {
  logger?: Logger;
  /** Applies the configuration's `calibration` (see calibration.ts); without it a configured
   * calibration is reported as not applied. */
  applyCalibration?: ApplyCalibration;
  /** The records of a stored calibration, for a simulated bench built as the digital twin of a
   * record id (`sim.fromCalibration`; twin.ts); without it only a record file can be named. */
  storedCalibration?: StoredCalibration;
}
