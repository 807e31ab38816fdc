// The common shape of every calibration procedure: an rxjs Observable of typed progress events
// that ends with one result (or with a 'limit' event when a capability refused a request with a
// LimitError). Unsubscribing aborts: the sources in the procedure's capability set go to their
// safe state and every later capability call of the procedure is refused before it reaches the
// instrument. Every ending — result, limit, error, abort — leaves the sources safe.
import { Observable } from 'rxjs';
import { LimitError } from '../src/capabilities/index.ts';
import type { SafeState } from '../src/capabilities/index.ts';

export type ProcedureEvent<P, R> =
  | { type: 'progress'; procedure: string; done: number; total: number; detail: P }
  | { type: 'result'; procedure: string; result: R }
  | {
      type: 'limit';
      procedure: string;
      field: string;
      value: number;
      limit: { min: number; max: number };
      message: string;
    };

/** Raised inside a procedure body when it touches a capability after the subscriber left. */
export class ProcedureAbortedError extends Error {
  override readonly name = 'ProcedureAbortedError';
}

export interface ProcedureContext<P> {
  /** Announces progress: `done` of `total` steps. */
  progress(done: number, total: number, detail: P): void;
  /** The capability with every method call refused once the procedure is aborted. */
  guard<T extends object>(capability: T): T;
}

/** Runs `body` as an Observable. `sources` are the members of the capability set that have a safe
 * state (voltage/current sources, pulse programmers); they are made safe at every ending. */
export function runProcedure<P, R>(
  procedure: string,
  sources: readonly SafeState[],
  body: (ctx: ProcedureContext<P>) => Promise<R>,
): Observable<ProcedureEvent<P, R>> {
  return new Observable<ProcedureEvent<P, R>>((subscriber) => {
    let aborted = false;
    let finished = false;
    const makeSafe = async () => {
      for (const s of sources) await s.safeState();
    };
    const ctx: ProcedureContext<P> = {
      progress: (done, total, detail) => {
        if (!aborted) subscriber.next({ type: 'progress', procedure, done, total, detail });
      },
      guard: (capability) => guardCalls(capability, () => aborted),
    };
    const run = async () => {
      let outcome: ProcedureEvent<P, R> | undefined;
      let failure: unknown;
      try {
        outcome = { type: 'result', procedure, result: await body(ctx) };
      } catch (e) {
        if (e instanceof LimitError) {
          const { field, value, limit, message } = e;
          outcome = { type: 'limit', procedure, field, value, limit, message };
        } else failure = e;
      }
      if (aborted) return; // teardown already made the sources safe
      finished = true;
      try {
        await makeSafe();
      } catch (e) {
        failure ??= e;
      }
      if (failure !== undefined) subscriber.error(failure);
      else if (outcome) {
        subscriber.next(outcome);
        subscriber.complete();
      }
    };
    void run();
    return () => {
      if (finished || aborted) return;
      aborted = true;
      void makeSafe().catch(() => undefined);
    };
  });
}

export interface ResultOptions<P, R> {
  /** Aborting it unsubscribes (the procedure's sources go safe) and rejects with its reason. */
  signal?: AbortSignal;
  /** Every progress event, as it comes. */
  onProgress?(event: Extract<ProcedureEvent<P, R>, { type: 'progress' }>): void;
}

/** The procedure's result, or a rejection (LimitError for a 'limit' ending). */
export function resultOf<P, R>(
  events: Observable<ProcedureEvent<P, R>>,
  options: ResultOptions<P, R> = {},
): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    let result: { value: R } | undefined;
    const { signal, onProgress } = options;
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const subscription = events.subscribe({
      next: (e) => {
        if (e.type === 'result') result = { value: e.result };
        else if (e.type === 'limit') reject(new LimitError(e.field, e.value, e.limit));
        else onProgress?.(e);
      },
      error: (e: unknown) => {
        signal?.removeEventListener('abort', abort);
        reject(e);
      },
      complete: () => {
        signal?.removeEventListener('abort', abort);
        if (result) resolve(result.value);
        else reject(new Error('procedure: completed without a result'));
      },
    });
    function abort() {
      subscription.unsubscribe();
      reject(signal!.reason);
    }
    signal?.addEventListener('abort', abort, { once: true });
  });
}

function guardCalls<T extends object>(capability: T, isAborted: () => boolean): T {
  return new Proxy(capability, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (isAborted()) {
          throw new ProcedureAbortedError(`${String(key)}: the calibration procedure was aborted`);
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** Refuses a source level outside the source's range before anything is sent (a 'limit' event). */
export function checkLevel(field: string, value: number, range: { min: number; max: number }): void {
  if (!(value >= range.min && value <= range.max)) throw new LimitError(field, value, { ...range });
}
