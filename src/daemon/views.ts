// Read-only views of the store for the API: run lists, run details with (decimated) metrics, the
// result, and the latest conductance snapshot of a run.
import { notFound } from './errors.ts';
import { runUid } from './jobs/types.ts';
import type { JobState, JsonObject, Store } from './store/index.ts';
import type { ConductanceMapView, RunDetail, RunSummary } from './surface.ts';
import { JOB_STATES } from './store/index.ts';
import { badField } from './errors.ts';

function runOf(store: Store, jobId: number) {
  try {
    return store.runs.get(runUid(jobId));
  } catch {
    return null;
  }
}

export function jobOf(store: Store, jobId: number) {
  if (!Number.isInteger(jobId) || jobId < 1) throw badField('id', `must be a positive integer, got ${jobId}`);
  try {
    return store.jobs.get(jobId);
  } catch {
    throw notFound('id', `no job ${jobId}`);
  }
}

export function summaryOf(store: Store, jobId: number): RunSummary {
  const job = jobOf(store, jobId);
  const run = runOf(store, jobId);
  let latest: RunSummary['latest'] = null;
  if (run !== null) {
    const last = store.metrics.lastCompletedStep(run.uid);
    const row = last === null ? undefined : store.metrics.stepsAfter(run.uid, last - 1, 1)[0];
    if (row !== undefined)
      latest = { step: row.step, epoch: row.epoch, loss: row.loss, accuracy: row.accuracy ?? 0 };
  }
  return { job, run, latest };
}

export function listRuns(store: Store, filter: { state?: string; limit?: number } = {}): RunSummary[] {
  let states: JobState[] | undefined;
  if (filter.state !== undefined) {
    if (!(JOB_STATES as readonly string[]).includes(filter.state)) {
      throw badField('state', `unknown job state "${filter.state}" (known: ${JOB_STATES.join(', ')})`);
    }
    states = [filter.state as JobState];
  }
  const limit = filter.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
    throw badField('limit', `must be an integer 1–10000, got ${limit}`);
  return store.jobs.list(states, limit).map((job) => summaryOf(store, job.id));
}

/** What GET /api/runs/:id asks for: at most `maxPoints` (+ the last) steps and epochs, evenly
 * thinned; only those after `sinceStep` / `sinceEpoch` (a poller's last seen) when given. */
export interface RunDetailQuery {
  maxPoints?: number;
  sinceStep?: number;
  sinceEpoch?: number;
}

const integerAtLeast = (field: string, value: number | undefined, min: number) => {
  if (value !== undefined && (!Number.isInteger(value) || value < min)) {
    throw badField(field, `must be an integer >= ${min}, got ${value}`);
  }
};

export function runDetail(store: Store, jobId: number, query: RunDetailQuery = {}): RunDetail {
  const { maxPoints, sinceStep = -1, sinceEpoch = -1 } = query;
  integerAtLeast('maxPoints', maxPoints, 1);
  integerAtLeast('sinceStep', query.sinceStep, 0);
  integerAtLeast('sinceEpoch', query.sinceEpoch, 0);
  const summary = summaryOf(store, jobId);
  const uid = summary.run?.uid;
  if (uid === undefined) return { ...summary, epochs: [], steps: [], result: null };
  // Thinned in SQL by primary-key lookups: only the rows returned are read, however long the run.
  const epochs = store.metrics
    .epochsDecimated(uid, maxPoints, sinceEpoch)
    .map((e) => ({ ...e, trainAccuracy: e.trainAccuracy ?? 0 }));
  const steps = store.metrics
    .stepsDecimated(uid, maxPoints, sinceStep)
    .map((r) => ({ ...r, accuracy: r.accuracy ?? 0 }));
  return { ...summary, epochs, steps, result: resultOf(store, uid) };
}

/** The run's result event (written just before its success stop document), or null. */
function resultOf(store: Store, uid: string): JsonObject | null {
  const stop = store.runs.lifecycle(uid).findLast((l) => l.document === 'stop' && l.exitStatus === 'success');
  if (stop === undefined || stop.afterSeq < 1) return null;
  const [event] = store.runs.eventsAfter(uid, stop.afterSeq - 1, 1);
  return event?.descriptor === 'result' ? event.data : null;
}

/** The newest snapshot of every array of the job's run. */
export function latestSnapshot(store: Store, jobId: number): ConductanceMapView {
  const { run } = summaryOf(store, jobId);
  if (run === null) throw notFound('id', `job ${jobId} has not started a run yet`);
  const newest = new Map<string, number>();
  for (const m of store.snapshots.list(run.uid))
    newest.set(m.array, Math.max(newest.get(m.array) ?? -1, m.step));
  if (newest.size === 0) throw notFound('id', `run of job ${jobId} has no conductance snapshot`);
  const names = [...newest.keys()].sort(
    (a, b) => Number(a.replace(/\D/g, '')) - Number(b.replace(/\D/g, '')),
  );
  const arrays = names.map((name) => {
    const s = store.snapshots.read(run.uid, name, newest.get(name)!);
    return { rows: s.shape[0], cols: s.shape[1] ?? 1, g_S: Array.from(s.values) };
  });
  return { job: jobId, step: Math.max(...newest.values()), arrays };
}
