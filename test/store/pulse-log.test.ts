import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { digestBatch } from '../../src/daemon/store/index.ts';
import { TempDatabases, trainStart } from './helpers.ts';

const temp = new TempDatabases();
after(() => temp.cleanup());

test('intent before sending, completion after: pending intents are exactly the unfinished batches, across reopen', () => {
  const path = temp.path();
  const store = temp.open(path);
  const uid = store.runs.start(trainStart()).uid;
  const batches = [0, 1, 2].map((step) => Uint8Array.from({ length: 100 }, (_, i) => (i * (step + 3)) % 3));
  const ids = batches.map((b, step) => store.pulseLog.recordPulseIntent(uid, step, digestBatch(b), b));
  store.pulseLog.recordPulseCompletion(ids[0], 66);
  store.pulseLog.recordPulseCompletion(ids[0], 66);
  assert.throws(
    () => store.pulseLog.recordPulseCompletion(ids[0], 65),
    /intent .* is completed with 66 applied/,
  );
  assert.throws(() => store.pulseLog.recordPulseCompletion(ids[1], -1), /pulseCompletion\.applied/);
  store.close();

  const reopened = temp.open(path);
  const pending = reopened.pulseLog.pendingPulseIntents(uid);
  assert.deepEqual(
    pending.map((p) => p.step),
    [1, 2],
  );
  assert.equal(pending[0].digest, digestBatch(batches[1]));
  assert.deepEqual(new Uint8Array(reopened.pulseLog.batch(pending[0].id)), batches[1]);
  assert.equal(reopened.pulseLog.get(ids[0]).applied, 66);

  reopened.pulseLog.resolvePulseIntent(ids[1], 'conductance map re-read: batch landed');
  assert.throws(() => reopened.pulseLog.resolvePulseIntent(ids[1], 'again'), /is resolved, not pending/);
  assert.throws(() => reopened.pulseLog.recordPulseCompletion(ids[1], 1), /intent .* is resolved/);
  reopened.pulseLog.recordPulseCompletion(ids[2], 10);
  assert.deepEqual(reopened.pulseLog.pendingPulseIntents(uid), []);
  assert.equal(reopened.pulseLog.get(ids[1]).resolution, 'conductance map re-read: batch landed');
  assert.throws(() => reopened.pulseLog.get(999), /pulseIntent\.id: no pulse intent 999/);
});

test('device states: the newest per run are kept, and resume returns the one of the last completed step', () => {
  const store = temp.open(undefined, { keepDeviceStates: 2 });
  const uid = store.runs.start(trainStart()).uid;
  for (let step = 0; step < 5; step++) {
    store.transaction(() => {
      store.metrics.upsertStep(uid, { step, epoch: 0, loss: step, pulses: 0, phaseMs: {} });
      store.deviceStates.save(uid, step, new Uint8Array(1000).fill(step));
    });
  }
  assert.equal(store.deviceStates.at(uid, 2), undefined);
  assert.equal(store.deviceStates.latest(uid)?.step, 4);
  assert.deepEqual(new Uint8Array(store.deviceStates.at(uid, 3)!.state), new Uint8Array(1000).fill(3));

  const pending = store.pulseLog.recordPulseIntent(uid, 5, 'd5', new Uint8Array([1]));
  const report = store.recoverAfterCrash();
  assert.deepEqual(
    report.runs.map((r) => [r.uid, r.lastCompletedStep, r.pendingPulseIntents.map((p) => p.id)]),
    [[uid, 4, [pending]]],
  );
  assert.throws(
    () => store.resumeRun(uid),
    /run\.pulseIntents: run .* has unreconciled pulse intents \d+ \(step 5\)/,
  );
  store.pulseLog.resolvePulseIntent(pending, 'sim: device state restored');
  const resume = store.resumeRun(uid);
  assert.equal(resume.fromStep, 5);
  assert.equal(resume.deviceState?.step, 4);
  assert.deepEqual(new Uint8Array(resume.deviceState!.state), new Uint8Array(1000).fill(4));
  assert.equal(store.runs.get(uid).status, 'running');
});

test('a transaction that throws leaves nothing of the step behind', () => {
  const store = temp.open();
  const uid = store.runs.start(trainStart()).uid;
  const id = store.pulseLog.recordPulseIntent(uid, 0, 'd', new Uint8Array([1]));
  assert.throws(() =>
    store.transaction(() => {
      store.pulseLog.recordPulseCompletion(id, 1);
      store.metrics.upsertStep(uid, { step: 0, epoch: 0, loss: 1, pulses: 1, phaseMs: {} });
      throw new Error('instrument fault mid-commit');
    }),
  );
  assert.equal(store.pulseLog.get(id).state, 'pending');
  assert.equal(store.metrics.lastCompletedStep(uid), null);
});
