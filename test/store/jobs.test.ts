import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { TempDatabases, trainStart } from './helpers.ts';

const temp = new TempDatabases();
after(() => temp.cleanup());

test('the queue orders by priority then creation, and survives a reopen', () => {
  const path = temp.path();
  const store = temp.open(path);
  let clock = 1000;
  const enqueue = (kind: 'train' | 'evaluate' | 'calibrate', priority?: number) =>
    store.jobs.enqueue({ kind, config: { clock }, priority, time: clock++ }).id;
  const a = enqueue('train');
  const b = enqueue('evaluate', 5);
  const c = enqueue('calibrate');
  const d = enqueue('train', 5);
  assert.equal(store.jobs.peek()?.id, b);
  assert.equal(store.jobs.peek()?.id, b, 'peek does not take the job');
  assert.equal(store.jobs.dequeue()?.id, b);
  store.close();

  const reopened = temp.open(path);
  assert.equal(reopened.jobs.get(b).state, 'running');
  assert.deepEqual(reopened.jobs.get(c).config, { clock: 1002 });
  const order: number[] = [];
  for (let job = reopened.jobs.dequeue(); job; job = reopened.jobs.dequeue()) order.push(job.id);
  assert.deepEqual(order, [d, a, c]);
  assert.equal(reopened.jobs.peek(), undefined);
  assert.deepEqual(
    reopened.jobs
      .list(['running'])
      .map((j) => j.id)
      .sort(),
    [a, b, c, d].sort(),
  );
});

test('state changes follow the transition table; bad input names the field', () => {
  const store = temp.open();
  const id = store.jobs.enqueue({ kind: 'train', config: {} }).id;
  assert.throws(() => store.jobs.transition(id, 'done'), /job\.state: job \d+ cannot go from queued to done/);
  store.jobs.transition(id, 'running');
  store.jobs.transition(id, 'paused', 'operator pause');
  assert.equal(store.jobs.get(id).reason, 'operator pause');
  store.jobs.transition(id, 'running');
  store.jobs.transition(id, 'done');
  assert.throws(() => store.jobs.transition(id, 'running'), /cannot go from done to running/);
  assert.throws(() => store.jobs.enqueue({ kind: 'train', config: {}, priority: 1.5 }), /job\.priority/);
  assert.throws(() => store.jobs.enqueue({ kind: 'dance' as 'train', config: {} }), /job\.kind/);
  assert.throws(() => store.jobs.get(404), /job\.id: no job 404/);
});

test('recoverAfterCrash interrupts running jobs and open runs with their last completed step; paused jobs stay paused', () => {
  const path = temp.path();
  const store = temp.open(path);
  const running = store.jobs.enqueue({ kind: 'train', config: {} }).id;
  const paused = store.jobs.enqueue({ kind: 'train', config: {} }).id;
  const waiting = store.jobs.enqueue({ kind: 'evaluate', config: {} }).id;
  store.jobs.dequeue();
  store.jobs.dequeue();
  store.jobs.transition(paused, 'paused');
  const run = store.runs.start({ ...trainStart(), jobId: running }).uid;
  for (let step = 0; step < 3; step++) {
    store.metrics.upsertStep(run, { step, epoch: 0, loss: 1, pulses: 0, phaseMs: {} });
  }
  const finished = store.runs.start(trainStart()).uid;
  store.runs.stop(finished, { exitStatus: 'success' });
  store.close();

  const after = temp.open(path);
  const report = after.recoverAfterCrash();
  assert.deepEqual(report.jobs, [{ id: running, runUid: run, lastCompletedStep: 2 }]);
  assert.deepEqual(
    report.runs.map((r) => [r.uid, r.jobId, r.lastCompletedStep]),
    [[run, running, 2]],
  );
  assert.equal(after.jobs.get(running).state, 'interrupted');
  assert.match(after.jobs.get(running).reason ?? '', /crash/);
  assert.equal(after.jobs.get(paused).state, 'paused');
  assert.equal(after.jobs.get(waiting).state, 'queued');
  assert.equal(after.runs.get(finished).status, 'success');
  const stop = after.runs.lifecycle(run).at(-1);
  assert.equal(stop?.exitStatus, 'interrupted');
  assert.deepEqual(after.recoverAfterCrash(), { runs: [], jobs: [], pendingPulseIntents: [] });
  // The daemon resumes: job back to running, run reopened at step 3.
  after.jobs.transition(running, 'running');
  assert.equal(after.resumeRun(run).fromStep, 3);
});
