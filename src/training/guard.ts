// The run guard: one run per bench, and every way a run ends leaves the bench safe.
// - complete: safeState, then complete;
// - error: safeState, a 'fault' event, then a StepError naming the phase (and safeState's own
//   failure if it had one);
// - unsubscribe: the work stops at once and safeState runs; the lock is released when it is done;
// - AbortSignal: like unsubscribe, then a TrainingCancelledError.
// The bench lock is released only after safeState has finished, so no other run can start on a
// bench that is still being made safe.
import { Observable, Subscription } from 'rxjs';
import { acquireBench, timed } from './bench-port.ts';
import type { BenchPort } from './bench-port.ts';
import { StepError, TrainingCancelledError } from './errors.ts';
import type { TrainingEvent } from './events.ts';
import type { Position } from './phases.ts';

export interface GuardOptions {
  /** Names the run in a BenchBusyError raised for a second run. */
  holder: string;
  operationTimeout_ms: number;
  signal?: AbortSignal;
  /** Where the run is, for the StepError of a failure. */
  position: () => Position;
}

export function guardedRun(
  port: BenchPort,
  options: GuardOptions,
  body: () => Observable<TrainingEvent>,
): Observable<TrainingEvent> {
  return new Observable<TrainingEvent>((subscriber) => {
    let release: () => void;
    try {
      release = acquireBench(port.key, options.holder);
    } catch (e) {
      subscriber.error(e); // the bench belongs to another run: leave it alone
      return;
    }
    let ended = false;
    // Created before the work starts so that an abort raised while it starts can close it.
    const work = new Subscription();
    const makeSafe = (then: (safeStateError: unknown) => void) => {
      port
        .safeState()
        .pipe(timed('safeState', options.operationTimeout_ms))
        .subscribe({
          error: (e: unknown) => {
            release();
            then(e);
          },
          complete: () => {
            release();
            then(undefined);
          },
        });
    };
    const { signal } = options;
    const onAbort = () => {
      if (ended) return;
      ended = true;
      work.unsubscribe();
      makeSafe(() => subscriber.error(new TrainingCancelledError(signal?.reason)));
    };
    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    work.add(
      body().subscribe({
        next: (event) => subscriber.next(event),
        error: (cause: unknown) => {
          ended = true;
          signal?.removeEventListener('abort', onAbort);
          const { phase, step, sample } = options.position();
          makeSafe((safeStateError) => {
            const error =
              cause instanceof StepError
                ? new StepError(cause.phase, cause.cause, cause.step, cause.sample, safeStateError)
                : new StepError(phase, cause, step, sample, safeStateError);
            subscriber.next({ type: 'fault', t_s: port.now(), error });
            subscriber.error(error);
          });
        },
        complete: () => {
          ended = true;
          signal?.removeEventListener('abort', onAbort);
          makeSafe((safeStateError) => {
            if (safeStateError === undefined) subscriber.complete();
            else {
              const { step } = options.position();
              subscriber.error(new StepError('release', safeStateError, step, null));
            }
          });
        },
      }),
    );
    return () => {
      signal?.removeEventListener('abort', onAbort);
      if (ended) return;
      ended = true;
      work.unsubscribe();
      makeSafe(() => undefined);
    };
  });
}
