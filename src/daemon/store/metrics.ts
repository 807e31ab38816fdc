// Per-step and per-epoch metric rows. Keyed (run, step) and (run, epoch): writing a row again
// (a replay after a crash) replaces it, so a metric is never duplicated.
import type Database from 'better-sqlite3';
import { parseInput } from './errors.ts';
import {
  epochMetricsSchema,
  stepMetricsSchema,
  type EpochMetricsInput,
  type StepMetricsInput,
} from './schemas.ts';

export interface StepMetricsRecord {
  step: number;
  epoch: number;
  time: number;
  loss: number;
  accuracy: number | null;
  pulses: number;
  phaseMs: Record<string, number>;
  extra: Record<string, number>;
}

export type DecimatedStepRecord = Pick<StepMetricsRecord, 'step' | 'epoch' | 'loss' | 'accuracy' | 'pulses'>;
export type DecimatedEpochRecord = Omit<EpochMetricsRecord, 'time' | 'extra'>;

export interface EpochMetricsRecord {
  epoch: number;
  time: number;
  trainLoss: number;
  trainAccuracy: number | null;
  testLoss: number | null;
  testAccuracy: number | null;
  extra: Record<string, number>;
}

interface StepRow {
  step: number;
  epoch: number;
  time_ms: number;
  loss: number;
  accuracy: number | null;
  pulses: number;
  phase_ms_json: string;
  extra_json: string;
}

interface EpochRow {
  epoch: number;
  time_ms: number;
  train_loss: number;
  train_accuracy: number | null;
  test_loss: number | null;
  test_accuracy: number | null;
  extra_json: string;
}

const toStep = (r: StepRow): StepMetricsRecord => ({
  step: r.step,
  epoch: r.epoch,
  time: r.time_ms,
  loss: r.loss,
  accuracy: r.accuracy,
  pulses: r.pulses,
  phaseMs: JSON.parse(r.phase_ms_json),
  extra: JSON.parse(r.extra_json),
});

const toEpoch = (r: EpochRow): EpochMetricsRecord => ({
  epoch: r.epoch,
  time: r.time_ms,
  trainLoss: r.train_loss,
  trainAccuracy: r.train_accuracy,
  testLoss: r.test_loss,
  testAccuracy: r.test_accuracy,
  extra: JSON.parse(r.extra_json),
});

/** `maxPoints` meaning "no thinning". */
const EVERY = 2 ** 31 - 1;

/**
 * Evenly thinned rows of a metrics table keyed (run, key) with contiguous keys (steps and epochs
 * are written in order, a replay replaces rather than adds). Over the n = last − first + 1 keys
 * after `after`, the keys first + i·k (k = ⌈n / maxPoints⌉) and the last are looked up by primary
 * key: two index probes find first and last, and at most maxPoints + 1 rows are read, so the cost
 * does not grow with the run's length (a run being polled while it trains keeps growing).
 */
export function decimatedSql(
  table: string,
  key: string,
  columns: string,
): { bounds: string; select: string } {
  return {
    bounds: `SELECT
       (SELECT ${key} FROM ${table} WHERE run = @run AND ${key} > @after ORDER BY ${key} LIMIT 1) AS first,
       (SELECT ${key} FROM ${table} WHERE run = @run ORDER BY ${key} DESC LIMIT 1) AS last`,
    select: `WITH RECURSIVE pick (k) AS (
       SELECT @first UNION ALL SELECT k + @stride FROM pick WHERE k + @stride <= @last
     ), wanted (k) AS (SELECT k FROM pick UNION SELECT @last)
     SELECT ${columns} FROM wanted CROSS JOIN ${table} AS m ON m.run = @run AND m.${key} = wanted.k
     ORDER BY m.${key}`,
  };
}

class Decimated<Row> {
  private readonly bounds;
  private readonly select;

  constructor(db: Database.Database, table: string, key: string, columns: string) {
    const sql = decimatedSql(table, key, columns);
    this.bounds = db.prepare<{ run: string; after: number }, { first: number | null; last: number | null }>(
      sql.bounds,
    );
    this.select = db.prepare<{ run: string; first: number; stride: number; last: number }, Row>(sql.select);
  }

  rows(run: string, maxPoints: number, after: number): Row[] {
    const { first, last } = this.bounds.get({ run, after }) ?? { first: null, last: null };
    if (first === null || last === null) return [];
    const stride = Math.max(1, Math.ceil((last - first + 1) / maxPoints));
    return this.select.all({ run, first, stride, last });
  }
}

export class Metrics {
  private readonly upsertStepRow;
  private readonly upsertEpochRow;
  private readonly selectStepsAfter;
  private readonly selectEpochsAfter;
  private readonly selectLastStep;
  private readonly decimatedSteps;
  private readonly decimatedEpochs;
  private readonly selectKeys;
  private readonly selectEpochKeys;

  constructor(
    db: Database.Database,
    private readonly now: () => number,
  ) {
    this.upsertStepRow = db.prepare(
      `INSERT INTO step_metrics (run, step, epoch, time_ms, loss, accuracy, pulses, phase_ms_json, extra_json)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run, step) DO UPDATE SET epoch = excluded.epoch, time_ms = excluded.time_ms,
         loss = excluded.loss, accuracy = excluded.accuracy, pulses = excluded.pulses,
         phase_ms_json = excluded.phase_ms_json, extra_json = excluded.extra_json`,
    );
    this.upsertEpochRow = db.prepare(
      `INSERT INTO epoch_metrics (run, epoch, time_ms, train_loss, train_accuracy, test_loss, test_accuracy,
         extra_json)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run, epoch) DO UPDATE SET time_ms = excluded.time_ms, train_loss = excluded.train_loss,
         train_accuracy = excluded.train_accuracy, test_loss = excluded.test_loss,
         test_accuracy = excluded.test_accuracy, extra_json = excluded.extra_json`,
    );
    this.selectStepsAfter = db.prepare<[string, number, number], StepRow>(
      'SELECT * FROM step_metrics WHERE run = ? AND step > ? ORDER BY step LIMIT ?',
    );
    this.selectEpochsAfter = db.prepare<[string, number, number], EpochRow>(
      'SELECT * FROM epoch_metrics WHERE run = ? AND epoch > ? ORDER BY epoch LIMIT ?',
    );
    this.decimatedSteps = new Decimated<DecimatedStepRecord>(
      db,
      'step_metrics',
      'step',
      'step, epoch, loss, accuracy, pulses',
    );
    this.decimatedEpochs = new Decimated<DecimatedEpochRecord>(
      db,
      'epoch_metrics',
      'epoch',
      `epoch, train_loss AS trainLoss, train_accuracy AS trainAccuracy, test_loss AS testLoss,
       test_accuracy AS testAccuracy`,
    );
    this.selectLastStep = db.prepare<[string], { step: number | null }>(
      'SELECT max(step) AS step FROM step_metrics WHERE run = ?',
    );
    this.selectKeys = db.prepare<[string, string], { key: string }>(
      `SELECT DISTINCT j.key AS key FROM step_metrics m, json_each(
         CASE ? WHEN 'phase' THEN m.phase_ms_json ELSE m.extra_json END) j
       WHERE m.run = ? ORDER BY j.key`,
    );
    this.selectEpochKeys = db.prepare<[string], { key: string }>(
      `SELECT DISTINCT j.key AS key FROM epoch_metrics m, json_each(m.extra_json) j
       WHERE m.run = ? ORDER BY j.key`,
    );
  }

  /** Inserts or replaces the row of `metrics.step`. */
  upsertStep(run: string, metrics: StepMetricsInput): void {
    const m = parseInput(stepMetricsSchema, metrics, 'stepMetrics');
    this.upsertStepRow.run(
      run,
      m.step,
      m.epoch,
      m.time ?? this.now(),
      m.loss,
      m.accuracy ?? null,
      m.pulses,
      JSON.stringify(m.phaseMs),
      JSON.stringify(m.extra ?? {}),
    );
  }

  /** Inserts or replaces the row of `metrics.epoch`. */
  upsertEpoch(run: string, metrics: EpochMetricsInput): void {
    const m = parseInput(epochMetricsSchema, metrics, 'epochMetrics');
    this.upsertEpochRow.run(
      run,
      m.epoch,
      m.time ?? this.now(),
      m.trainLoss,
      m.trainAccuracy ?? null,
      m.testLoss ?? null,
      m.testAccuracy ?? null,
      JSON.stringify(m.extra ?? {}),
    );
  }

  /** Step rows with step > afterStep, in order, at most `limit`. */
  stepsAfter(run: string, afterStep: number, limit: number): StepMetricsRecord[] {
    return this.selectStepsAfter.all(run, afterStep, limit).map(toStep);
  }

  /** The run's step rows after `afterStep`, thinned in SQL to at most `maxPoints` + 1 (see
   * `Decimated`), without the phase timings and extras; every row when `maxPoints` is omitted. */
  stepsDecimated(run: string, maxPoints = EVERY, afterStep = -1): DecimatedStepRecord[] {
    return this.decimatedSteps.rows(run, maxPoints, afterStep);
  }

  /** The run's epoch rows after `afterEpoch`, thinned like `stepsDecimated`, without the time
   * and extras. */
  epochsDecimated(run: string, maxPoints = EVERY, afterEpoch = -1): DecimatedEpochRecord[] {
    return this.decimatedEpochs.rows(run, maxPoints, afterEpoch);
  }

  epochsAfter(run: string, afterEpoch: number, limit: number): EpochMetricsRecord[] {
    return this.selectEpochsAfter.all(run, afterEpoch, limit).map(toEpoch);
  }

  /** The highest step with a metric row: a step's row is written when the step completes. */
  lastCompletedStep(run: string): number | null {
    return this.selectLastStep.get(run)?.step ?? null;
  }

  /** Names used in the run's step phase timings or extra metrics, or its epoch extra metrics
   * (CSV columns), sorted. */
  keys(run: string, which: 'phase' | 'extra' | 'epoch-extra'): string[] {
    const rows = which === 'epoch-extra' ? this.selectEpochKeys.all(run) : this.selectKeys.all(which, run);
    return rows.map((r) => r.key);
  }
}
