// What a job kind plugs into the runner: a kind name, a zod schema of its parameters (the API body
// `params`), an optional check against the bench, and `run`. Calibration kinds register the same way.
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { DaemonBench } from '../bench.ts';
import type { LiveEvent } from '../events.ts';
import type { JobRecord, JsonObject, ResumePoint, RunKind, Store } from '../store/index.ts';
import type { JobControl } from './control.ts';

export interface JobEnv {
  store: Store;
  bench: DaemonBench;
  emit(event: LiveEvent): void;
  log: Logger;
}

export interface JobContext<P> extends JobEnv {
  job: JobRecord;
  /** The run document's uid (`runUid(job.id)`). */
  run: string;
  params: P;
  /** Set when the run continues after an interruption. */
  resume: ResumePoint | null;
  control: JobControl;
}

export interface JobKind<P> {
  readonly kind: RunKind;
  readonly summary: string;
  /** Validates `params` (strict: unknown fields are refused); the output is stored with the job. */
  readonly params: z.ZodType<P>;
  /** Whether an interrupted run of this kind continues where it stopped (else it starts over). */
  readonly resumable: boolean;
  /** Checks that need the bench; throws a DaemonError naming the field. */
  check?(params: P, bench: DaemonBench): void;
  /** Does the work; the result (if any) goes into the run's `result` event. */
  run(ctx: JobContext<P>): Promise<JsonObject | void>;
}

export const runUid = (jobId: number): string => `run-${jobId}`;
