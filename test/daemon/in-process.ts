// Shared by the tests that run the daemon in this process: a silent logger, waiting for a live
// event, and pausing a job at shutdown to reopen its data directory with the job to resume.
import { Writable } from 'node:stream';
import { firstValueFrom, filter } from 'rxjs';
import { Daemon } from '../../src/daemon/daemon.ts';
import type { LiveEvent } from '../../src/daemon/events.ts';

export const quiet = {
  level: 'warn',
  pretty: false,
  destination: new Writable({ write: (_c, _e, done) => done() }),
};

export function next(daemon: Daemon, predicate: (e: LiveEvent) => boolean): Promise<LiveEvent> {
  return firstValueFrom(daemon.events$.pipe(filter(predicate)));
}

export const jobState = (job: number, state: string) => (e: LiveEvent) =>
  e.type === 'job' && e.job === job && e.state === state;

/** Pauses `job` once step `afterStep` is committed, closes the daemon, and reopens `dataDir` with
 * the interrupted job queued to resume (not started). Returns the steps done before the pause and
 * the new daemon. */
export async function pauseAndReopen(
  daemon: Daemon,
  dataDir: string,
  job: number,
  afterStep: number,
): Promise<{ done: number; daemon: Daemon }> {
  await next(daemon, (e) => e.type === 'metrics' && e.job === job && e.step >= afterStep);
  const paused = next(daemon, jobState(job, 'paused'));
  daemon.pause(job);
  await paused;
  const done = daemon.getRun(job).steps.length;
  await daemon.close();
  const reopened = await Daemon.open({
    dataDir,
    durability: 'normal',
    logger: quiet,
    resumeInterrupted: true,
    start: false,
  });
  return { done, daemon: reopened };
}
