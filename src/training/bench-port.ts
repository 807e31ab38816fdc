// The bench as the pipeline sees it: every capability call as a cold Observable. The pipeline is
// composed from these, so a test can substitute a port whose operations are marble Observables on
// rxjs's TestScheduler (virtual time), and the real adapter wraps the Promise capabilities.
import { defer, map, throwError, timeout } from 'rxjs';
import type { MonoTypeOperatorFunction, Observable } from 'rxjs';
import type {
  ArrayGeometry,
  BenchCapabilities,
  IdealConductanceAccess,
  Pulse,
  PulseReport,
  SampleOptions,
} from '../capabilities/index.ts';
import { BenchBusyError, OperationTimeoutError } from './errors.ts';

export interface BenchPort {
  /** Identifies the physical bench: two ports over one bench share its lock. */
  readonly key: object;
  readonly physicalArrays: readonly ArrayGeometry[];
  readonly ideal?: IdealConductanceAccess;
  /** Most pulses one entry of a pulse batch may ask for (absent: no known limit). */
  readonly maxPulseCount?: number;
  /** Range of the nudge current sources, A (absent: the pipeline does not bound its currents). */
  readonly nudgeRange_A?: { readonly min: number; readonly max: number };
  setInputs(levels_V: Float64Array): Observable<void>;
  setNudge(levels_A: Float64Array): Observable<void>;
  sample(options: SampleOptions): Observable<Float64Array>;
  wait(seconds: number): Observable<void>;
  /** Bench clock, s. */
  now(): number;
  applyPulses(batch: readonly Pulse[]): Observable<PulseReport>;
  readConductances(array: number, readVoltage_V: number): Observable<Float64Array>;
  safeState(): Observable<void>;
}

export function benchPort(bench: BenchCapabilities): BenchPort {
  const done = map((): void => undefined);
  return {
    key: bench,
    physicalArrays: bench.reader.arrays,
    ideal: bench.ideal,
    nudgeRange_A: bench.nudge.range,
    maxPulseCount: bench.programmer.maxCount,
    setInputs: (levels) => defer(() => bench.inputs.setVoltages(levels)).pipe(done),
    setNudge: (levels) => defer(() => bench.nudge.setCurrents(levels)).pipe(done),
    sample: (options) => defer(() => bench.sampler.sampleAndRead(options)),
    wait: (seconds) => defer(() => bench.timebase.wait(seconds)).pipe(done),
    now: () => bench.timebase.now(),
    applyPulses: (batch) => defer(() => bench.programmer.applyPulses(batch)),
    readConductances: (array, v) => defer(() => bench.reader.readConductances(array, v)),
    safeState: () => defer(() => bench.safeState()).pipe(done),
  };
}

const holders = new WeakMap<object, string>();

/** Takes the bench for `holder`; throws BenchBusyError while another holder has it. Returns the
 * release function (idempotent). */
export function acquireBench(key: object, holder: string): () => void {
  const current = holders.get(key);
  if (current !== undefined) throw new BenchBusyError(current);
  holders.set(key, holder);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    holders.delete(key);
  };
}

/** Fails the operation with an OperationTimeoutError when it has not answered in `timeout_ms`. */
export function timed<T>(operation: string, timeout_ms: number): MonoTypeOperatorFunction<T> {
  return timeout({
    first: timeout_ms,
    with: () => throwError(() => new OperationTimeoutError(operation, timeout_ms)),
  });
}
