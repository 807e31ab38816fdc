// The job runner: takes queued jobs one at a time from the persistent queue, starts (or resumes)
// each one's run document, runs its kind, and closes the run with its exit status. Pause, resume
// and abort act at step boundaries (JobControl); an emergency stop or a shutdown stops the job
// in flight at once.
import type { Logger } from 'pino';
import { describe } from '../bench/errors.ts';
import type { DaemonBench } from './bench.ts';
import { conflict } from './errors.ts';
import type { LiveEvent } from './events.ts';
import { JobAbortedError, JobControl, JobStoppedError } from './jobs/control.ts';
import { readConductanceMap } from './jobs/read-map.ts';
import type { JobRegistry } from './jobs/registry.ts';
import { runUid, type JobContext } from './jobs/types.ts';
import type { JobRecord, JobState, JsonObject, ResumePoint, Store } from './store/index.ts';

export interface RunnerEnv {
  store: Store;
  bench: DaemonBench;
  registry: JobRegistry;
  log: Logger;
  emit(event: LiveEvent): void;
  versions: Record<string, string>;
  /** Why new jobs may not start now (a latched fault), or null. */
  blocked(): string | null;
  /** Readies the bench for the next job (re-assembles it after an instrument fault); a throw
   * fails the job with its reason. */
  prepare(): Promise<void>;
}

interface Active {
  job: JobRecord;
  control: JobControl;
  done: Promise<void>;
}

export class JobRunner {
  #active: Active | null = null;
  #stopped = false;

  constructor(private readonly env: RunnerEnv) {}

  get active(): JobRecord | null {
    return this.#active === null ? null : this.env.store.jobs.get(this.#active.job.id);
  }

  /** Starts the next queued job when the bench is free. */
  kick(): void {
    if (this.#active !== null || this.#stopped || this.env.blocked() !== null) return;
    const job = this.env.store.jobs.dequeue();
    if (job === undefined) return;
    const control = new JobControl((paused) => this.#setState(job, paused ? 'paused' : 'running', null));
    const active: Active = { job, control, done: Promise.resolve() };
    this.#active = active;
    active.done = this.#execute(job, control).finally(() => {
      this.#active = null;
      queueMicrotask(() => this.kick());
    });
  }

  /** Resolves when no job is running (after a stop, once the job in flight has ended). */
  async idle(): Promise<void> {
    while (this.#active !== null) await this.#active.done;
  }

  /** The control of the job in flight, while it is running or paused. */
  controlOf(jobId: number): JobControl | null {
    if (this.#active?.job.id !== jobId) return null;
    const state = this.env.store.jobs.get(jobId).state;
    return state === 'running' || state === 'paused' ? this.#active.control : null;
  }

  /** Stops the job in flight at once (estop: it fails; shutdown: it is left interrupted). */
  async stopActive(kind: 'estop' | 'shutdown', reason: string): Promise<number | null> {
    const active = this.#active;
    if (kind === 'shutdown') this.#stopped = true;
    if (active === null) return null;
    active.control.stopNow(kind, reason);
    await active.done;
    return active.job.id;
  }

  #setState(job: JobRecord, state: JobState, reason: string | null): void {
    const record = this.env.store.jobs.transition(job.id, state, reason);
    this.env.emit({ type: 'job', time: record.updated, job: job.id, kind: job.kind, state, reason });
  }

  async #execute(job: JobRecord, control: JobControl): Promise<void> {
    const { store, registry, bench } = this.env;
    const uid = runUid(job.id);
    const log = this.env.log.child({ job: job.id, run: uid, kind: job.kind });
    this.env.emit({
      type: 'job',
      time: Date.now(),
      job: job.id,
      kind: job.kind,
      state: 'running',
      reason: null,
    });
    let started = false;
    try {
      const kind = registry.get(job.kind, 'job.kind');
      const params = kind.params.parse(job.config);
      await this.env.prepare();
      // An emergency stop or a shutdown during the re-assembly: nothing of the job runs.
      control.signal.throwIfAborted();
      const resume = await this.#openRun(job, uid, kind.resumable, log);
      started = true;
      log.info(resume === null ? 'job started' : `job resumed at step ${resume.fromStep}`);
      const ctx: JobContext<unknown> = {
        store,
        bench,
        emit: this.env.emit,
        log,
        job,
        run: uid,
        params,
        resume,
        control,
      };
      const result = (await kind.run(ctx)) ?? {};
      store.transaction(() => {
        this.#recordResult(uid, result);
        store.runs.stop(uid, { exitStatus: 'success' });
      });
      const numbers = Object.fromEntries(
        Object.entries(result).filter((e): e is [string, number | boolean] =>
          ['number', 'boolean'].includes(typeof e[1]),
        ),
      );
      this.env.emit({ type: 'result', job: job.id, result: numbers });
      this.#setState(job, 'done', null);
      log.info({ result }, 'job done');
    } catch (error) {
      // A job cancelled by an emergency stop or a shutdown may surface the cancellation wrapped in
      // its own error: the stop is what happened.
      const stopped = control.signal.aborted && !(error instanceof JobAbortedError);
      this.#fail(job, uid, started, stopped ? control.signal.reason : error, log);
    }
  }

  /** The run document: a new one, or the interrupted one reopened after reconciling its pulses. */
  async #openRun(job: JobRecord, uid: string, resumable: boolean, log: Logger): Promise<ResumePoint | null> {
    const { store, bench } = this.env;
    let status: string | null;
    try {
      status = store.runs.status(uid);
    } catch {
      status = null;
    }
    if (status === null) {
      const benchStatus = bench.status();
      store.transaction(() => {
        store.runs.start({
          uid,
          jobId: job.id,
          kind: job.kind,
          config: job.config,
          versions: this.env.versions,
          bench: benchStatus as unknown as JsonObject,
        });
        // The identities the run was made with (a new firmware is a new identity).
        for (const i of benchStatus.instruments) {
          const { vendor, model, serial, firmware } = i.identity;
          const { id } = store.instruments.record({
            vendor: vendor || '-',
            model: model || '-',
            serial: serial || '-',
            firmware,
            idn: [vendor, model, serial, firmware].join(','),
            driver: i.kind,
            resource: i.resource,
          });
          store.instruments.linkToRun(uid, i.name, id);
        }
      });
      return null;
    }
    if (!resumable) throw conflict('job.kind', `a ${job.kind} run does not resume; submit the job again`);
    const pending = store.pulseLog.pendingPulseIntents(uid);
    // The sim restores its saved device state (undoing whatever part of the batch landed); on
    // hardware the conductance map is re-read and the step is recomputed on it.
    let found = '';
    if (pending.length > 0 && bench.deviceState === undefined) {
      const all = (await bench.capabilities.runStep(() => readConductanceMap(bench, 0.1))).flatMap((m) =>
        Array.from(m),
      );
      const mean = all.reduce((a, b) => a + b, 0) / all.length;
      found = `conductance map re-read (${all.length} devices, mean ${mean.toExponential(3)} S); `;
    }
    for (const intent of pending) {
      const resolution =
        bench.deviceState !== undefined
          ? `device state restored to the start of step ${intent.step}`
          : `${found}the step is recomputed on the conductances as they are`;
      store.pulseLog.resolvePulseIntent(intent.id, resolution);
      log.warn({ intent: intent.id, step: intent.step }, `pulse intent without completion: ${resolution}`);
    }
    return store.resumeRun(uid);
  }

  #recordResult(uid: string, result: JsonObject): void {
    const keys = Object.keys(result);
    if (keys.length === 0) return;
    const { store } = this.env;
    store.runs.declareDescriptor(uid, {
      name: 'result',
      dataKeys: Object.fromEntries(
        keys.map((k) => [k, { dtype: typeof result[k] === 'boolean' ? 'boolean' : 'number', shape: [] }]),
      ),
    });
    store.runs.appendEvent(uid, { descriptor: 'result', data: result });
  }

  #fail(job: JobRecord, uid: string, started: boolean, error: unknown, log: Logger): void {
    const { store } = this.env;
    let exit: 'abort' | 'fail' | 'interrupted' = 'fail';
    let state: JobState = 'failed';
    let reason = describe(error);
    if (error instanceof JobAbortedError) {
      [exit, state] = ['abort', 'aborted'];
    } else if (error instanceof JobStoppedError) {
      reason = error.kind === 'estop' ? `emergency stop: ${error.reason}` : `shutdown: ${error.reason}`;
      if (error.kind === 'shutdown') [exit, state] = ['interrupted', 'interrupted'];
    }
    try {
      if (started && store.runs.status(uid) === 'running') store.runs.stop(uid, { exitStatus: exit, reason });
      this.#setState(job, state, reason);
    } catch (storeError) {
      log.error({ err: storeError }, 'could not record the end of the job');
    }
    if (state === 'failed') log.error({ err: error }, `job failed: ${reason}`);
    else log.warn(`job ${state}: ${reason}`);
  }
}
