// Crash recovery and resume. After a crash (or kill -9) runs still open and jobs still running are
// marked interrupted; a run resumes from the step after its last completed step once every pulse
// intent left without completion has been reconciled and resolved.
import type Database from 'better-sqlite3';
import { StoreError } from './errors.ts';
import type { JobQueue } from './jobs.ts';
import type { Metrics } from './metrics.ts';
import type { StepStateRecord, StepStates, PulseIntentRecord, PulseLog } from './pulse-log.ts';
import type { RunDocuments } from './runs.ts';

export interface RecoveredRun {
  uid: string;
  jobId: number | null;
  lastCompletedStep: number | null;
  pendingPulseIntents: PulseIntentRecord[];
}

export interface RecoveredJob {
  id: number;
  runUid: string | null;
  lastCompletedStep: number | null;
}

export interface RecoveryReport {
  /** Runs that were open and are now interrupted. */
  runs: RecoveredRun[];
  /** Jobs that were running and are now interrupted (paused jobs stay paused). */
  jobs: RecoveredJob[];
  /** Every pulse intent still without completion or resolution, in any run. */
  pendingPulseIntents: PulseIntentRecord[];
}

export interface ResumePoint {
  uid: string;
  /** The first step the resumed run computes (0 when no step had completed). */
  fromStep: number;
  lastCompletedStep: number | null;
  /** The seq the next event will get. */
  nextSeq: number;
  /** The simulated board's device state saved with the last completed step, if any. */
  deviceState: StepStateRecord | undefined;
}

export const CRASH_REASON = 'the daemon stopped without closing the run (crash, kill or power loss)';

export interface RecoveryParts {
  db: Database.Database;
  runs: RunDocuments;
  metrics: Metrics;
  pulseLog: PulseLog;
  deviceStates: StepStates;
  jobs: JobQueue;
}

/** Marks open runs and running jobs interrupted, in one transaction. Idempotent: a second call
 * changes nothing and reports only the pending intents. */
export function recoverAfterCrash(parts: RecoveryParts): RecoveryReport {
  const { db, runs, metrics, pulseLog, jobs } = parts;
  const openRuns = db.prepare<[], { uid: string; job_id: number | null }>(
    `SELECT uid, job_id FROM runs WHERE status = 'running' ORDER BY start_ms, uid`,
  );
  const runningJobs = db.prepare<[], { id: number }>(
    `SELECT id FROM jobs WHERE state = 'running' ORDER BY id`,
  );
  const latestRunOfJob = db.prepare<[number], { uid: string }>(
    'SELECT uid FROM runs WHERE job_id = ? ORDER BY start_ms DESC, uid DESC LIMIT 1',
  );
  const pendingRuns = db.prepare<[], { run: string }>(
    `SELECT DISTINCT run FROM pulse_intents WHERE state = 'pending' ORDER BY run`,
  );
  return db
    .transaction((): RecoveryReport => {
      const recoveredRuns = openRuns.all().map((r): RecoveredRun => {
        runs.stop(r.uid, { exitStatus: 'interrupted', reason: CRASH_REASON });
        return {
          uid: r.uid,
          jobId: r.job_id,
          lastCompletedStep: metrics.lastCompletedStep(r.uid),
          pendingPulseIntents: pulseLog.pendingPulseIntents(r.uid),
        };
      });
      const recoveredJobs = runningJobs.all().map(({ id }): RecoveredJob => {
        jobs.transition(id, 'interrupted', CRASH_REASON);
        const runUid = latestRunOfJob.get(id)?.uid ?? null;
        return { id, runUid, lastCompletedStep: runUid === null ? null : metrics.lastCompletedStep(runUid) };
      });
      const pendingPulseIntents = pendingRuns.all().flatMap(({ run }) => pulseLog.pendingPulseIntents(run));
      return { runs: recoveredRuns, jobs: recoveredJobs, pendingPulseIntents };
    })
    .immediate();
}

/** Reopens an interrupted run at the step after its last completed one. Refused while the run has
 * pulse intents without completion: reconcile the device state, then resolvePulseIntent each. */
export function resumeRun(parts: RecoveryParts, uid: string): ResumePoint {
  const { db, runs, metrics, pulseLog, deviceStates } = parts;
  return db
    .transaction((): ResumePoint => {
      const pending = pulseLog.pendingPulseIntents(uid);
      if (pending.length > 0) {
        const list = pending.map((p) => `${p.id} (step ${p.step})`).join(', ');
        throw new StoreError('run.pulseIntents', `run ${uid} has unreconciled pulse intents ${list}`);
      }
      const lastCompletedStep = metrics.lastCompletedStep(uid);
      const fromStep = lastCompletedStep === null ? 0 : lastCompletedStep + 1;
      runs.resume(uid, fromStep);
      return {
        uid,
        fromStep,
        lastCompletedStep,
        nextSeq: runs.nextSeq(uid),
        deviceState: lastCompletedStep === null ? undefined : deviceStates.at(uid, lastCompletedStep),
      };
    })
    .immediate();
}
