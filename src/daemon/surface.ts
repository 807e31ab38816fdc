// What the daemon offers to its front ends (the HTTP/WebSocket API, the dashboard, the CLI when it
// runs in-process). The API layer is written against this contract only, so it never reaches into
// the job runner, the store or the bench directly.
import type { Writable } from 'node:stream';
import type { Observable } from 'rxjs';
import type { BenchStatus } from './bench.ts';
import type { LiveEvent } from './events.ts';
import type { JobRecord, JsonObject, RunKind, RunRecord } from './store/index.ts';

/** One job kind as the API describes it: its name, a summary and its parameter schema (JSON Schema). */
export interface JobKindInfo {
  kind: RunKind;
  summary: string;
  paramsSchema: JsonObject;
}

/** A run as listed: the job behind it and its run document's start/stop, with the latest metrics. */
export interface RunSummary {
  job: JobRecord;
  run: RunRecord | null;
  latest: { step: number; epoch: number; loss: number; accuracy: number } | null;
}

export interface RunDetail extends RunSummary {
  /** Per-epoch metrics so far (after `sinceEpoch` when asked), decimated to at most `maxPoints`
   * and the last when requested. */
  epochs: {
    epoch: number;
    trainLoss: number;
    trainAccuracy: number;
    testLoss: number | null;
    testAccuracy: number | null;
  }[];
  /** Per-step metrics (after `sinceStep` when asked), decimated to at most `maxPoints` and the
   * last when requested. */
  steps: { step: number; epoch: number; loss: number; accuracy: number; pulses: number }[];
  result: JsonObject | null;
}

export interface ConductanceMapView {
  job: number | null;
  step: number | null;
  /** One entry per crossbar array: rows × cols conductances in S, row-major. */
  arrays: { rows: number; cols: number; g_S: number[] }[];
}

/** A stored calibration record as listed: what it is, when and with which instruments it was
 * taken, its headline figures, the figures it can be drawn as, and why it may not apply here. */
export interface CalibrationSummary {
  id: number;
  /** dac, adc, settle, pulse-response, conductance-map, device-iv or program-verify. */
  kind: string;
  /** ISO 8601 date-time of the measurement. */
  createdAt: string;
  bench: string;
  /** The run that took it (`run-<job>`), if a daemon job did. */
  run: string | null;
  instruments: { role: string; vendor: string; model: string; serial: string; firmware: string }[];
  fit: JsonObject;
  figures: { name: string; title: string }[];
  /** Stale (older than the maximum age) or taken with an instrument this bench does not have. */
  warnings: { kind: 'stale' | 'identity'; message: string }[];
}

/** One figure of a calibration record, as an SVG document. */
export interface CalibrationFigure {
  /** File-name-safe, e.g. `dac-residuals`. */
  name: string;
  title: string;
  svg: string;
}

export interface DaemonHealth {
  ok: boolean;
  /** Set while the bench's interlock holds a latched fault (or after an emergency stop). */
  fault: string | null;
  activeJob: number | null;
  queued: number;
  uptime_s: number;
}

/**
 * Errors thrown by these methods that the API should map to 4xx are `DaemonError`s
 * (./errors.ts: status, field, reason); anything else is a 500.
 */
export interface DaemonSurface {
  readonly version: string;
  health(): DaemonHealth;
  benchStatus(): BenchStatus;
  jobKinds(): JobKindInfo[];
  /** Validates `params` against the kind's schema (DaemonError naming `params.<field>`) and queues it. */
  submit(kind: string, params: unknown, priority?: number): JobRecord;
  listRuns(filter?: { state?: string; limit?: number }): RunSummary[];
  /** A run with its metrics: see `RunDetail` for `maxPoints`, `sinceStep` and `sinceEpoch`. */
  getRun(jobId: number, opts?: { maxPoints?: number; sinceStep?: number; sinceEpoch?: number }): RunDetail;
  pause(jobId: number): JobRecord;
  resume(jobId: number): JobRecord;
  abort(jobId: number, reason?: string): JobRecord;
  /** Emergency stop: outputs to the safe state at once, then the active job fails. */
  estop(reason: string): Promise<void>;
  /** Clears a latched bench fault after an emergency stop so new jobs may run. */
  clearFault(): void;
  /** Instrument benches: closes every link (outputs safe first) and assembles the bench again —
   * links opened, identities checked against the configuration, drivers configured, outputs
   * safe — and returns its status. DaemonError 409 naming `bench` on a simulated bench, while a
   * job runs or a fault is latched; 503 when an instrument cannot be assembled (the reason names
   * it; the next job tries again). */
  reconnectBench(): Promise<BenchStatus>;
  exportRun(jobId: number, format: 'jsonl' | 'csv', out: Writable): Promise<number>;
  /** Latest conductance snapshot of a run, or of the bench now when `jobId` is null. */
  conductances(jobId: number | null): Promise<ConductanceMapView>;
  /** Stored calibration records, newest first. */
  listCalibrations(filter?: { limit?: number }): CalibrationSummary[];
  /** One stored calibration record, as exported (DaemonError 404 naming `id` when unknown). */
  getCalibration(id: number): JsonObject;
  /** The figures of a stored calibration record (DaemonError 404 naming `id` when unknown). */
  calibrationFigures(id: number): CalibrationFigure[];
  /** Every live event, hot; subscribers that fall behind are the API's business. */
  readonly events$: Observable<LiveEvent>;
}
