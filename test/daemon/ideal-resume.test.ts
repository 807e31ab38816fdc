// A train job in the ideal mode, paused at shutdown and resumed in a new daemon (a new simulated
// bench restored from the stored device state), ends exactly where the same job run without
// interruption ends: with momentum (the velocity is part of the saved simulation state) and with
// weight averaging (the running mean is saved in the store's training states).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon } from '../../src/daemon/daemon.ts';
import { TempDirs } from './helpers.ts';
import { jobState, next, pauseAndReopen, quiet } from './in-process.ts';

const temp = new TempDirs();
after(() => temp.cleanup());

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

async function outcome(daemon: Daemon, job: number) {
  const steps = daemon.getRun(job).steps.map((s) => [s.step, s.loss, s.accuracy]);
  const view = await daemon.conductances(job);
  return { steps, step: view.step, g: view.arrays.map((a) => a.g_S) };
}

async function resumedEqualsWhole(params: Record<string, unknown>, pauseAfter: number) {
  const steps = (params.epochs as number) * (params.maxTrainSamples as number);
  let daemon = await Daemon.open({ dataDir: temp.make(), durability: 'normal', logger: quiet });
  let whole;
  try {
    const job = daemon.submit('train', params);
    await next(daemon, jobState(job.id, 'done'));
    whole = await outcome(daemon, job.id);
  } finally {
    await daemon.close();
  }

  const dir = temp.make();
  daemon = await Daemon.open({ dataDir: dir, durability: 'normal', logger: quiet });
  const job = daemon.submit('train', params);
  const reopened = await pauseAndReopen(daemon, dir, job.id, pauseAfter);
  daemon = reopened.daemon;
  assert.ok(reopened.done > pauseAfter && reopened.done < steps, `paused after ${reopened.done} steps`);
  try {
    const done = next(daemon, jobState(job.id, 'done'));
    daemon.start();
    await done;
    const resumed = await outcome(daemon, job.id);
    assert.equal(resumed.steps.length, steps);
    assert.equal(resumed.step, steps - 1);
    assert.deepEqual(resumed, whole);
  } finally {
    await daemon.close();
  }
  return whole;
}

test('ideal mode with momentum: a run resumed after a restart equals the uninterrupted run', async () => {
  await resumedEqualsWhole(PARAMS, 4);
});

test('ideal mode with weight averaging: resumed inside the window, it equals the uninterrupted run', async () => {
  // 2 epochs of 12 steps, the mean over the second sampled every 2 steps; paused inside it.
  const params = { ...PARAMS, epochs: 2, averaging: { lastEpochs: 1, everySteps: 2 } };
  const averaged = await resumedEqualsWhole(params, 15);
  const plain = await resumedEqualsWhole({ ...params, averaging: false }, 15);
  assert.deepEqual(averaged.steps, plain.steps, 'the same steps until the write-back');
  assert.notDeepEqual(averaged.g, plain.g, 'the averaged run ends elsewhere');
});

test('a train job with averaging in the pulses mode is refused, naming the field, and nothing is queued', async () => {
  const daemon = await Daemon.open({ dataDir: temp.make(), logger: quiet, start: false });
  try {
    assert.throws(
      () => daemon.submit('train', { ...PARAMS, mode: 'pulses', averaging: { lastEpochs: 1 } }),
      /averaging: needs mode 'ideal'/,
    );
    assert.throws(
      () => daemon.submit('train', { ...PARAMS, averaging: { lastEpochs: 2 } }),
      /averaging\.lastEpochs: 2 is more than the run's 1 epochs/,
    );
    assert.equal(daemon.listRuns().length, 0);
  } finally {
    await daemon.close();
  }
});
