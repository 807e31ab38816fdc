// Crash-safe resume, end to end: `nudge serve` trains a small run on the built-in simulated bench
// (ADC noise on) and is killed with SIGKILL at chosen moments — right after a pulse intent is
// committed and before its batch is sent, inside a step before its commit, right after a commit —
// then restarted with --resume until the run completes. Every time: the step metrics are
// contiguous with no gap or duplicate, and the finished run equals an uninterrupted one bitwise
// (metrics and final conductances): the simulated bench is deterministic given its seed, and its
// saved state holds the devices and the ADC's noise stream.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Store } from '../../src/daemon/store/index.ts';
import { SIM_BENCH, TempDirs, serveOnce } from './helpers.ts';

const temp = new TempDirs();
after(() => temp.cleanup());

/** 2 epochs × 6 steps of 2 samples; a snapshot every 2 steps. */
const PARAMS = {
  dataset: 'iris',
  epochs: 2,
  batchSize: 2,
  maxTrainSamples: 12,
  maxTestSamples: 6,
  seed: 3,
  snapshotEvery: 2,
};
const TOTAL_STEPS = 12;

const bench = SIM_BENCH;

interface Outcome {
  steps: { step: number; epoch: number; loss: number; accuracy: number | null; pulses: number }[];
  epochs: { epoch: number; trainLoss: number; testAccuracy: number | null }[];
  stepEvents: number[];
  seqs: number[];
  finalMaps: number[][];
  jobState: string;
  runStatus: string;
  pendingIntents: number;
  resolvedIntents: number;
}

function enqueue(dir: string): void {
  const store = Store.open(join(dir, 'nudged.db'), { durability: 'normal' });
  store.jobs.enqueue({ kind: 'train', config: PARAMS });
  store.close();
}

function outcome(dir: string): Outcome {
  const store = Store.open(join(dir, 'nudged.db'), { durability: 'normal' });
  try {
    const run = 'run-1';
    const events = store.runs.eventsAfter(run, 0, 10_000);
    const intents = store.pulseLog.intentsAfter(run, 0, 10_000);
    const snapshots = store.snapshots.list(run);
    const last = Math.max(...snapshots.map((s) => s.step));
    const finalMaps = ['layer0', 'layer1'].map((a) => Array.from(store.snapshots.read(run, a, last).values));
    return {
      steps: store.metrics.stepsAfter(run, -1, 10_000).map((r) => ({
        step: r.step,
        epoch: r.epoch,
        loss: r.loss,
        accuracy: r.accuracy,
        pulses: r.pulses,
      })),
      epochs: store.metrics.epochsAfter(run, -1, 100).map((e) => ({
        epoch: e.epoch,
        trainLoss: e.trainLoss,
        testAccuracy: e.testAccuracy,
      })),
      stepEvents: events.filter((e) => e.descriptor === 'step').map((e) => e.data.step as number),
      seqs: events.map((e) => e.seq),
      finalMaps,
      jobState: store.jobs.get(1).state,
      runStatus: store.runs.status(run),
      pendingIntents: intents.filter((i) => i.state === 'pending').length,
      resolvedIntents: intents.filter((i) => i.state === 'resolved').length,
    };
  } finally {
    store.close();
  }
}

/** Runs the job to completion, killed at each of `crashes` in turn (one process each). */
async function runWithCrashes(crashes: string[]): Promise<Outcome> {
  const dir = temp.make();
  enqueue(dir);
  for (const [i, crash] of crashes.entries()) {
    const r = await serveOnce(['--bench', bench, '--data', dir, ...(i > 0 ? ['--resume'] : [])], {
      NUDGED_CRASH_AT: crash,
    });
    assert.equal(
      r.signal,
      'SIGKILL',
      `process ${i} (${crash}) should have been killed:\n${r.stdout}\n${r.stderr}`,
    );
  }
  const final = await serveOnce(['--bench', bench, '--data', dir, '--resume']);
  assert.equal(final.code, 0, `${final.stdout}\n${final.stderr}`);
  return outcome(dir);
}

function assertContinuous(o: Outcome): void {
  assert.equal(o.jobState, 'done');
  assert.equal(o.runStatus, 'success');
  assert.deepEqual(
    o.steps.map((s) => s.step),
    Array.from({ length: TOTAL_STEPS }, (_, i) => i),
  );
  assert.deepEqual(
    o.stepEvents,
    Array.from({ length: TOTAL_STEPS }, (_, i) => i),
  );
  assert.deepEqual(
    o.seqs,
    Array.from({ length: o.seqs.length }, (_, i) => i + 1),
  );
  assert.deepEqual(
    o.epochs.map((e) => e.epoch),
    [0, 1],
  );
  assert.equal(o.pendingIntents, 0);
}

let reference: Outcome;

test('an uninterrupted run completes with contiguous metrics', async () => {
  reference = await runWithCrashes([]);
  assertContinuous(reference);
  assert.ok(reference.steps.every((s) => s.pulses > 0));
});

test('killed between a pulse intent and its completion: resumes and equals the uninterrupted run', async () => {
  const o = await runWithCrashes(['intent:4']);
  assertContinuous(o);
  assert.equal(o.resolvedIntents, 1);
  assert.deepEqual(o.steps, reference.steps);
  assert.deepEqual(o.epochs, reference.epochs);
  assert.deepEqual(o.finalMaps, reference.finalMaps);
});

test('killed several times (inside a step, after a commit, at an epoch end): equals the uninterrupted run', async () => {
  const o = await runWithCrashes(['metrics:3', 'step:2', 'step:4', 'intent:2']);
  assertContinuous(o);
  assert.deepEqual(o.steps, reference.steps);
  assert.deepEqual(o.epochs, reference.epochs);
  assert.deepEqual(o.finalMaps, reference.finalMaps);
});
