// The daemon: the store, the bench and the job runner behind the DaemonSurface the API, the
// dashboard and the CLI use. `Daemon.open` recovers what a crash left open before any job runs.
import { readFileSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { Subject } from 'rxjs';
import type { Logger } from 'pino';
import { exportRecord } from '../../calibration/index.ts';
import { describe } from '../bench/errors.ts';
import { describeFault, openBench, type BenchStatus, type DaemonBench } from './bench.ts';
import { badField, conflict, DaemonError } from './errors.ts';
import type { LiveEvent } from './events.ts';
import {
  calibrationFigures,
  listCalibrations,
  referenceMeters,
  storedRecord,
  type ReferenceMeterOptions,
} from './calibrations.ts';
import { calibrationHook, makeCalibrateKind, storedTwinCalibration } from './jobs/calibrate.ts';
import { evaluateKind } from './jobs/evaluate.ts';
import { programMapKind } from './jobs/program-map.ts';
import { readConductanceMap, readMapKind } from './jobs/read-map.ts';
import { JobRegistry } from './jobs/registry.ts';
import { trainKind } from './jobs/train.ts';
import { runUid } from './jobs/types.ts';
import { createLogger, type LoggerOptions } from './logger.ts';
import { databasePath, dataDir } from './paths.ts';
import { JobRunner } from './runner.ts';
import {
  Store,
  type Durability,
  type JobRecord,
  type JsonObject,
  type RecoveryReport,
} from './store/index.ts';
import type {
  CalibrationFigure,
  CalibrationSummary,
  ConductanceMapView,
  DaemonHealth,
  DaemonSurface,
  JobKindInfo,
  RunDetail,
  RunSummary,
} from './surface.ts';
import { jobOf, latestSnapshot, listRuns, runDetail, type RunDetailQuery } from './views.ts';

const PACKAGE = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export interface DaemonOptions {
  /** Bench configuration file (default examples/sim-bench.yaml). */
  benchFile?: string;
  /** Data directory (see paths.ts). */
  dataDir?: string;
  durability?: Durability;
  /** A logger, or options to create one. */
  logger?: Logger | LoggerOptions;
  /** Requeue jobs a crash or shutdown left interrupted, so they resume at once. */
  resumeInterrupted?: boolean;
  /** Start taking jobs at once (default); false defers it to `start()`, e.g. until the process's
   * safety handlers are installed. */
  start?: boolean;
  /** The simulated bench's reference voltmeters (the DAC and ADC calibrations): ideal by default. */
  referenceMeters?: ReferenceMeterOptions;
}

const LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

export class Daemon implements DaemonSurface {
  readonly version = PACKAGE.version;
  readonly registry = new JobRegistry();
  readonly #events = new Subject<LiveEvent>();
  readonly events$ = this.#events.asObservable();
  readonly #runner: JobRunner;
  readonly #started = Date.now();
  #estop: string | null = null;
  #closed = false;
  #running = false;
  /** An instrument fault latched since the bench was last assembled: re-assemble before a job. */
  #reassemble = false;
  /** A re-assembly on request is under way: no job may start. */
  #reassembling = false;

  private constructor(
    readonly store: Store,
    readonly bench: DaemonBench,
    readonly log: Logger,
    readonly recovery: RecoveryReport,
    meters: ReferenceMeterOptions = {},
  ) {
    this.registry.register(trainKind);
    this.registry.register(evaluateKind);
    this.registry.register(readMapKind);
    this.registry.register(programMapKind);
    this.registry.register(makeCalibrateKind((b) => referenceMeters(b, meters)));
    this.#runner = new JobRunner({
      store,
      bench,
      registry: this.registry,
      log,
      emit: (event) => this.#events.next(event),
      versions: {
        nudged: this.version,
        node: process.versions.node,
        sqlite: process.versions.sqlite ?? 'bundled',
      },
      blocked: () =>
        !this.#running
          ? 'not started'
          : this.#reassembling
            ? 'the bench is being re-assembled'
            : this.health().fault,
      prepare: () => this.#prepareBench(),
    });
    this.#watchFaults();
  }

  /** Logs every fault the bench latches; on a bench of instruments also marks it for re-assembly
   * (a link may have dropped, a reply may still be in flight, an instrument may have been reset). */
  #watchFaults(): void {
    this.bench.capabilities.onFault((fault) => {
      this.log.error({ operation: fault.operation }, `bench fault: ${describeFault(fault)}`);
      if (this.bench.reassemble !== undefined) this.#reassemble = true;
    });
  }

  /** Before a job: after an instrument fault, every link is closed (outputs safe first), opened
   * again, every instrument identified and configured again, and the outputs left safe. */
  async #prepareBench(): Promise<void> {
    if (!this.#reassemble || this.bench.reassemble === undefined) return;
    try {
      await this.#reassembleBench('after an instrument fault');
    } catch (error) {
      throw new Error(`re-assembling the bench after an instrument fault failed: ${describe(error)}`, {
        cause: error,
      });
    }
  }

  async #reassembleBench(why: string): Promise<void> {
    const reassemble = this.bench.reassemble;
    if (reassemble === undefined) return;
    this.log.warn(`re-assembling the bench ${why}`);
    this.#reassembling = true;
    try {
      await reassemble();
    } finally {
      this.#reassembling = false;
    }
    this.#reassemble = false;
    this.#watchFaults();
    this.log.info(
      { instruments: this.bench.status().instruments.map((i) => ({ name: i.name, identity: i.identity })) },
      'bench re-assembled',
    );
  }

  async reconnectBench(): Promise<BenchStatus> {
    this.#open();
    if (this.bench.reassemble === undefined) {
      throw conflict('bench', `the ${this.bench.kind} bench has no instrument links to reconnect`);
    }
    const active = this.#runner.active;
    if (active !== null)
      throw conflict('bench', `job ${active.id} is ${active.state}; reconnect when no job runs`);
    if (this.#reassembling) throw conflict('bench', 'the bench is being re-assembled already');
    const fault = this.health().fault;
    if (fault !== null) throw conflict('bench', `a fault is latched (${fault}); clear it first`);
    try {
      await this.#reassembleBench('on request');
    } catch (error) {
      this.#reassemble = true;
      throw new DaemonError(503, 'bench', `the bench could not be re-assembled: ${describe(error)}`);
    } finally {
      this.#runner.kick();
    }
    return this.bench.status();
  }

  /** Opens the store (recovering after a crash), then the bench, and starts taking jobs (unless
   * `start: false`). */
  static async open(options: DaemonOptions = {}): Promise<Daemon> {
    let emit: (event: LiveEvent) => void = () => undefined;
    const log =
      options.logger !== undefined && 'info' in options.logger
        ? options.logger
        : createLogger((options.logger as LoggerOptions | undefined) ?? {}, (r) =>
            emit({
              type: 'log',
              time: r.time,
              level: LEVELS[r.level] ?? String(r.level),
              msg: r.msg ?? '',
              job: r.job,
              run: r.run,
            }),
          );
    const store = Store.open(databasePath(dataDir(options.dataDir)), {
      durability: options.durability,
      logger: log,
    });
    let bench: DaemonBench;
    try {
      bench = await openBench(
        options.benchFile,
        log,
        calibrationHook({ store, logger: log }),
        storedTwinCalibration(store),
      );
    } catch (error) {
      store.close();
      throw error;
    }
    const recovery = store.recoverAfterCrash();
    const daemon = new Daemon(store, bench, log, recovery, options.referenceMeters);
    emit = (event) => daemon.#events.next(event);
    if (options.resumeInterrupted === true) {
      for (const job of store.jobs.list(['interrupted', 'paused'])) daemon.#requeue(job);
    }
    log.info({ data: store.path, bench: bench.name }, 'daemon ready');
    if (options.start !== false) daemon.start();
    return daemon;
  }

  /** Starts taking jobs from the queue. Idempotent. */
  start(): void {
    this.#running = true;
    this.#runner.kick();
  }

  health(): DaemonHealth {
    const fault = this.bench.capabilities.fault;
    return {
      ok: this.#estop === null && fault === undefined,
      fault: this.#estop ?? (fault === undefined ? null : describeFault(fault)),
      activeJob: this.#runner.active?.id ?? null,
      queued: this.store.jobs.list(['queued'], 10_000).length,
      uptime_s: (Date.now() - this.#started) / 1000,
    };
  }

  benchStatus(): BenchStatus {
    return this.bench.status();
  }

  jobKinds(): JobKindInfo[] {
    return this.registry.infos();
  }

  submit(kind: string, params: unknown, priority = 0): JobRecord {
    this.#open();
    const jobKind = this.registry.get(kind);
    if (!Number.isInteger(priority) || priority < -1000 || priority > 1000) {
      throw badField('priority', `must be an integer −1000…1000, got ${priority}`);
    }
    const parsed = jobKind.params.safeParse(params ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path;
      throw badField(
        ['params', ...path].join('.'),
        issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message,
      );
    }
    try {
      jobKind.check?.(parsed.data, this.bench);
    } catch (error) {
      if (error instanceof DaemonError) throw error;
      throw badField('params', describe(error));
    }
    const job = this.store.jobs.enqueue({ kind: jobKind.kind, config: parsed.data as never, priority });
    this.#events.next({
      type: 'job',
      time: job.created,
      job: job.id,
      kind: job.kind,
      state: 'queued',
      reason: null,
    });
    this.log.info({ job: job.id, kind: job.kind }, 'job queued');
    this.#runner.kick();
    return job;
  }

  listRuns(filter?: { state?: string; limit?: number }): RunSummary[] {
    return listRuns(this.store, filter);
  }

  getRun(jobId: number, opts?: RunDetailQuery): RunDetail {
    return runDetail(this.store, jobId, opts);
  }

  pause(jobId: number): JobRecord {
    const job = jobOf(this.store, jobId);
    const control = this.#runner.controlOf(jobId);
    if (control === null)
      throw conflict('id', `job ${jobId} is ${job.state}; only the running job can be paused`);
    control.requestPause();
    this.log.info({ job: jobId }, 'pause requested');
    return this.store.jobs.get(jobId);
  }

  resume(jobId: number): JobRecord {
    const job = jobOf(this.store, jobId);
    const control = this.#runner.controlOf(jobId);
    if (control !== null) {
      control.resume();
      return this.store.jobs.get(jobId);
    }
    if (job.state !== 'interrupted' && job.state !== 'paused') {
      throw conflict('id', `job ${jobId} is ${job.state}; only a paused or interrupted job can be resumed`);
    }
    this.#requeue(job);
    this.#runner.kick();
    return this.store.jobs.get(jobId);
  }

  abort(jobId: number, reason = 'aborted by request'): JobRecord {
    const job = jobOf(this.store, jobId);
    const control = this.#runner.controlOf(jobId);
    if (control !== null) {
      control.requestAbort(reason);
      return this.store.jobs.get(jobId);
    }
    if (!['queued', 'paused', 'interrupted'].includes(job.state)) {
      throw conflict('id', `job ${jobId} is ${job.state}; it cannot be aborted`);
    }
    const record = this.store.jobs.transition(jobId, 'aborted', reason);
    this.#events.next({
      type: 'job',
      time: record.updated,
      job: jobId,
      kind: job.kind,
      state: 'aborted',
      reason,
    });
    return record;
  }

  async estop(reason: string): Promise<void> {
    // The bench first: sources to zero and outputs off, whatever the job is doing.
    try {
      await this.bench.capabilities.safeState();
    } catch (error) {
      this.log.fatal({ err: error }, 'emergency stop: the safe state failed');
    }
    this.#estop = `emergency stop: ${reason}`;
    const active = this.#runner.active;
    this.#events.next({ type: 'estop', time: Date.now(), reason, job: active?.id ?? null });
    this.log.warn({ job: active?.id }, `emergency stop: ${reason}`);
    await this.#runner.stopActive('estop', reason);
  }

  clearFault(): void {
    this.#estop = null;
    this.bench.capabilities.clearFault();
    this.log.info('bench fault cleared');
    this.#runner.kick();
  }

  exportRun(jobId: number, format: 'jsonl' | 'csv', out: Writable): Promise<number> {
    jobOf(this.store, jobId);
    const uid = runUid(jobId);
    if (format === 'jsonl') return this.store.exportRunJsonl(uid, out);
    if (format === 'csv') return this.store.exportMetricsCsv(uid, out);
    throw badField('format', `must be csv or jsonl, got ${String(format)}`);
  }

  async conductances(jobId: number | null): Promise<ConductanceMapView> {
    if (jobId !== null) return latestSnapshot(this.store, jobId);
    if (this.#runner.active !== null)
      throw conflict('bench', 'a job is running; read its run conductances instead');
    const maps = await readConductanceMap(this.bench, 0.1);
    const arrays = this.bench.capabilities.reader.arrays;
    return { job: null, step: null, arrays: maps.map((m, a) => ({ ...arrays[a], g_S: Array.from(m) })) };
  }

  listCalibrations(filter?: { limit?: number }): CalibrationSummary[] {
    return listCalibrations(this.store, this.bench, filter?.limit);
  }

  getCalibration(id: number): JsonObject {
    return JSON.parse(exportRecord(storedRecord(this.store, id))) as JsonObject;
  }

  calibrationFigures(id: number): CalibrationFigure[] {
    return calibrationFigures(this.store, id);
  }

  /** Resolves when no job is running. */
  idle(): Promise<void> {
    return this.#runner.idle();
  }

  /** Stops the job in flight (left interrupted, to be resumed), makes the bench safe, closes the
   * store. Idempotent. */
  async close(reason = 'daemon shutdown'): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const job = await this.#runner.stopActive('shutdown', reason);
    try {
      await this.bench.close();
    } catch (error) {
      this.log.error({ err: error }, 'closing the bench failed');
    }
    this.store.close();
    this.log.info({ interrupted: job }, 'daemon stopped');
    this.#events.complete();
  }

  #requeue(job: JobRecord): void {
    if (job.state === 'paused') this.store.jobs.transition(job.id, 'interrupted', 'resumed after a restart');
    const record = this.store.jobs.transition(job.id, 'queued', null);
    this.#events.next({
      type: 'job',
      time: record.updated,
      job: job.id,
      kind: job.kind,
      state: 'queued',
      reason: null,
    });
  }

  #open(): void {
    if (this.#closed) throw conflict('daemon', 'the daemon is shutting down');
  }
}
