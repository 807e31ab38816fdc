// A train job in the ideal mode with momentum, paused at shutdown and resumed in a new daemon (a
// new simulated bench restored from the stored device state), ends exactly where the same job
// run without interruption ends: the momentum velocity is part of the saved simulation state.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { firstValueFrom, filter } from 'rxjs';
import { Daemon } from '../../src/daemon/daemon.ts';
import type { LiveEvent } from '../../src/daemon/events.ts';
import { TempDirs } from './helpers.ts';

const temp = new TempDirs();
after(() => temp.cleanup());

const quiet = {
  level: 'warn',
  pretty: false,
  destination: new Writable({ write: (_c, _e, done) => done() }),
};
const PARAMS = {
  dataset: 'iris',
  mode: 'ideal',
  momentum: 0.9,
  epochs: 1,
  batchSize: 1,
  maxTrainSamples: 12,
  maxTestSamples: 5,
  seed: 1,
  snapshotEvery: 1,
};

const next = (daemon: Daemon, predicate: (e: LiveEvent) => boolean) =>
  firstValueFrom(daemon.events$.pipe(filter(predicate)));
const jobState = (job: number, state: string) => (e: LiveEvent) =>
  e.type === 'job' && e.job === job && e.state === state;

async function outcome(daemon: Daemon, job: number) {
  const steps = daemon.getRun(job).steps.map((s) => [s.step, s.loss, s.accuracy]);
  const view = await daemon.conductances(job);
  return { steps, step: view.step, g: view.arrays.map((a) => a.g_S) };
}

test('ideal mode with momentum: a run resumed after a restart equals the uninterrupted run', async () => {
  let daemon = await Daemon.open({ dataDir: temp.make(), durability: 'normal', logger: quiet });
  let whole;
  try {
    const job = daemon.submit('train', PARAMS);
    await next(daemon, jobState(job.id, 'done'));
    whole = await outcome(daemon, job.id);
  } finally {
    await daemon.close();
  }

  const dir = temp.make();
  daemon = await Daemon.open({ dataDir: dir, durability: 'normal', logger: quiet });
  const job = daemon.submit('train', PARAMS);
  await next(daemon, (e) => e.type === 'metrics' && e.job === job.id && e.step >= 4);
  const paused = next(daemon, jobState(job.id, 'paused'));
  daemon.pause(job.id);
  await paused;
  const done = daemon.getRun(job.id).steps.length;
  assert.ok(done >= 5 && done < 12, `paused after ${done} steps`);
  await daemon.close();
  daemon = await Daemon.open({
    dataDir: dir,
    durability: 'normal',
    logger: quiet,
    resumeInterrupted: true,
    start: false,
  });
  try {
    const done = next(daemon, jobState(job.id, 'done'));
    daemon.start();
    await done;
    const resumed = await outcome(daemon, job.id);
    assert.equal(resumed.steps.length, 12);
    assert.equal(resumed.step, 11);
    assert.deepEqual(resumed, whole);
  } finally {
    await daemon.close();
  }
});
