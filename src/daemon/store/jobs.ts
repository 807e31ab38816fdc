// The persistent job queue. Order: higher priority first, then creation time, then id. A job's
// state changes only along the transitions below, so e.g. a finished job cannot be restarted.
import type Database from 'better-sqlite3';
import { StoreError, parseInput } from './errors.ts';
import { jobSchema, type JobInput, type JobState, type JsonObject, type RunKind } from './schemas.ts';

export interface JobRecord {
  id: number;
  kind: RunKind;
  config: JsonObject;
  priority: number;
  created: number;
  updated: number;
  state: JobState;
  reason: string | null;
}

interface JobRow {
  id: number;
  kind: RunKind;
  config_json: string;
  priority: number;
  created_ms: number;
  updated_ms: number;
  state: JobState;
  reason: string | null;
}

/** Allowed state changes. `interrupted` (set by crash recovery) resumes as running, or is requeued. */
export const JOB_TRANSITIONS: Readonly<Record<JobState, readonly JobState[]>> = {
  queued: ['running', 'aborted'],
  running: ['paused', 'done', 'failed', 'aborted', 'interrupted'],
  paused: ['running', 'aborted', 'failed', 'interrupted'],
  interrupted: ['running', 'queued', 'aborted', 'failed'],
  done: [],
  failed: [],
  aborted: [],
};

const toJob = (r: JobRow): JobRecord => ({
  id: r.id,
  kind: r.kind,
  config: JSON.parse(r.config_json),
  priority: r.priority,
  created: r.created_ms,
  updated: r.updated_ms,
  state: r.state,
  reason: r.reason,
});

export class JobQueue {
  private readonly insert;
  private readonly selectNext;
  private readonly selectOne;
  private readonly selectByStates;
  private readonly update;

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number,
  ) {
    this.insert = db.prepare(
      `INSERT INTO jobs (kind, config_json, priority, created_ms, updated_ms, state)
       VALUES (?, ?, ?, ?, ?, 'queued')`,
    );
    this.selectNext = db.prepare<[], JobRow>(
      `SELECT * FROM jobs WHERE state = 'queued' ORDER BY priority DESC, created_ms, id LIMIT 1`,
    );
    this.selectOne = db.prepare<[number], JobRow>('SELECT * FROM jobs WHERE id = ?');
    this.selectByStates = db.prepare<[string, number], JobRow>(
      `SELECT * FROM jobs WHERE state IN (SELECT value FROM json_each(?))
       ORDER BY created_ms DESC, id DESC LIMIT ?`,
    );
    this.update = db.prepare('UPDATE jobs SET state = ?, reason = ?, updated_ms = ? WHERE id = ?');
  }

  enqueue(input: JobInput): JobRecord {
    const j = parseInput(jobSchema, input, 'job');
    const time = j.time ?? this.now();
    const info = this.insert.run(j.kind, JSON.stringify(j.config), j.priority, time, time);
    return this.get(Number(info.lastInsertRowid));
  }

  /** The job dequeue would return, without taking it. */
  peek(): JobRecord | undefined {
    const row = this.selectNext.get();
    return row && toJob(row);
  }

  /** Takes the next queued job and marks it running, atomically. */
  dequeue(): JobRecord | undefined {
    return this.db
      .transaction(() => {
        const row = this.selectNext.get();
        return row && this.transition(row.id, 'running');
      })
      .immediate();
  }

  get(id: number): JobRecord {
    const row = this.selectOne.get(id);
    if (!row) throw new StoreError('job.id', `no job ${id}`);
    return toJob(row);
  }

  /** Jobs in any of `states` (all states when omitted), newest first. */
  list(states?: readonly JobState[], limit = 100): JobRecord[] {
    const wanted = states ?? (Object.keys(JOB_TRANSITIONS) as JobState[]);
    return this.selectByStates.all(JSON.stringify(wanted), limit).map(toJob);
  }

  /** Moves a job to `to`; refused (naming both states) when JOB_TRANSITIONS does not allow it. */
  transition(id: number, to: JobState, reason: string | null = null): JobRecord {
    return this.db
      .transaction(() => {
        const from = this.get(id).state;
        if (!JOB_TRANSITIONS[from].includes(to)) {
          throw new StoreError('job.state', `job ${id} cannot go from ${from} to ${to}`);
        }
        this.update.run(to, reason, this.now(), id);
        return this.get(id);
      })
      .immediate();
  }
}
