// Write-ahead pulse log. The intent of a programming batch is committed before the batch is sent
// and its completion after, so after a crash every intent without completion names a batch whose
// pulses may or may not have landed; it stays pending until the daemon reconciles it (re-reads the
// conductance map on hardware, restores the device state on the sim) and resolves it.
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { compressBytes, decompressBytes } from './codec.ts';
import { StoreError, parseInput } from './errors.ts';
import { pulseIntentSchema } from './schemas.ts';

export type PulseIntentState = 'pending' | 'completed' | 'resolved';

export interface PulseIntentRecord {
  id: number;
  run: string;
  step: number;
  digest: string;
  batchBytes: number;
  intentTime: number;
  state: PulseIntentState;
  applied: number | null;
  completedTime: number | null;
  resolution: string | null;
}

interface IntentRow {
  id: number;
  run: string;
  step: number;
  digest: string;
  batch_bytes: number;
  intent_ms: number;
  state: PulseIntentState;
  applied: number | null;
  completed_ms: number | null;
  resolution: string | null;
}

const INTENT_COLUMNS =
  'id, run, step, digest, batch_bytes, intent_ms, state, applied, completed_ms, resolution';

const toIntent = (r: IntentRow): PulseIntentRecord => ({
  id: r.id,
  run: r.run,
  step: r.step,
  digest: r.digest,
  batchBytes: r.batch_bytes,
  intentTime: r.intent_ms,
  state: r.state,
  applied: r.applied,
  completedTime: r.completed_ms,
  resolution: r.resolution,
});

/** SHA-256 (hex) of a serialized pulse batch: a convenient digest for recordPulseIntent. */
export function digestBatch(batch: Uint8Array): string {
  return createHash('sha256').update(batch).digest('hex');
}

export class PulseLog {
  private readonly insertIntent;
  private readonly selectIntent;
  private readonly selectBatch;
  private readonly complete;
  private readonly resolve;
  private readonly selectPending;
  private readonly selectForRun;

  constructor(
    db: Database.Database,
    private readonly now: () => number,
  ) {
    this.insertIntent = db.prepare(
      'INSERT INTO pulse_intents (run, step, digest, batch, batch_bytes, intent_ms) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.selectIntent = db.prepare<[number], IntentRow>(
      `SELECT ${INTENT_COLUMNS} FROM pulse_intents WHERE id = ?`,
    );
    this.selectBatch = db.prepare<[number], { batch: Buffer; batch_bytes: number }>(
      'SELECT batch, batch_bytes FROM pulse_intents WHERE id = ?',
    );
    this.complete = db.prepare(
      `UPDATE pulse_intents SET state = 'completed', applied = ?, completed_ms = ? WHERE id = ? AND state = 'pending'`,
    );
    this.resolve = db.prepare(
      `UPDATE pulse_intents SET state = 'resolved', resolution = ?, completed_ms = ? WHERE id = ? AND state = 'pending'`,
    );
    this.selectPending = db.prepare<[string], IntentRow>(
      `SELECT ${INTENT_COLUMNS} FROM pulse_intents WHERE run = ? AND state = 'pending' ORDER BY id`,
    );
    this.selectForRun = db.prepare<[string, number, number], IntentRow>(
      `SELECT ${INTENT_COLUMNS} FROM pulse_intents WHERE run = ? AND id > ? ORDER BY id LIMIT ?`,
    );
  }

  /** Commits the intent to send `batch` at `step` (call before sending it); returns its id. */
  recordPulseIntent(run: string, step: number, digest: string, batch: Uint8Array): number {
    const i = parseInput(pulseIntentSchema, { run, step, digest, batch }, 'pulseIntent');
    const info = this.insertIntent.run(
      i.run,
      i.step,
      i.digest,
      compressBytes(i.batch),
      i.batch.byteLength,
      this.now(),
    );
    return Number(info.lastInsertRowid);
  }

  /** Records that the batch was sent and `applied` pulses were applied. Repeating it with the same
   * count is a no-op; another count, or completing a resolved intent, is refused. */
  recordPulseCompletion(id: number, applied: number): void {
    if (!Number.isInteger(applied) || applied < 0) {
      throw new StoreError('pulseCompletion.applied', `must be a non-negative integer, got ${applied}`);
    }
    if (this.complete.run(applied, this.now(), id).changes === 1) return;
    const intent = this.get(id);
    if (intent.state === 'completed' && intent.applied === applied) return;
    throw new StoreError(
      'pulseCompletion.id',
      `intent ${id} is ${intent.state}${intent.applied === null ? '' : ` with ${intent.applied} applied`}`,
    );
  }

  /** Closes a pending intent after reconciliation; `resolution` says what was found. */
  resolvePulseIntent(id: number, resolution: string): void {
    if (resolution.length === 0) throw new StoreError('pulseResolution.resolution', 'must not be empty');
    if (this.resolve.run(resolution, this.now(), id).changes === 1) return;
    throw new StoreError('pulseResolution.id', `intent ${id} is ${this.get(id).state}, not pending`);
  }

  /** Intents of the run without completion: batches that may have landed, oldest first. */
  pendingPulseIntents(run: string): PulseIntentRecord[] {
    return this.selectPending.all(run).map(toIntent);
  }

  get(id: number): PulseIntentRecord {
    const row = this.selectIntent.get(id);
    if (!row) throw new StoreError('pulseIntent.id', `no pulse intent ${id}`);
    return toIntent(row);
  }

  /** The serialized batch exactly as given to recordPulseIntent. */
  batch(id: number): Buffer {
    const row = this.selectBatch.get(id);
    if (!row) throw new StoreError('pulseIntent.id', `no pulse intent ${id}`);
    return decompressBytes(row.batch, row.batch_bytes, `pulseIntent ${id}.batch`);
  }

  /** Intents of a run with id > afterId, oldest first (paging). */
  intentsAfter(run: string, afterId: number, limit: number): PulseIntentRecord[] {
    return this.selectForRun.all(run, afterId, limit).map(toIntent);
  }
}

export interface StepStateRecord {
  step: number;
  time: number;
  state: Buffer;
}

/** A state blob per run and completed step: the simulated board's device state (`device_states`)
 * or the trainer's own state (`training_states`, e.g. the weight-averaging running mean). Only the
 * newest `keep` per run are retained, since resuming needs the last one only. */
export class StepStates {
  private readonly upsert;
  private readonly prune;
  private readonly selectLatest;
  private readonly selectAt;
  private readonly selectAtOrBefore;

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number,
    private readonly keep = 2,
    private readonly table: 'device_states' | 'training_states' = 'device_states',
  ) {
    this.upsert = db.prepare(
      `INSERT INTO ${table} (run, step, time_ms, raw_bytes, data) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (run, step) DO UPDATE SET time_ms = excluded.time_ms, raw_bytes = excluded.raw_bytes,
         data = excluded.data`,
    );
    this.prune = db.prepare(
      `DELETE FROM ${table} WHERE run = @run AND step NOT IN
         (SELECT step FROM ${table} WHERE run = @run ORDER BY step DESC LIMIT @keep)`,
    );
    type Row = { step: number; time_ms: number; raw_bytes: number; data: Buffer };
    this.selectLatest = db.prepare<[string], Row>(
      `SELECT step, time_ms, raw_bytes, data FROM ${table} WHERE run = ? ORDER BY step DESC LIMIT 1`,
    );
    this.selectAt = db.prepare<[string, number], Row>(
      `SELECT step, time_ms, raw_bytes, data FROM ${table} WHERE run = ? AND step = ?`,
    );
    this.selectAtOrBefore = db.prepare<[string, number], Row>(
      `SELECT step, time_ms, raw_bytes, data FROM ${table} WHERE run = ? AND step <= ?
       ORDER BY step DESC LIMIT 1`,
    );
  }

  /** Stores the state after `step` completed (write it in the step's transaction). */
  save(run: string, step: number, state: Uint8Array): void {
    if (!Number.isInteger(step) || step < 0) {
      throw new StoreError(`${this.table}.step`, `must be a non-negative integer, got ${step}`);
    }
    const data = compressBytes(state);
    this.db
      .transaction(() => {
        this.upsert.run(run, step, this.now(), state.byteLength, data);
        this.prune.run({ run, keep: this.keep });
      })
      .immediate();
  }

  latest(run: string): StepStateRecord | undefined {
    const row = this.selectLatest.get(run);
    return row && this.decode(row);
  }

  at(run: string, step: number): StepStateRecord | undefined {
    const row = this.selectAt.get(run, step);
    return row && this.decode(row);
  }

  /** The newest state saved at or before `step`. */
  atOrBefore(run: string, step: number): StepStateRecord | undefined {
    const row = this.selectAtOrBefore.get(run, step);
    return row && this.decode(row);
  }

  private decode(row: { step: number; time_ms: number; raw_bytes: number; data: Buffer }): StepStateRecord {
    return {
      step: row.step,
      time: row.time_ms,
      state: decompressBytes(row.data, row.raw_bytes, this.table),
    };
  }
}
