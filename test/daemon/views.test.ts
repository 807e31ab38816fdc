// The API's read-only views of the store: step metrics decimated in SQL, and the live events of
// training steps and evaluation passes.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Store } from '../../src/daemon/store/index.ts';
import { decimatedSql } from '../../src/daemon/store/metrics.ts';
import { runUid } from '../../src/daemon/jobs/types.ts';
import { StepTally } from '../../src/daemon/jobs/live.ts';
import { runDetail } from '../../src/daemon/views.ts';
import type { LiveEvent } from '../../src/daemon/events.ts';
import { TempDirs } from './helpers.ts';

const temp = new TempDirs();
after(() => temp.cleanup());

function storeWithSteps(n: number): { store: Store; job: number } {
  const store = Store.open(join(temp.make(), 'nudged.db'), { durability: 'normal' });
  const job = store.jobs.enqueue({ kind: 'train', config: {} }).id;
  store.runs.start({
    uid: runUid(job),
    kind: 'train',
    config: {},
    versions: { nudged: '0.1.0', node: process.version },
    bench: { kind: 'sim', seed: 1 },
  });
  store.transaction(() => {
    for (let step = 0; step < n; step++) {
      store.metrics.upsertStep(runUid(job), {
        step,
        epoch: Math.floor(step / 10),
        loss: 1 / (step + 1),
        accuracy: step % 3 === 0 ? null : step / n,
        pulses: step * 2,
        phaseMs: { free: 1 },
      });
    }
  });
  return { store, job };
}

test('run details keep every ceil(n / maxPoints)-th step and the last, as the rows are stored', () => {
  const N = 23;
  const { store, job } = storeWithSteps(N);
  try {
    const all = runDetail(store, job).steps;
    assert.equal(all.length, N);
    assert.deepEqual(all[4], { step: 4, epoch: 0, loss: 1 / 5, accuracy: 4 / N, pulses: 8 });
    assert.equal(all[3].accuracy, 0, 'a missing accuracy reads as 0');
    for (const maxPoints of [1, 2, 5, 7, 22, 23, 1000]) {
      const stride = Math.ceil(N / maxPoints);
      const expected = all.filter((_, i) => i % stride === 0 || i === N - 1);
      assert.deepEqual(runDetail(store, job, { maxPoints }).steps, expected, `maxPoints ${maxPoints}`);
    }
    assert.deepEqual(
      runDetail(store, job, { maxPoints: 5 }).steps.map((s) => s.step),
      [0, 5, 10, 15, 20, 22],
    );
    assert.throws(() => runDetail(store, job, { maxPoints: 0 }), /maxPoints/);
  } finally {
    store.close();
  }
});

test('sinceStep returns only the newer steps, thinned over their range with the last; epochs likewise', () => {
  const N = 95;
  const { store, job } = storeWithSteps(N);
  try {
    const uid = runUid(job);
    for (let epoch = 0; epoch < 9; epoch++) {
      store.metrics.upsertEpoch(uid, { epoch, trainLoss: 1 / (epoch + 1), trainAccuracy: 0.5 });
    }
    const steps = (q: Parameters<typeof runDetail>[2]) => runDetail(store, job, q).steps.map((s) => s.step);
    assert.deepEqual(steps({ sinceStep: 90 }), [91, 92, 93, 94]);
    assert.deepEqual(steps({ sinceStep: 94 }), [], 'nothing new');
    assert.deepEqual(steps({ sinceStep: 80, maxPoints: 4 }), [81, 85, 89, 93, 94]);
    assert.deepEqual(steps({ sinceStep: 0, maxPoints: 1 }), [1, 94], 'first and last at least');
    const epochs = (q: Parameters<typeof runDetail>[2]) =>
      runDetail(store, job, q).epochs.map((e) => e.epoch);
    assert.deepEqual(epochs({}), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual(epochs({ maxPoints: 3 }), [0, 3, 6, 8]);
    assert.deepEqual(epochs({ sinceEpoch: 6 }), [7, 8]);
    assert.deepEqual(runDetail(store, job, { sinceEpoch: 6 }).epochs[0], {
      epoch: 7,
      trainLoss: 1 / 8,
      trainAccuracy: 0.5,
      testLoss: null,
      testAccuracy: null,
    });
    assert.throws(() => runDetail(store, job, { sinceStep: -1 }), /sinceStep/);
    assert.throws(() => runDetail(store, job, { sinceEpoch: 1.5 }), /sinceEpoch/);
  } finally {
    store.close();
  }
});

test('decimation reads rows by primary key: the query plans never scan a run', () => {
  const { store } = storeWithSteps(3);
  const db = new Database(store.path, { readonly: true });
  try {
    for (const [table, key] of [
      ['step_metrics', 'step'],
      ['epoch_metrics', 'epoch'],
    ]) {
      const sql = decimatedSql(table, key, key);
      const params = { run: 'r', after: 0, first: 1, stride: 2, last: 9 };
      const plan = [sql.bounds, sql.select].flatMap((q) =>
        db
          .prepare<typeof params, { detail: string }>(`EXPLAIN QUERY PLAN ${q}`)
          .all(params)
          .map((r) => r.detail),
      );
      assert.ok(
        plan.every((d) => !d.startsWith('SCAN') || /^SCAN (CONSTANT ROW|pick|wanted)$/.test(d)),
        plan.join('\n'),
      );
      assert.equal(plan.filter((d) => d.includes('USING PRIMARY KEY')).length, 3, plan.join('\n'));
    }
  } finally {
    db.close();
    store.close();
  }
});

test('an evaluation pass emits one aggregate phase event; a training step one per phase name when it ends', () => {
  const events: LiveEvent[] = [];
  const tally = new StepTally(7, (e) => events.push(e));
  for (let sample = 0; sample < 3; sample++) {
    tally.onEvent({ type: 'phase-started', t_s: 0, step: null, sample, phase: 'free' });
    tally.onEvent({ type: 'phase-ended', t_s: 0, step: null, sample, phase: 'free', reads: 2 });
  }
  assert.equal(events.length, 0);
  tally.onEvent({ type: 'evaluation-ended', t_s: 0, samples: 3, accuracy: 1, meanCost: 0 });
  assert.equal(events.length, 1);
  assert.deepEqual(
    { ...events[0], ms: 0 },
    {
      type: 'phase',
      job: 7,
      step: -1,
      sample: null,
      phase: 'evaluation',
      ms: 0,
      reads: 6,
    },
  );

  const training = new StepTally(7, (e) => events.push(e));
  for (let sample = 0; sample < 2; sample++) {
    training.onEvent({ type: 'phase-started', t_s: 0, step: 4, sample, phase: 'free' });
    training.onEvent({ type: 'phase-ended', t_s: 0, step: 4, sample, phase: 'free', reads: 1 });
  }
  for (const phase of ['nudged-plus', 'nudged-minus'] as const) {
    training.onEvent({ type: 'phase-started', t_s: 0, step: 4, sample: 0, phase });
    training.onEvent({ type: 'phase-ended', t_s: 0, step: 4, sample: 0, phase, reads: 3 });
  }
  assert.equal(events.length, 1, 'nothing goes live before the step ends');
  training.onEvent({ type: 'step-ended', t_s: 0, step: 4, samples: 2, meanCost: 0, correct: 1 });
  assert.deepEqual(
    events.slice(1).map((e) => e.type === 'phase' && [e.step, e.sample, e.phase, e.reads]),
    [
      [4, null, 'free', 2],
      [4, null, 'nudged-plus', 3],
      [4, null, 'nudged-minus', 3],
    ],
  );
});

test('node voltages go live for the first step, and not again for a step right after it', () => {
  const events: LiveEvent[] = [];
  const nodes_V = Float64Array.of(0.1, -0.2);
  const step = (s: number) => {
    const tally = new StepTally(71, (e) => events.push(e));
    tally.onEvent({ type: 'free-state', step: s, sample: 0, nodes_V });
    tally.onEvent({ type: 'nudged-state', step: s, sample: 0, beta_S: 1e-3, nodes_V });
    tally.onEvent({ type: 'nudged-state', step: s, sample: 0, beta_S: -1e-3, nodes_V });
  };
  step(0);
  step(1); // within NODES_INTERVAL_S of step 0: nothing
  assert.deepEqual(
    events.map((e) => e.type === 'nodes' && [e.step, e.phase]),
    [
      [0, 'free'],
      [0, 'nudged+'],
      [0, 'nudged-'],
    ],
  );
});
