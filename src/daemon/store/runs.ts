// Runs as documents, in the spirit of Bluesky's event model: a start document (full config,
// software versions, bench identity), descriptors of the recorded data streams, events numbered
// 1, 2, 3… per run, and stop/resume documents. UNIQUE(run, seq) makes a replayed event a no-op.
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { StoreError, parseInput } from './errors.ts';
import {
  descriptorSchema,
  eventSchema,
  runStartSchema,
  stopSchema,
  type DataKey,
  type DescriptorInput,
  type EventInput,
  type ExitStatus,
  type JsonObject,
  type RunKind,
  type RunStartInput,
  type StopInput,
} from './schemas.ts';

export type RunStatus = 'running' | ExitStatus;

export interface RunRecord {
  uid: string;
  jobId: number | null;
  kind: RunKind;
  time: number;
  config: JsonObject;
  versions: Record<string, string>;
  bench: JsonObject;
  status: RunStatus;
}

export interface DescriptorRecord {
  id: number;
  run: string;
  name: string;
  time: number;
  dataKeys: Record<string, DataKey>;
}

export interface EventRecord {
  run: string;
  seq: number;
  descriptor: string;
  time: number;
  data: JsonObject;
  timestamps: Record<string, number>;
}

export interface LifecycleRecord {
  id: number;
  run: string;
  document: 'stop' | 'resume';
  time: number;
  /** The last event seq when the document was written: it follows that event in the stream. */
  afterSeq: number;
  exitStatus: ExitStatus | null;
  reason: string | null;
  /** For a resume: the first step the resumed run computes. */
  fromStep: number | null;
}

interface RunRow {
  uid: string;
  job_id: number | null;
  kind: RunKind;
  start_ms: number;
  config_json: string;
  versions_json: string;
  bench_json: string;
  status: RunStatus;
}

interface EventRow {
  run: string;
  seq: number;
  descriptor: string;
  time_ms: number;
  data_json: string;
  timestamps_json: string;
}

interface LifecycleRow {
  id: number;
  run: string;
  document: 'stop' | 'resume';
  time_ms: number;
  after_seq: number;
  exit_status: ExitStatus | null;
  reason: string | null;
  from_step: number | null;
}

const toRun = (r: RunRow): RunRecord => ({
  uid: r.uid,
  jobId: r.job_id,
  kind: r.kind,
  time: r.start_ms,
  config: JSON.parse(r.config_json),
  versions: JSON.parse(r.versions_json),
  bench: JSON.parse(r.bench_json),
  status: r.status,
});

const toEvent = (r: EventRow): EventRecord => ({
  run: r.run,
  seq: r.seq,
  descriptor: r.descriptor,
  time: r.time_ms,
  data: JSON.parse(r.data_json),
  timestamps: JSON.parse(r.timestamps_json),
});

const toLifecycle = (r: LifecycleRow): LifecycleRecord => ({
  id: r.id,
  run: r.run,
  document: r.document,
  time: r.time_ms,
  afterSeq: r.after_seq,
  exitStatus: r.exit_status,
  reason: r.reason,
  fromStep: r.from_step,
});

const sameKeys = (a: object, b: object) => JSON.stringify(a) === JSON.stringify(b);

export class RunDocuments {
  private readonly insertRun;
  private readonly selectRun;
  private readonly selectRuns;
  private readonly insertDescriptor;
  private readonly selectDescriptor;
  private readonly selectDescriptors;
  private readonly lastSeq;
  private readonly insertEvent;
  private readonly selectEventsAfter;
  private readonly insertLifecycle;
  private readonly selectLifecycle;
  private readonly setStatus;
  private readonly selectStatus;

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number,
  ) {
    this.insertRun = db.prepare(
      `INSERT INTO runs (uid, job_id, kind, start_ms, config_json, versions_json, bench_json)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.selectRun = db.prepare<[string], RunRow>('SELECT * FROM runs WHERE uid = ?');
    this.selectRuns = db.prepare<[number], RunRow>('SELECT * FROM runs ORDER BY start_ms DESC, uid LIMIT ?');
    this.insertDescriptor = db.prepare(
      'INSERT INTO descriptors (run, name, time_ms, data_keys_json) VALUES (?, ?, ?, ?)',
    );
    this.selectDescriptor = db.prepare<[string, string], { id: number; data_keys_json: string }>(
      'SELECT id, data_keys_json FROM descriptors WHERE run = ? AND name = ?',
    );
    this.selectDescriptors = db.prepare<
      [string],
      { id: number; run: string; name: string; time_ms: number; data_keys_json: string }
    >('SELECT * FROM descriptors WHERE run = ? ORDER BY id');
    this.lastSeq = db.prepare<[string], { seq: number }>(
      'SELECT coalesce(max(seq), 0) AS seq FROM events WHERE run = ?',
    );
    this.insertEvent = db.prepare(
      `INSERT INTO events (run, seq, descriptor_id, time_ms, data_json, timestamps_json)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.selectEventsAfter = db.prepare<[string, number, number], EventRow>(
      `SELECT e.run, e.seq, d.name AS descriptor, e.time_ms, e.data_json, e.timestamps_json
       FROM events e JOIN descriptors d ON d.id = e.descriptor_id
       WHERE e.run = ? AND e.seq > ? ORDER BY e.seq LIMIT ?`,
    );
    this.insertLifecycle = db.prepare(
      `INSERT INTO run_lifecycle (run, document, time_ms, after_seq, exit_status, reason, from_step)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.selectLifecycle = db.prepare<[string], LifecycleRow>(
      'SELECT * FROM run_lifecycle WHERE run = ? ORDER BY id',
    );
    this.setStatus = db.prepare('UPDATE runs SET status = ? WHERE uid = ?');
    this.selectStatus = db.prepare<[string], { status: RunStatus }>('SELECT status FROM runs WHERE uid = ?');
  }

  /** Writes the start document; returns the run uid (generated when not given). */
  start(input: RunStartInput): RunRecord {
    const s = parseInput(runStartSchema, input, 'start');
    const uid = s.uid ?? randomUUID();
    if (this.selectRun.get(uid)) throw new StoreError('start.uid', `a run with uid "${uid}" already exists`);
    this.insertRun.run(
      uid,
      s.jobId ?? null,
      s.kind,
      s.time ?? this.now(),
      JSON.stringify(s.config),
      JSON.stringify(s.versions),
      JSON.stringify(s.bench),
    );
    return this.get(uid);
  }

  get(uid: string): RunRecord {
    const row = this.selectRun.get(uid);
    if (!row) throw new StoreError('run', `no run with uid "${uid}"`);
    return toRun(row);
  }

  /** Most recent first. */
  list(limit = 100): RunRecord[] {
    return this.selectRuns.all(limit).map(toRun);
  }

  /** Declares a data stream. Declaring the same name again with the same keys is a no-op (replay);
   * with different keys it is refused. */
  declareDescriptor(run: string, input: DescriptorInput): DescriptorRecord {
    const d = parseInput(descriptorSchema, input, 'descriptor');
    this.requireOpen(run, 'descriptor');
    const existing = this.selectDescriptor.get(run, d.name);
    if (existing) {
      if (!sameKeys(JSON.parse(existing.data_keys_json), d.dataKeys)) {
        throw new StoreError(
          'descriptor.dataKeys',
          `descriptor "${d.name}" already declared with other keys`,
        );
      }
    } else {
      this.insertDescriptor.run(run, d.name, d.time ?? this.now(), JSON.stringify(d.dataKeys));
    }
    const stored = this.descriptors(run).find((x) => x.name === d.name);
    if (!stored) throw new StoreError('descriptor', `descriptor "${d.name}" vanished`);
    return stored;
  }

  descriptors(run: string): DescriptorRecord[] {
    return this.selectDescriptors.all(run).map((r) => ({
      id: r.id,
      run: r.run,
      name: r.name,
      time: r.time_ms,
      dataKeys: JSON.parse(r.data_keys_json),
    }));
  }

  /**
   * Appends an event with the next seq. With `seq` given (a replay after a crash): a seq already
   * stored is ignored and `inserted` is false; the next seq is appended; a later one (a gap) is
   * refused. Data keys must be exactly the descriptor's keys.
   */
  appendEvent(run: string, input: EventInput): { seq: number; inserted: boolean } {
    const e = parseInput(eventSchema, input, 'event');
    this.requireOpen(run, 'event');
    const descriptor = this.selectDescriptor.get(run, e.descriptor);
    if (!descriptor)
      throw new StoreError('event.descriptor', `no descriptor "${e.descriptor}" in run ${run}`);
    const keys: Record<string, DataKey> = JSON.parse(descriptor.data_keys_json);
    for (const key of Object.keys(keys)) {
      if (!(key in e.data))
        throw new StoreError(`event.data.${key}`, `missing (declared by "${e.descriptor}")`);
    }
    for (const key of Object.keys(e.data)) {
      if (!(key in keys)) throw new StoreError(`event.data.${key}`, `not declared by "${e.descriptor}"`);
    }
    for (const key of Object.keys(e.timestamps ?? {})) {
      if (!(key in keys))
        throw new StoreError(`event.timestamps.${key}`, `not a data key of "${e.descriptor}"`);
    }
    const time = e.time ?? this.now();
    return this.db
      .transaction(() => {
        const next = this.nextSeq(run);
        if (e.seq !== undefined && e.seq < next) return { seq: e.seq, inserted: false };
        if (e.seq !== undefined && e.seq > next) {
          throw new StoreError(
            'event.seq',
            `${e.seq} would leave a gap: the next seq of run ${run} is ${next}`,
          );
        }
        const data = JSON.stringify(e.data);
        this.insertEvent.run(run, next, descriptor.id, time, data, JSON.stringify(e.timestamps ?? {}));
        return { seq: next, inserted: true };
      })
      .immediate();
  }

  nextSeq(run: string): number {
    return (this.lastSeq.get(run)?.seq ?? 0) + 1;
  }

  /** Events with seq > afterSeq, in order, at most `limit` (for paging without holding a cursor). */
  eventsAfter(run: string, afterSeq: number, limit: number): EventRecord[] {
    return this.selectEventsAfter.all(run, afterSeq, limit).map(toEvent);
  }

  /** Writes the stop document and sets the run's status to its exit status. */
  stop(run: string, input: StopInput): LifecycleRecord {
    const s = parseInput(stopSchema, input, 'stop');
    this.requireOpen(run, 'stop');
    return this.writeLifecycle(run, 'stop', s.time ?? this.now(), s.exitStatus, s.reason ?? null, null);
  }

  /** Writes a resume document for an interrupted run and reopens it (status running). */
  resume(run: string, fromStep: number, time = this.now()): LifecycleRecord {
    const status = this.status(run);
    if (status !== 'interrupted') {
      throw new StoreError('run.status', `run ${run} is ${status}; only an interrupted run can be resumed`);
    }
    return this.writeLifecycle(run, 'resume', time, null, null, fromStep);
  }

  lifecycle(run: string): LifecycleRecord[] {
    return this.selectLifecycle.all(run).map(toLifecycle);
  }

  private writeLifecycle(
    run: string,
    document: 'stop' | 'resume',
    time: number,
    exitStatus: ExitStatus | null,
    reason: string | null,
    fromStep: number | null,
  ): LifecycleRecord {
    return this.db
      .transaction(() => {
        const afterSeq = this.nextSeq(run) - 1;
        const id = Number(
          this.insertLifecycle.run(run, document, time, afterSeq, exitStatus, reason, fromStep)
            .lastInsertRowid,
        );
        this.setStatus.run(exitStatus ?? 'running', run);
        return { id, run, document, time, afterSeq, exitStatus, reason, fromStep };
      })
      .immediate();
  }

  status(run: string): RunStatus {
    const row = this.selectStatus.get(run);
    if (!row) throw new StoreError('run', `no run with uid "${run}"`);
    return row.status;
  }

  private requireOpen(run: string, what: string): void {
    const status = this.status(run);
    if (status !== 'running') {
      throw new StoreError(`${what}`, `run ${run} is ${status}, not running: nothing can be added to it`);
    }
  }
}
