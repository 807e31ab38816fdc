// A BenchPort whose every operation is a cold marble Observable on rxjs's TestScheduler, so the
// pipeline's ordering, timing, timeouts and cancellation can be checked in virtual time.
// Default durations (frames = virtual ms): setInputs/setNudge 10, wait 20, sample 10,
// applyPulses 10, readConductances 10, safeState 10.
import type { Observable } from 'rxjs';
import type { RunHelpers, TestScheduler } from 'rxjs/testing';
import type {
  ArrayGeometry,
  IdealConductanceAccess,
  Pulse,
  PulseReport,
} from '../../src/capabilities/index.ts';
import type { BenchPort } from '../../src/training/bench-port.ts';

export type Operation =
  'setInputs' | 'setNudge' | 'wait' | 'sample' | 'applyPulses' | 'readConductances' | 'safeState';

export interface MarblePort extends BenchPort {
  /** Every Observable handed out, per operation, in call order (for expectSubscriptions). */
  readonly issued: Record<Operation, Observable<unknown>[]>;
  readonly pulses: Pulse[][];
}

export function marblePort(
  scheduler: TestScheduler,
  helpers: RunHelpers,
  physicalArrays: readonly ArrayGeometry[],
  nodes: (call: number) => Float64Array,
  overrides: Partial<Record<Operation, (call: number) => Observable<unknown>>> = {},
  ideal?: IdealConductanceAccess,
): MarblePort {
  const { cold } = helpers;
  const issued: MarblePort['issued'] = {
    setInputs: [],
    setNudge: [],
    wait: [],
    sample: [],
    applyPulses: [],
    readConductances: [],
    safeState: [],
  };
  const pulses: Pulse[][] = [];
  const issue = <T>(op: Operation, make: () => Observable<T>): Observable<T> => {
    const o = (overrides[op]?.(issued[op].length) as Observable<T> | undefined) ?? make();
    issued[op].push(o);
    return o;
  };
  return {
    key: {},
    physicalArrays,
    ideal,
    issued,
    pulses,
    setInputs: () => issue('setInputs', () => cold<void>('10ms |')),
    setNudge: () => issue('setNudge', () => cold<void>('10ms |')),
    wait: () => issue('wait', () => cold<void>('20ms |')),
    sample: () => issue('sample', () => cold('10ms (a|)', { a: nodes(issued.sample.length) })),
    now: () => scheduler.now() / 1000,
    applyPulses: (batch) => {
      pulses.push([...batch]);
      return issue('applyPulses', () => cold<PulseReport>('10ms (a|)', { a: { applied: batch.length } }));
    },
    readConductances: (array) =>
      issue('readConductances', () =>
        cold('10ms (a|)', { a: new Float64Array(physicalArrays[array].rows * physicalArrays[array].cols) }),
      ),
    safeState: () => issue('safeState', () => cold<void>('10ms |')),
  };
}
