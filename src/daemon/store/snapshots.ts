// Conductance snapshots: Float32/Float64 arrays stored deflated, one row per (run, array, step),
// thinned after every write by the decimation policy so each array keeps O(log steps) rows.
import type Database from 'better-sqlite3';
import { decodeSamples, dtypeOf, encodeSamples, type SampleDtype, type Samples } from './codec.ts';
import { checkPolicy, DEFAULT_DECIMATION, keepsSnapshot, type DecimationPolicy } from './decimation.ts';
import { StoreError, parseInput } from './errors.ts';
import { snapshotSchema, type SnapshotInput } from './schemas.ts';

export interface SnapshotMeta {
  id: number;
  run: string;
  array: string;
  step: number;
  time: number;
  dtype: SampleDtype;
  shape: number[];
  rawBytes: number;
  storedBytes: number;
}

export interface Snapshot extends SnapshotMeta {
  values: Samples;
}

interface MetaRow {
  id: number;
  run: string;
  array_name: string;
  step: number;
  time_ms: number;
  dtype: SampleDtype;
  shape_json: string;
  raw_bytes: number;
  stored_bytes: number;
}

const META_COLUMNS =
  'id, run, array_name, step, time_ms, dtype, shape_json, raw_bytes, length(data) AS stored_bytes';

const toMeta = (r: MetaRow): SnapshotMeta => ({
  id: r.id,
  run: r.run,
  array: r.array_name,
  step: r.step,
  time: r.time_ms,
  dtype: r.dtype,
  shape: JSON.parse(r.shape_json),
  rawBytes: r.raw_bytes,
  storedBytes: r.stored_bytes,
});

export class Snapshots {
  private readonly insert;
  private readonly selectBounds;
  private readonly selectOlder;
  private readonly deleteById;
  private readonly selectMeta;
  private readonly selectOne;

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number,
  ) {
    this.insert = db.prepare(
      `INSERT INTO conductance_snapshots (run, array_name, step, time_ms, dtype, shape_json, raw_bytes, data)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run, array_name, step) DO UPDATE SET time_ms = excluded.time_ms, dtype = excluded.dtype,
         shape_json = excluded.shape_json, raw_bytes = excluded.raw_bytes, data = excluded.data`,
    );
    this.selectBounds = db.prepare<[string, string], { first: number; newest: number }>(
      `SELECT min(step) AS first, max(step) AS newest FROM conductance_snapshots
       WHERE run = ? AND array_name = ?`,
    );
    this.selectOlder = db.prepare<[string, string, number], { id: number; step: number }>(
      'SELECT id, step FROM conductance_snapshots WHERE run = ? AND array_name = ? AND step < ?',
    );
    this.deleteById = db.prepare('DELETE FROM conductance_snapshots WHERE id = ?');
    this.selectMeta = db.prepare<[string], MetaRow>(
      `SELECT ${META_COLUMNS} FROM conductance_snapshots WHERE run = ? ORDER BY array_name, step`,
    );
    this.selectOne = db.prepare<[string, string, number], MetaRow & { data: Buffer }>(
      `SELECT ${META_COLUMNS}, data FROM conductance_snapshots WHERE run = ? AND array_name = ? AND step = ?`,
    );
  }

  /** Stores a snapshot (replacing one at the same step) and thins the array's older snapshots.
   * Returns how many snapshots the thinning deleted. */
  write(
    run: string,
    input: SnapshotInput,
    policy: DecimationPolicy = DEFAULT_DECIMATION,
  ): { deleted: number } {
    const s = parseInput(snapshotSchema, input, 'snapshot');
    checkPolicy(policy);
    const shape = s.shape ?? [s.values.length];
    const count = shape.reduce((a, b) => a * b, 1);
    if (count !== s.values.length) {
      throw new StoreError(
        'snapshot.shape',
        `[${shape}] holds ${count} values, values has ${s.values.length}`,
      );
    }
    const { rawBytes, data } = encodeSamples(s.values);
    return this.db
      .transaction(() => {
        this.insert.run(
          run,
          s.array,
          s.step,
          s.time ?? this.now(),
          dtypeOf(s.values),
          JSON.stringify(shape),
          rawBytes,
          data,
        );
        return { deleted: this.decimate(run, s.array, policy) };
      })
      .immediate();
  }

  /** Metadata of every snapshot of a run (no data), by array then step. */
  list(run: string): SnapshotMeta[] {
    return this.selectMeta.all(run).map(toMeta);
  }

  read(run: string, array: string, step: number): Snapshot {
    const row = this.selectOne.get(run, array, step);
    if (!row) throw new StoreError('snapshot', `run ${run} has no snapshot of "${array}" at step ${step}`);
    const values = decodeSamples(row.dtype, row.data, row.raw_bytes, `snapshot ${row.id}`);
    return { ...toMeta(row), values };
  }

  /** Deletes the snapshots older than the recent window that the policy no longer keeps. Only the
   * retained older snapshots (O(log steps)) are scanned. */
  private decimate(run: string, array: string, policy: DecimationPolicy): number {
    const bounds = this.selectBounds.get(run, array);
    if (!bounds) return 0;
    const windowStart = bounds.newest - policy.recent * policy.every;
    let deleted = 0;
    for (const { id, step } of this.selectOlder.all(run, array, windowStart + 1)) {
      if (!keepsSnapshot(step, bounds.newest, bounds.first, policy)) {
        this.deleteById.run(id);
        deleted++;
      }
    }
    return deleted;
  }
}
