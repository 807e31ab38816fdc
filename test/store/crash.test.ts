// The SIGKILL crash test: a child process trains a fake device, writing per step a pulse intent,
// then completion + metrics + event + device state in one transaction. The parent kills it at
// seeded random moments (and once while it holds between intent and completion), reopens the
// database, checks the invariants and recovery, and lets the next child resume. The finished run
// must equal an uninterrupted one.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Rng } from '../../src/util/random.ts';
import { TempDatabases } from './helpers.ts';
import { advance, initialState, lossOf, pulsesIn, stateFrom } from './fixtures/fake-training.ts';

const temp = new TempDatabases();
after(() => temp.cleanup());

const WRITER = fileURLToPath(new URL('./fixtures/crash-writer.ts', import.meta.url));
const TOTAL = 300;
const RUN = 'crash-run';
const CHILD_TIMEOUT_MS = 60_000;

/** Uninterrupted reference: loss per step and the final state. */
function reference(): { losses: number[]; pulses: number[]; final: Float64Array } {
  let state = initialState(7);
  const losses: number[] = [];
  const pulses: number[] = [];
  for (let step = 0; step < TOTAL; step++) {
    const { next, batch } = advance(state, step);
    state = next;
    losses.push(lossOf(state));
    pulses.push(pulsesIn(batch));
  }
  return { losses, pulses, final: state };
}

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  lines: string[];
  stderr: string;
}

/** Runs the writer; kills it with SIGKILL as soon as `killAt` matches an output line. */
function runWriter(
  path: string,
  hold: number,
  killAt: ((line: string) => boolean) | null,
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', WRITER, path, RUN, String(TOTAL), String(hold)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const lines: string[] = [];
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`writer did not finish within ${CHILD_TIMEOUT_MS} ms; stderr: ${stderr}`));
    }, CHILD_TIMEOUT_MS);
    child.stderr.on('data', (d) => (stderr += d));
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      if (killAt?.(line)) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, lines, stderr });
    });
  });
}

test('SIGKILL at seeded random moments: no lost or duplicated row, recovery and resume match an uninterrupted run', async () => {
  const path = temp.path();
  const ref = reference();
  const rng = new Rng(20240611);
  // Kill moments: after a random intent or step line (the kill lands wherever the child has got
  // to by then), and one round held between an intent and its completion.
  let progress = 0;
  const rounds: { hold: number; killAt: (line: string) => boolean; label: string }[] = [];
  for (let i = 0; i < 5; i++) {
    progress += rng.int(10, 45);
    const target = `${rng.uniform() < 0.5 ? 'intent' : 'step'} ${progress}`;
    const hold = i === 2 ? progress : -1;
    rounds.push({
      hold,
      label: hold >= 0 ? `held after intent ${hold}` : `after "${target}"`,
      killAt: hold >= 0 ? (line) => line === `intent ${hold}` : (line) => line === target,
    });
  }

  const lastPerRound: number[] = [];
  let resolvedSoFar = 0;
  let sawPendingIntent = false;
  for (const round of rounds) {
    const result = await runWriter(path, round.hold, round.killAt);
    assert.equal(result.signal, 'SIGKILL', `${round.label}: child exited ${result.code}: ${result.stderr}`);

    const store = temp.open(path);
    const steps = store.metrics.stepsAfter(RUN, -1, TOTAL + 1);
    const last = steps.length - 1;
    steps.forEach((m, i) => {
      assert.equal(m.step, i, `${round.label}: metric rows have a gap at ${i}`);
      assert.equal(m.loss, ref.losses[i], `${round.label}: step ${i} loss`);
      assert.equal(m.pulses, ref.pulses[i], `${round.label}: step ${i} pulses`);
      assert.deepEqual(m.phaseMs, { free: 1 });
    });
    const events = store.runs.eventsAfter(RUN, 0, TOTAL + 1);
    assert.deepEqual(
      events.map((e) => e.seq),
      steps.map((_, i) => i + 1),
      `${round.label}: event seqs 1..${steps.length} without gap`,
    );
    events.forEach((e, i) => assert.deepEqual(e.data, { step: i, loss: ref.losses[i] }));
    assert.equal(store.deviceStates.latest(RUN)?.step, last < 0 ? undefined : last);

    const report = store.recoverAfterCrash();
    assert.equal(store.runs.get(RUN).status, 'interrupted');
    assert.equal(report.runs.length, 1);
    assert.equal(report.runs[0].uid, RUN);
    assert.equal(report.runs[0].lastCompletedStep, last < 0 ? null : last);
    const pending = report.runs[0].pendingPulseIntents;
    assert.ok(pending.length <= 1, `${round.label}: at most the in-flight batch is pending`);
    for (const p of pending)
      assert.equal(p.step, last + 1, `${round.label}: the pending batch is the next step's`);
    if (round.hold >= 0) {
      assert.deepEqual(
        pending.map((p) => p.step),
        [round.hold],
      );
      assert.equal(last, round.hold - 1);
    }
    sawPendingIntent ||= pending.length > 0;
    lastPerRound.push(last);
    assert.deepEqual(report.pendingPulseIntents, pending);
    const intents = store.pulseLog.intentsAfter(RUN, 0, 10 * TOTAL);
    assert.equal(intents.filter((p) => p.state === 'completed').length, steps.length);
    assert.equal(intents.filter((p) => p.state === 'resolved').length, resolvedSoFar);
    resolvedSoFar += pending.length;
    // Recovery is idempotent.
    assert.deepEqual(store.recoverAfterCrash().runs, []);
    store.close();
  }
  assert.ok(sawPendingIntent, 'at least one kill left a pulse intent without completion');

  const final = await runWriter(path, -1, null);
  assert.equal(final.code, 0, final.stderr);
  assert.equal(final.lines.at(-1), 'done');

  const store = temp.open(path);
  const run = store.runs.get(RUN);
  assert.equal(run.status, 'success');
  const steps = store.metrics.stepsAfter(RUN, -1, TOTAL + 1);
  assert.deepEqual(
    steps.map((m) => m.loss),
    ref.losses,
  );
  assert.deepEqual(
    store.runs.eventsAfter(RUN, 0, TOTAL + 1).map((e) => e.seq),
    ref.losses.map((_, i) => i + 1),
  );
  const saved = store.deviceStates.latest(RUN);
  assert.equal(saved?.step, TOTAL - 1);
  assert.deepEqual(stateFrom(saved.state), ref.final);
  assert.deepEqual(store.pulseLog.pendingPulseIntents(RUN), []);
  const lifecycle = store.runs.lifecycle(RUN);
  assert.deepEqual(
    lifecycle.map((l) => `${l.document}:${l.exitStatus ?? l.fromStep}`),
    [...lastPerRound.flatMap((last) => ['stop:interrupted', `resume:${last + 1}`]), 'stop:success'],
  );
  // Each resume starts right after the step completed before its interruption.
  for (const l of lifecycle.filter((d) => d.document === 'resume')) assert.equal(l.fromStep, l.afterSeq);
  store.close();
});
