// The pipeline's ordering, timing, cancellation and failure paths in virtual time.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { catchError, map, of, switchMap, timer } from 'rxjs';
import type { Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { RunHelpers } from 'rxjs/testing';
import { layoutNetwork } from '../../src/network/description.ts';
import { BenchBusyError, StepError } from '../../src/training/errors.ts';
import type { TrainingEvent } from '../../src/training/events.ts';
import { Trainer } from '../../src/training/trainer.ts';
import type { TrainingConfigInput } from '../../src/training/config.ts';
import { marblePort } from './marble-port.ts';
import type { MarblePort, Operation } from './marble-port.ts';

// One input line, one output node, one device: the smallest network with every phase.
const layout = layoutNetwork({ inputs: 1, outputs: 1, doubledInputs: false, differentialOutputs: false });
const batch = { x: [Float64Array.of(0.5)], y: [0] };
const baseConfig: TrainingConfigInput = {
  estimator: 'one-sided',
  settle: { kind: 'fixed', time_s: 0.02 },
  loss: { kind: 'squared-error', target: { on_V: 1, off_V: 0 } },
};

/** One letter per event kind (phase events carry the phase's letter case: started lower). */
function code(e: TrainingEvent): string {
  const phase: Record<string, string> = {
    free: 'f',
    'nudged-plus': 'n',
    'nudged-minus': 'm',
    release: 'r',
    program: 'p',
    verify: 'v',
  };
  switch (e.type) {
    case 'phase-started':
      return phase[e.phase];
    case 'phase-ended':
      return phase[e.phase].toUpperCase();
    default:
      return (
        {
          'step-started': 'S',
          'step-ended': 'T',
          'free-state': 'x',
          'nudged-state': 'y',
          loss: 'L',
          'pulses-applied': 'A',
          'ideal-update': 'I',
          'conductances-verified': 'C',
          'evaluation-ended': 'E',
          fault: 'X',
        } as Record<string, string>
      )[e.type];
  }
}

function codes(o: Observable<TrainingEvent>): Observable<string> {
  return o.pipe(
    map(code),
    catchError((e: unknown) =>
      of(
        e instanceof StepError
          ? `StepError:${e.phase}:${(e.cause as Error).name}:${(e.cause as Error).message}`
          : (e as Error).name,
      ),
    ),
  );
}

/** Identity values: the marble characters stand for themselves. */
const self = (s: string) => Object.fromEntries([...s].map((c) => [c, c]));

function setup(
  helpers: RunHelpers,
  scheduler: TestScheduler,
  overrides: Partial<Record<Operation, (call: number) => Observable<unknown>>> = {},
  config: TrainingConfigInput = baseConfig,
): { port: MarblePort; trainer: Trainer } {
  // Reads cycle free 0.2 V, +β 0.25 V, −β 0.15 V: every estimator gives a nonzero estimate, so
  // one pulse results.
  const port = marblePort(
    scheduler,
    helpers,
    layout.arrays,
    (call) => Float64Array.of([0.2, 0.25, 0.15][call % 3]),
    overrides,
  );
  return { port, trainer: new Trainer(port, layout, config) };
}

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));
}

describe('pipeline phase ordering (marbles)', () => {
  test('a one-sided pulse step: free → nudged → release → program, then safeState before completion', () => {
    const s = scheduler();
    s.run((helpers) => {
      const { port, trainer } = setup(helpers, s);
      // t=0 step-started, free started; zero the nudge 0–10, inputs 10–20, wait 20–40, read 40–50;
      // t=50 free ended + state + loss, nudged started; nudge 50–60, wait 60–80, read 80–90;
      // t=90 nudged ended + state, release started; zero nudge 90–100; t=100 release ended,
      // program started; pulses 100–110; t=110 program ended, pulses applied, step ended;
      // safeState 110–120; complete at 120.
      const expected = '(Sf) 46ms (FxLn) 34ms (Nyr) 5ms (Rp) 6ms (PAT) 5ms |';
      helpers.expectObservable(codes(trainer.step$(batch))).toBe(expected, self('SfFxLnNyrRpPAT'));
      s.flush();
      const safe = port.issued.safeState as ReturnType<typeof helpers.cold>[];
      assert.equal(safe.length, 1);
      helpers.expectSubscriptions(safe[0].subscriptions).toBe('110ms ^ 9ms !');
    });
  });

  test('the centered estimator adds a −β phase, and verification reads after programming', () => {
    const s = scheduler();
    s.run((helpers) => {
      const { trainer } = setup(
        helpers,
        s,
        {},
        { ...baseConfig, estimator: 'centered', verify: { enabled: true } },
      );
      // As above until t=90; then −β: nudge 90–100, wait 100–120, read 120–130; release 130–140;
      // program 140–150; verify (one array) 150–160; safeState 160–170.
      const expected = '(Sf) 46ms (FxLn) 34ms (Nym) 35ms (Myr) 5ms (Rp) 6ms (PAv) 5ms (VCT) 5ms |';
      helpers.expectObservable(codes(trainer.step$(batch))).toBe(expected, self('SfFxLnNymMyrRpPAvVCT'));
    });
  });

  test('an evaluation pass runs the free phase only', () => {
    const s = scheduler();
    s.run((helpers) => {
      const { port, trainer } = setup(helpers, s);
      const data = { x: [Float64Array.of(0.1), Float64Array.of(0.2)], y: [0, 0] };
      // sample 0: zero nudge, inputs, wait, read → 50; sample 1: inputs, wait, read → 90.
      helpers
        .expectObservable(codes(trainer.evaluate$(data)))
        .toBe('f 49ms (FxLf) 34ms (FxLE) 4ms |', self('fFxLE'));
      s.flush();
      assert.equal(port.issued.setNudge.length, 1);
      assert.equal(port.issued.applyPulses.length, 0);
    });
  });
});

describe('pipeline cancellation and failures (marbles)', () => {
  test('unsubscribing mid-phase cancels the operation in flight and calls safeState at once', () => {
    const s = scheduler();
    s.run((helpers) => {
      const { port, trainer } = setup(helpers, s);
      // Unsubscribed at 30, during the free phase's settle wait (20–40).
      helpers.expectObservable(codes(trainer.step$(batch)), '^ 29ms !').toBe('(Sf)', self('Sf'));
      s.flush();
      const waits = port.issued.wait as ReturnType<typeof helpers.cold>[];
      helpers.expectSubscriptions(waits[0].subscriptions).toBe('20ms ^ 9ms !');
      const safe = port.issued.safeState as ReturnType<typeof helpers.cold>[];
      assert.equal(safe.length, 1);
      helpers.expectSubscriptions(safe[0].subscriptions).toBe('30ms ^ 9ms !');
      // The read that would have followed the wait is never subscribed (never reaches the bench).
      const samples = port.issued.sample as ReturnType<typeof helpers.cold>[];
      assert.ok(samples.every((o) => o.subscriptions.length === 0));
    });
  });

  test('the bench stays locked until safeState has finished after a cancellation', () => {
    const s = scheduler();
    s.run((helpers) => {
      const { trainer } = setup(helpers, s);
      helpers.expectObservable(trainer.step$(batch).pipe(map(code)), '^ 44ms !').toBe('(Sf)', self('Sf'));
      // safeState runs 45–55: a run starting at 50 is refused, one starting at 60 proceeds.
      const at = (t: number) => timer(t).pipe(switchMap(() => codes(trainer.evaluate$(batch))));
      helpers.expectObservable(at(50)).toBe('50ms (B|)', { B: 'BenchBusyError' });
      helpers.expectObservable(at(60), '^ 61ms !').toBe('60ms f', self('f'));
    });
  });

  test('an AbortSignal ends the run with TrainingCancelledError after safeState', () => {
    const s = scheduler();
    s.run((helpers) => {
      const { port, trainer } = setup(helpers, s);
      const abort = new AbortController();
      s.schedule(() => abort.abort('operator'), 45);
      helpers.expectObservable(codes(trainer.step$(batch, { signal: abort.signal }))).toBe('(Sf) 51ms (C|)', {
        ...self('Sf'),
        C: 'TrainingCancelledError',
      });
      s.flush();
      assert.equal(port.issued.safeState.length, 1);
    });
  });

  test('a fault in the nudged phase: safeState, a fault event, then StepError(nudged-plus, cause)', () => {
    const s = scheduler();
    s.run((helpers) => {
      const fault = new Error('ADC overrange');
      const { port, trainer } = setup(helpers, s, {
        sample: (call) =>
          call === 1
            ? helpers.cold('5ms #', {}, fault)
            : helpers.cold('10ms (a|)', { a: Float64Array.of(0.2) }),
      });
      // Nudged phase starts at 50; its read starts at 80 and fails at 85; safeState 85–95.
      helpers.expectObservable(codes(trainer.step$(batch))).toBe('(Sf) 46ms (FxLn) 39ms (XE|)', {
        ...self('SfFxLnX'),
        E: 'StepError:nudged-plus:Error:ADC overrange',
      });
      s.flush();
      const safe = port.issued.safeState as ReturnType<typeof helpers.cold>[];
      helpers.expectSubscriptions(safe[0].subscriptions).toBe('85ms ^ 9ms !');
    });
  });

  test('an operation that never answers times out with a typed error, never a hang', () => {
    const s = scheduler();
    s.run((helpers) => {
      const { trainer } = setup(
        helpers,
        s,
        { wait: () => helpers.cold('-') },
        { ...baseConfig, operationTimeout_ms: 100 },
      );
      // The wait starts at 20 and is allowed 100 ms + its own 20 ms: times out at 140; safeState 140–150.
      helpers.expectObservable(codes(trainer.step$(batch))).toBe('(Sf) 146ms (XE|)', {
        ...self('SfX'),
        E: 'StepError:free:OperationTimeoutError:timebase.wait did not complete within 120 ms',
      });
    });
  });

  test('a second run on a busy bench is rejected with BenchBusyError and does not touch the bench', () => {
    const s = scheduler();
    s.run((helpers) => {
      const { port, trainer } = setup(helpers, s);
      const other = new Trainer(port, layout, baseConfig);
      helpers.expectObservable(codes(trainer.step$(batch)), '^ 30ms !').toBe('(Sf)', self('Sf'));
      helpers
        .expectObservable(timer(10).pipe(switchMap(() => codes(other.evaluate$(batch)))))
        .toBe('10ms (B|)', {
          B: 'BenchBusyError',
        });
      s.flush();
      assert.equal(port.issued.setInputs.length, 1);
      assert.ok(new BenchBusyError('x') instanceof Error);
    });
  });
});
