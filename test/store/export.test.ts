import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { TempDatabases, trainStart } from './helpers.ts';

const temp = new TempDatabases();
after(() => temp.cleanup());

/** A writable that accepts one small chunk at a time slowly, to exercise backpressure. */
function collector(): { out: Writable; text: () => string; maxBuffered: () => number } {
  const chunks: string[] = [];
  let maxBuffered = 0;
  const out = new Writable({
    highWaterMark: 256,
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      maxBuffered = Math.max(maxBuffered, out.writableLength);
      setImmediate(done);
    },
  });
  return { out, text: () => chunks.join(''), maxBuffered: () => maxBuffered };
}

test('JSON Lines export: start, descriptors, events in seq order with stop/resume documents in place', async () => {
  const store = temp.open();
  const uid = store.runs.start(trainStart('exp')).uid;
  store.runs.declareDescriptor(uid, { name: 'm', dataKeys: { x: { dtype: 'integer', shape: [] } } });
  const EVENTS = 2500; // more than one page
  store.transaction(() => {
    for (let i = 0; i < EVENTS; i++) store.runs.appendEvent(uid, { descriptor: 'm', data: { x: i } });
  });
  store.recoverAfterCrash();
  store.resumeRun(uid);
  store.runs.appendEvent(uid, { descriptor: 'm', data: { x: EVENTS } });
  store.runs.stop(uid, { exitStatus: 'success' });

  const sink = collector();
  const lines = await store.exportRunJsonl(uid, sink.out);
  const docs = sink
    .text()
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(lines, docs.length);
  assert.equal(docs.length, 1 + 1 + EVENTS + 1 + 3);
  assert.deepEqual(
    docs.slice(0, 2).map((d) => d.name),
    ['start', 'descriptor'],
  );
  assert.deepEqual(docs[0].doc.config, trainStart().config);
  assert.deepEqual(
    docs.slice(2 + EVENTS, 2 + EVENTS + 4).map((d) => d.name),
    ['stop', 'resume', 'event', 'stop'],
  );
  assert.equal(docs[2 + EVENTS].doc.exitStatus, 'interrupted');
  const seqs = docs.filter((d) => d.name === 'event').map((d) => d.doc.seq);
  assert.deepEqual(
    seqs,
    Array.from({ length: EVENTS + 1 }, (_, i) => i + 1),
  );
  assert.ok(sink.maxBuffered() < 64 * 1024, `buffered at most ${sink.maxBuffered()} bytes`);
});

test('CSV export of step and epoch metrics: header with the phase and extra columns, one line per row', async () => {
  const store = temp.open();
  const uid = store.runs.start(trainStart()).uid;
  store.metrics.upsertStep(uid, {
    step: 0,
    epoch: 0,
    loss: 0.5,
    accuracy: 0.25,
    pulses: 3,
    phaseMs: { free: 1.5 },
  });
  store.metrics.upsertStep(uid, {
    step: 1,
    epoch: 0,
    loss: 0.25,
    pulses: 4,
    phaseMs: { free: 1, 'nudge,+': 2 },
    extra: { beta: 0.1 },
  });
  store.metrics.upsertEpoch(uid, { epoch: 0, trainLoss: 0.3, testAccuracy: 0.9, extra: { lr: 0.01 } });

  const steps = new PassThrough();
  let stepText = '';
  steps.on('data', (d) => (stepText += d));
  assert.equal(await store.exportMetricsCsv(uid, steps), 3);
  const [header, row0, row1] = stepText.trimEnd().split('\n');
  assert.equal(header, 'step,epoch,time_ms,loss,accuracy,pulses,phase_ms.free,"phase_ms.nudge,+",extra.beta');
  const cells0 = row0.split(',');
  assert.deepEqual(
    [cells0[0], cells0[3], cells0[4], cells0[5], cells0[6], cells0[7], cells0[8]],
    ['0', '0.5', '0.25', '3', '1.5', '', ''],
  );
  assert.ok(row1.endsWith(',0.25,,4,1,2,0.1'));

  const epochs = new PassThrough();
  let epochText = '';
  epochs.on('data', (d) => (epochText += d));
  await store.exportMetricsCsv(uid, epochs, 'epoch');
  const [eh, e0] = epochText.trimEnd().split('\n');
  assert.equal(eh, 'epoch,time_ms,train_loss,train_accuracy,test_loss,test_accuracy,extra.lr');
  assert.match(e0, /^0,\d+,0\.3,,,0\.9,0\.01$/);
  await assert.rejects(store.exportMetricsCsv('nope', new PassThrough()), /run: no run with uid "nope"/);
});
