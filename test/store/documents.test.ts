import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { StoreError } from '../../src/daemon/store/index.ts';
import { TempDatabases, trainStart } from './helpers.ts';

const temp = new TempDatabases();
after(() => temp.cleanup());

const phaseDescriptor = {
  name: 'phase',
  dataKeys: {
    phase: { dtype: 'string' as const, shape: [] },
    v: { dtype: 'array' as const, shape: [3], units: 'V' },
  },
};

test('start stores the full config, versions and bench identity; uid is generated when absent', () => {
  const store = temp.open();
  const run = store.runs.start({ ...trainStart(), time: 1000, jobId: undefined });
  assert.match(run.uid, /^[0-9a-f-]{36}$/);
  assert.deepEqual(run.config, trainStart().config);
  assert.deepEqual(run.versions, trainStart().versions);
  assert.equal(run.time, 1000);
  assert.equal(run.status, 'running');
  assert.throws(() => store.runs.start(trainStart(run.uid)), /start\.uid: a run with uid .* already exists/);
});

test('malformed documents are refused with the field path and reason', () => {
  const store = temp.open();
  const bad = (fn: () => unknown, field: RegExp) =>
    assert.throws(fn, (e: unknown) => e instanceof StoreError && field.test(e.field), String(field));
  bad(() => store.runs.start({ ...trainStart(), kind: 'dance' as 'train' }), /^start\.kind$/);
  bad(() => store.runs.start({ ...trainStart(), uid: 'has space' }), /^start\.uid$/);
  bad(() => store.runs.start({ ...trainStart(), extra: 1 } as never), /^start$/);
  const uid = store.runs.start(trainStart()).uid;
  bad(() => store.runs.declareDescriptor(uid, { name: 'x', dataKeys: {} }), /^descriptor\.dataKeys$/);
  store.runs.declareDescriptor(uid, phaseDescriptor);
  bad(
    () => store.runs.appendEvent(uid, { descriptor: 'phase', data: { phase: 'free' } }),
    /^event\.data\.v$/,
  );
  bad(
    () => store.runs.appendEvent(uid, { descriptor: 'phase', data: { phase: 'free', v: [], w: 1 } }),
    /^event\.data\.w$/,
  );
  bad(() => store.runs.appendEvent(uid, { descriptor: 'nope', data: {} }), /^event\.descriptor$/);
  bad(
    () => store.metrics.upsertStep(uid, { step: -1, epoch: 0, loss: 1, pulses: 0, phaseMs: {} }),
    /^stepMetrics\.step$/,
  );
  bad(
    () => store.metrics.upsertStep(uid, { step: 0, epoch: 0, loss: NaN, pulses: 0, phaseMs: {} }),
    /^stepMetrics\.loss$/,
  );
  bad(() => store.runs.stop(uid, { exitStatus: 'fail' }), /^stop\.reason$/);
  assert.deepEqual(store.runs.eventsAfter(uid, 0, 10), []);
  assert.equal(store.metrics.lastCompletedStep(uid), null);
});

test('events get seq 1, 2, 3… in order; a replayed seq is not duplicated and a gap is refused', () => {
  const store = temp.open();
  const uid = store.runs.start(trainStart()).uid;
  store.runs.declareDescriptor(uid, phaseDescriptor);
  // Re-declaring the same descriptor is a no-op; with different keys it is refused.
  const again = store.runs.declareDescriptor(uid, phaseDescriptor);
  assert.equal(store.runs.descriptors(uid).length, 1);
  assert.equal(again.name, 'phase');
  assert.throws(
    () =>
      store.runs.declareDescriptor(uid, { name: 'phase', dataKeys: { x: { dtype: 'number', shape: [] } } }),
    /descriptor\.dataKeys/,
  );
  const phases = ['free', 'nudge+', 'nudge-', 'free', 'nudge+'];
  const seqs = phases.map(
    (phase, i) => store.runs.appendEvent(uid, { descriptor: 'phase', data: { phase, v: [i, i, i] } }).seq,
  );
  assert.deepEqual(seqs, [1, 2, 3, 4, 5]);
  assert.deepEqual(
    store.runs.appendEvent(uid, { descriptor: 'phase', seq: 3, data: { phase: 'x', v: [] } }),
    {
      seq: 3,
      inserted: false,
    },
  );
  assert.deepEqual(
    store.runs.appendEvent(uid, { descriptor: 'phase', seq: 6, data: { phase: 'y', v: [] } }),
    {
      seq: 6,
      inserted: true,
    },
  );
  assert.throws(
    () => store.runs.appendEvent(uid, { descriptor: 'phase', seq: 9, data: { phase: 'z', v: [] } }),
    /event\.seq: 9 would leave a gap: the next seq of run .* is 7/,
  );
  const events = store.runs.eventsAfter(uid, 0, 100);
  assert.deepEqual(
    events.map((e) => e.seq),
    [1, 2, 3, 4, 5, 6],
  );
  assert.deepEqual(
    events.map((e) => e.data.phase),
    [...phases, 'y'],
  );
  assert.deepEqual(
    store.runs.eventsAfter(uid, 2, 2).map((e) => e.seq),
    [3, 4],
  );
  assert.equal(events[0].descriptor, 'phase');
});

test('step and epoch metrics upsert by key: a replayed row replaces, never duplicates', () => {
  const store = temp.open();
  const uid = store.runs.start(trainStart()).uid;
  for (let step = 0; step < 5; step++) {
    store.metrics.upsertStep(uid, {
      step,
      epoch: 0,
      loss: 1 / (step + 1),
      accuracy: 0.5,
      pulses: step * 10,
      phaseMs: { free: 2, nudge: 3 },
    });
  }
  store.metrics.upsertStep(uid, {
    step: 2,
    epoch: 0,
    loss: 0.25,
    pulses: 7,
    phaseMs: { free: 1 },
    extra: { beta: 0.1 },
  });
  const rows = store.metrics.stepsAfter(uid, -1, 100);
  assert.deepEqual(
    rows.map((r) => r.step),
    [0, 1, 2, 3, 4],
  );
  assert.equal(rows[2].loss, 0.25);
  assert.equal(rows[2].accuracy, null);
  assert.deepEqual(rows[2].extra, { beta: 0.1 });
  assert.equal(store.metrics.lastCompletedStep(uid), 4);
  assert.deepEqual(store.metrics.keys(uid, 'phase'), ['free', 'nudge']);

  store.metrics.upsertEpoch(uid, { epoch: 0, trainLoss: 0.4, trainAccuracy: 0.6 });
  store.metrics.upsertEpoch(uid, { epoch: 0, trainLoss: 0.3, testLoss: 0.35, testAccuracy: 0.7 });
  const epochs = store.metrics.epochsAfter(uid, -1, 10);
  assert.equal(epochs.length, 1);
  assert.equal(epochs[0].trainLoss, 0.3);
  assert.equal(epochs[0].trainAccuracy, null);
  assert.equal(epochs[0].testAccuracy, 0.7);
});

test('stop closes a run to further documents; only an interrupted run resumes', () => {
  const store = temp.open();
  const uid = store.runs.start(trainStart()).uid;
  store.runs.declareDescriptor(uid, phaseDescriptor);
  store.runs.appendEvent(uid, { descriptor: 'phase', data: { phase: 'free', v: [] } });
  assert.throws(() => store.resumeRun(uid), /run\.status: run .* is running; only an interrupted run/);
  const stop = store.runs.stop(uid, { exitStatus: 'abort', reason: 'operator abort' });
  assert.equal(stop.afterSeq, 1);
  assert.equal(store.runs.get(uid).status, 'abort');
  assert.throws(
    () => store.runs.appendEvent(uid, { descriptor: 'phase', data: { phase: 'free', v: [] } }),
    /event: run .* is abort, not running/,
  );
  assert.throws(() => store.runs.stop(uid, { exitStatus: 'success' }), /stop: run .* is abort/);
  assert.throws(() => store.resumeRun(uid), /only an interrupted run can be resumed/);
});
