// Runs one unit of pipeline work (a training step, an evaluation pass) for a job: under the
// interlock's watchdog (SafeBench.runStep), under the training guard (bench lock, safe state on
// every ending), cancelled at once by an emergency stop or a shutdown (JobControl.signal).
import { defer, lastValueFrom, tap, throwError } from 'rxjs';
import type { Observable } from 'rxjs';
import type { TrainingEvent } from '../../training/events.ts';
import { guardedRun } from '../../training/guard.ts';
import type { BenchPort } from '../../training/bench-port.ts';
import type { Position } from '../../training/phases.ts';
import type { JobContext } from './types.ts';

export async function runGuarded(
  ctx: JobContext<unknown>,
  port: BenchPort,
  work: {
    holder: string;
    operationTimeout_ms: number;
    position: () => Position;
    body: () => Observable<TrainingEvent>;
    onEvent: (event: TrainingEvent) => void;
  },
): Promise<void> {
  const { control } = ctx;
  try {
    await ctx.bench.capabilities.runStep(async (watchdog) => {
      const signal = AbortSignal.any([control.signal, watchdog]);
      await lastValueFrom(
        guardedRun(
          port,
          {
            holder: work.holder,
            operationTimeout_ms: work.operationTimeout_ms,
            signal,
            position: work.position,
          },
          work.body,
        ).pipe(tap(work.onEvent)),
        { defaultValue: null },
      );
    });
  } catch (error) {
    // An emergency stop or a shutdown cancelled the work: report that, not the cancellation.
    if (control.signal.aborted) throw control.signal.reason;
    throw error;
  }
}

/** `port` whose every operation fails with the stop reason once `signal` fired: work that takes no
 * signal itself (program-and-verify) stops at its next capability call after an emergency stop. */
export function stoppablePort(port: BenchPort, signal: AbortSignal): BenchPort {
  const guard =
    <A extends unknown[], T>(op: (...args: A) => Observable<T>) =>
    (...args: A): Observable<T> =>
      defer(() => (signal.aborted ? throwError(() => signal.reason as unknown) : op(...args)));
  return {
    ...port,
    setInputs: guard(port.setInputs),
    setNudge: guard(port.setNudge),
    sample: guard(port.sample),
    wait: guard(port.wait),
    applyPulses: guard(port.applyPulses),
    readConductances: guard(port.readConductances),
  };
}
