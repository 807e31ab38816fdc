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

export class Metrics {
  private readonly upsertStepRow;
  private readonly upsertEpochRow;
  private readonly selectStepsAfter;
  private readonly selectEpochsAfter;
  private readonly selectLastStep;
  private readonly selectStepsDecimated;
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
    // Row i (0-based, by step) of n is kept when i % ceil(n / maxPoints) = 0, and the last row.
    this.selectStepsDecimated = db.prepare<[string, number, number], DecimatedStepRecord>(
      `WITH numbered AS (
         SELECT step, epoch, loss, accuracy, pulses,
           row_number() OVER (ORDER BY step) - 1 AS i, count(*) OVER () AS n
         FROM step_metrics WHERE run = ?)
       SELECT step, epoch, loss, accuracy, pulses FROM numbered
       WHERE i % max(1, CAST((n + ? - 1) / ? AS INTEGER)) = 0 OR i = n - 1 ORDER BY step`,
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

  /** The run's step rows thinned in SQL to at most about `maxPoints` (every ceil(n / maxPoints)-th
   * row and the last), without the phase timings and extras; every row when `maxPoints` is omitted. */
  stepsDecimated(run: string, maxPoints = 2 ** 31 - 1): DecimatedStepRecord[] {
    return this.selectStepsDecimated.all(run, maxPoints, maxPoints);
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
