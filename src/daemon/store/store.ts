// The daemon's persistence: one SQLite database (WAL) holding runs as documents, metrics,
// conductance snapshots, the write-ahead pulse log, device states, the job queue, instrument
// identities and calibration records. It stores typed documents; it runs nothing.
import type Database from 'better-sqlite3';
import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { openDatabase, type Durability } from './database.ts';
import { exportMetricsCsv, exportRunJsonl } from './export.ts';
import { Calibrations, Instruments } from './instruments.ts';
import { JobQueue } from './jobs.ts';
import { Metrics } from './metrics.ts';
import { applyMigrations, MIGRATIONS, schemaVersion } from './migrations.ts';
import { StepStates, PulseLog } from './pulse-log.ts';
import {
  recoverAfterCrash,
  resumeRun,
  type RecoveryParts,
  type RecoveryReport,
  type ResumePoint,
} from './recovery.ts';
import { RunDocuments } from './runs.ts';
import { Snapshots } from './snapshots.ts';

export interface StoreOptions {
  /** See `Durability`; default `full` (a commit survives power loss, not only a process kill). */
  durability?: Durability;
  busyTimeoutMs?: number;
  /** Device states kept per run (only the newest is needed to resume). Default 2. */
  keepDeviceStates?: number;
  /** Clock for every time the caller does not give, ms since the Unix epoch. */
  now?: () => number;
  logger?: Logger;
}

export class Store {
  readonly runs: RunDocuments;
  readonly metrics: Metrics;
  readonly snapshots: Snapshots;
  readonly pulseLog: PulseLog;
  readonly deviceStates: StepStates;
  /** The trainer's own state per completed step (the weight-averaging running mean). */
  readonly trainingStates: StepStates;
  readonly jobs: JobQueue;
  readonly instruments: Instruments;
  readonly calibrations: Calibrations;
  private readonly logger: Logger | undefined;

  private constructor(
    readonly path: string,
    private readonly db: Database.Database,
    options: StoreOptions,
  ) {
    const now = options.now ?? Date.now;
    this.runs = new RunDocuments(db, now);
    this.metrics = new Metrics(db, now);
    this.snapshots = new Snapshots(db, now);
    this.pulseLog = new PulseLog(db, now);
    this.deviceStates = new StepStates(db, now, options.keepDeviceStates ?? 2);
    this.trainingStates = new StepStates(db, now, 2, 'training_states');
    this.jobs = new JobQueue(db, now);
    this.instruments = new Instruments(db, now);
    this.calibrations = new Calibrations(db, this.instruments, now);
    this.logger = options.logger;
  }

  private get parts(): RecoveryParts {
    const { db, runs, metrics, pulseLog, deviceStates, jobs } = this;
    return { db, runs, metrics, pulseLog, deviceStates, jobs };
  }

  /** Opens (creating if needed) the database at `path` and migrates it to the latest schema. */
  static open(path: string, options: StoreOptions = {}): Store {
    const db = openDatabase(path, { durability: options.durability, busyTimeoutMs: options.busyTimeoutMs });
    try {
      const applied = applyMigrations(db, MIGRATIONS, options.now);
      if (applied.length > 0) options.logger?.info({ path, applied }, 'store schema migrated');
      return new Store(path, db, options);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  get schemaVersion(): number {
    return schemaVersion(this.db);
  }

  /** Runs `fn` in one IMMEDIATE transaction: all its writes commit together or not at all (use it
   * to commit a step: pulse completion, metrics, events and device state). Nests as a savepoint. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /** Call once at startup, before any job runs: marks what a crash left open as interrupted. */
  recoverAfterCrash(): RecoveryReport {
    const report = recoverAfterCrash(this.parts);
    if (report.runs.length + report.jobs.length + report.pendingPulseIntents.length > 0) {
      this.logger?.warn(
        {
          runs: report.runs.map((r) => r.uid),
          jobs: report.jobs.map((j) => j.id),
          pendingPulseIntents: report.pendingPulseIntents.map((p) => p.id),
        },
        'recovered after crash',
      );
    }
    return report;
  }

  /** Reopens an interrupted run; see `resumeRun` in recovery.ts. */
  resumeRun(uid: string): ResumePoint {
    return resumeRun(this.parts, uid);
  }

  exportRunJsonl(uid: string, out: Writable): Promise<number> {
    return exportRunJsonl(this, uid, out);
  }

  exportMetricsCsv(uid: string, out: Writable, rows: 'step' | 'epoch' = 'step'): Promise<number> {
    return exportMetricsCsv(this, uid, out, rows);
  }

  /** Copies the database to `destination` while it stays in use (SQLite online backup). */
  async backup(destination: string): Promise<void> {
    await this.db.backup(destination);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
