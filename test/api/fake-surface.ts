// An in-memory DaemonSurface for the API tests: a job table with the store's state transitions,
// params checked like a job kind's strict schema, and `emitStep` to play a training step's events.
import type { Writable } from 'node:stream';
import { Subject } from 'rxjs';
import type { BenchStatus } from '../../src/daemon/bench.ts';
import { badField, conflict, notFound } from '../../src/daemon/errors.ts';
import type { LiveEvent } from '../../src/daemon/events.ts';
import {
  JOB_TRANSITIONS,
  type JobRecord,
  type JobState,
  type JsonObject,
  type RunKind,
} from '../../src/daemon/store/index.ts';
import type {
  CalibrationFigure,
  CalibrationSummary,
  ConductanceMapView,
  DaemonSurface,
  JobKindInfo,
  RunDetail,
  RunSummary,
} from '../../src/daemon/surface.ts';

interface FakeRun {
  job: JobRecord;
  steps: RunDetail['steps'];
  epochs: RunDetail['epochs'];
}

export class FakeSurface implements DaemonSurface {
  readonly version = '0.0.0-test';
  readonly events = new Subject<LiveEvent>();
  readonly events$ = this.events.asObservable();
  readonly runs = new Map<number, FakeRun>();
  fault: string | null = null;
  estops: string[] = [];
  reconnects = 0;
  private nextId = 1;
  readonly calibrations = new Map<
    number,
    { summary: CalibrationSummary; record: JsonObject; figures: CalibrationFigure[] }
  >();

  health() {
    const active = [...this.runs.values()].find((r) => r.job.state === 'running');
    return {
      ok: this.fault === null,
      fault: this.fault,
      activeJob: active?.job.id ?? null,
      queued: [...this.runs.values()].filter((r) => r.job.state === 'queued').length,
      uptime_s: 1,
    };
  }

  benchStatus(): BenchStatus {
    return {
      name: 'fake',
      kind: 'sim',
      network: {
        inputs: 2,
        hidden: [3],
        outputs: 2,
        inputLines: 4,
        floatingNodes: 7,
        arrays: [{ rows: 4, cols: 3 }],
      },
      inputRange_V: { min: -1, max: 1 },
      instruments: [
        {
          name: 'sim-board',
          role: 'bench',
          kind: 'sim',
          resource: 'sim://board',
          identity: { vendor: 'nudged', model: 'Fake', serial: '1', firmware: 'test' },
          healthy: true,
        },
      ],
    };
  }

  jobKinds(): JobKindInfo[] {
    return [
      {
        kind: 'train' as RunKind,
        summary: 'train a network',
        paramsSchema: {
          type: 'object',
          properties: { epochs: { type: 'integer', minimum: 1 }, dataset: { type: 'string' } },
          additionalProperties: false,
        },
      },
      { kind: 'evaluate' as RunKind, summary: 'evaluate', paramsSchema: { type: 'object' } },
    ];
  }

  submit(kind: string, params: unknown, priority = 0): JobRecord {
    if (kind !== 'train' && kind !== 'evaluate') throw badField('kind', `unknown job kind ${kind}`);
    const p = params as Record<string, unknown>;
    for (const key of Object.keys(p)) {
      if (key !== 'epochs' && key !== 'dataset') throw badField(`params.${key}`, 'unknown field');
    }
    if (p.epochs !== undefined && (!Number.isInteger(p.epochs) || (p.epochs as number) < 1)) {
      throw badField('params.epochs', 'must be an integer >= 1');
    }
    const now = Date.now();
    const job: JobRecord = {
      id: this.nextId++,
      kind: kind as RunKind,
      config: p as JobRecord['config'],
      priority,
      created: now,
      updated: now,
      state: 'queued',
      reason: null,
    };
    this.runs.set(job.id, { job, steps: [], epochs: [] });
    return { ...job };
  }

  private run(id: number): FakeRun {
    const r = this.runs.get(id);
    if (!r) throw notFound('id', `no job ${id}`);
    return r;
  }

  setState(id: number, state: JobState, reason: string | null = null): JobRecord {
    const r = this.run(id);
    if (!JOB_TRANSITIONS[r.job.state].includes(state)) {
      throw conflict('id', `job ${id} is ${r.job.state}; cannot become ${state}`);
    }
    r.job = { ...r.job, state, reason, updated: Date.now() };
    this.events.next({ type: 'job', time: Date.now(), job: id, kind: r.job.kind, state, reason });
    return { ...r.job };
  }

  private summary(r: FakeRun): RunSummary {
    const last = r.steps.at(-1);
    return {
      job: { ...r.job },
      run:
        r.job.state === 'queued'
          ? null
          : {
              uid: `run-${r.job.id}`,
              jobId: r.job.id,
              kind: r.job.kind,
              time: r.job.created,
              config: {},
              versions: {},
              bench: {},
              status: 'running',
            },
      latest: last ? { step: last.step, epoch: last.epoch, loss: last.loss, accuracy: last.accuracy } : null,
    };
  }

  listRuns(filter: { state?: string; limit?: number } = {}): RunSummary[] {
    return [...this.runs.values()]
      .filter((r) => filter.state === undefined || r.job.state === filter.state)
      .reverse()
      .slice(0, filter.limit ?? 100)
      .map((r) => this.summary(r));
  }

  getRun(
    jobId: number,
    opts: { maxPoints?: number; sinceStep?: number; sinceEpoch?: number } = {},
  ): RunDetail {
    const r = this.run(jobId);
    const steps = r.steps.filter((s) => s.step > (opts.sinceStep ?? -1));
    const stride = opts.maxPoints ? Math.max(1, Math.ceil(steps.length / opts.maxPoints)) : 1;
    return {
      ...this.summary(r),
      epochs: r.epochs.filter((e) => e.epoch > (opts.sinceEpoch ?? -1)),
      steps: steps.filter((_, i) => i % stride === 0),
      result: null,
    };
  }

  pause(jobId: number) {
    return this.setState(jobId, 'paused');
  }
  resume(jobId: number) {
    return this.setState(jobId, 'running');
  }
  abort(jobId: number, reason = 'aborted') {
    return this.setState(jobId, 'aborted', reason);
  }

  async estop(reason: string): Promise<void> {
    this.estops.push(reason);
    this.fault = reason;
    const active = this.health().activeJob;
    this.events.next({ type: 'estop', time: Date.now(), reason, job: active });
    if (active !== null) this.setState(active, 'failed', `emergency stop: ${reason}`);
  }

  clearFault(): void {
    this.fault = null;
  }

  /** Refused like the daemon's while a fault is latched. */
  async reconnectBench(): Promise<BenchStatus> {
    if (this.fault !== null) throw conflict('bench', `a fault is latched (${this.fault}); clear it first`);
    this.reconnects++;
    return this.benchStatus();
  }

  async exportRun(jobId: number, format: 'jsonl' | 'csv', out: Writable): Promise<number> {
    const r = this.run(jobId);
    if (format === 'csv') {
      out.write('step,epoch,loss,accuracy,pulses\n');
      for (const s of r.steps) out.write(`${s.step},${s.epoch},${s.loss},${s.accuracy},${s.pulses}\n`);
      return r.steps.length + 1;
    }
    for (const s of r.steps) out.write(`${JSON.stringify({ name: 'event', doc: s })}\n`);
    return r.steps.length;
  }

  async conductances(jobId: number | null): Promise<ConductanceMapView> {
    if (jobId !== null) this.run(jobId);
    const g_S = Array.from({ length: 12 }, (_, i) => 1e-5 + i * 1e-6);
    return { job: jobId, step: jobId === null ? null : 0, arrays: [{ rows: 4, cols: 3, g_S }] };
  }

  /** Stores a calibration as a daemon job would have: a dac record with one residual figure. */
  addCalibration(createdAt = new Date().toISOString()): CalibrationSummary {
    const id = this.calibrations.size + 1;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="720" height="420"><title>calibration ${id}</title></svg>`;
    const summary: CalibrationSummary = {
      id,
      kind: 'dac',
      createdAt,
      bench: 'fake',
      run: `run-${id}`,
      instruments: [{ role: 'bench', vendor: 'nudged', model: 'Fake', serial: '1', firmware: 'test' }],
      fit: { channels: 4, maxGainError: 1e-4 },
      figures: [{ name: 'dac-residuals', title: 'DAC calibration residuals' }],
      warnings: [],
    };
    const record = { schemaVersion: 1, id: `fake-dac-${createdAt}`, kind: 'dac', createdAt, bench: 'fake' };
    this.calibrations.set(id, {
      summary,
      record,
      figures: [{ name: 'dac-residuals', title: 'DAC calibration residuals', svg }],
    });
    return summary;
  }

  private calibration(id: number) {
    const c = this.calibrations.get(id);
    if (!c) throw notFound('id', `no calibration ${id}`);
    return c;
  }

  listCalibrations(filter: { limit?: number } = {}): CalibrationSummary[] {
    return [...this.calibrations.values()]
      .reverse()
      .slice(0, filter.limit ?? 200)
      .map((c) => c.summary);
  }

  getCalibration(id: number): JsonObject {
    return this.calibration(id).record;
  }

  calibrationFigures(id: number): CalibrationFigure[] {
    return this.calibration(id).figures;
  }

  /** Plays one training step of a running job: phase, nodes, pulses and metrics events. */
  emitStep(jobId: number): void {
    const r = this.run(jobId);
    const step = r.steps.length;
    const loss = 1 / (1 + step);
    const accuracy = Math.min(1, 0.5 + step / 100);
    r.steps.push({ step, epoch: Math.floor(step / 10), loss, accuracy, pulses: 5 });
    for (const phase of ['free', 'nudged+']) {
      this.events.next({ type: 'phase', job: jobId, step, sample: 0, phase, ms: 1.5, reads: 1 });
      this.events.next({
        type: 'nodes',
        job: jobId,
        step,
        phase,
        nodes_V: [0.1, -0.2, 0.3, 0.05, -0.05, 0.2, -0.1],
      });
    }
    this.events.next({ type: 'pulses', job: jobId, step, requested: 5, applied: 5, set: 3, reset: 2 });
    this.events.next({
      type: 'metrics',
      time: Date.now(),
      job: jobId,
      step,
      epoch: Math.floor(step / 10),
      totalSteps: 1000,
      loss,
      accuracy,
      pulses: 5,
      phaseMs: { free: 1.5, 'nudged+': 1.5 },
    });
  }
}
