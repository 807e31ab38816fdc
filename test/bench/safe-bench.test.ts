// The SafeBench interlock over a recording bench: limits checked before anything is delegated,
// ramps split as configured, an instrument fault drives the bench safe and latches, the watchdog
// catches a stalled step, a failing or hanging safe state is reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LimitError } from '../../src/capabilities/index.ts';
import type { BenchLimits } from '../../src/config/index.ts';
import {
  BenchFaultedError,
  SafeBench,
  SafeStateTimeoutError,
  StalledStepError,
  type BenchFault,
} from '../../src/bench/index.ts';
import { recordingBench, type RecordingBench } from './recording-bench.ts';

const LIMITS: BenchLimits = {
  inputVoltage_V: { min: -1, max: 1 },
  nudgeCurrent_A: [
    { min: -1e-5, max: 1e-5 },
    { min: 0, max: 2e-5 },
  ],
  pulse: { amplitude_V: 2, width_s: { min: 1e-8, max: 1e-5 }, count: 10 },
  readVoltage_V: 0.2,
};

function guarded(
  limits: Partial<BenchLimits> = {},
  safety = {},
): { inner: RecordingBench; bench: SafeBench } {
  const inner = recordingBench();
  const bench = new SafeBench(inner, {
    limits: { ...LIMITS, ...limits },
    watchdog_s: 30,
    safeStateTimeout_s: 5,
    ...safety,
  });
  return { inner, bench };
}

const pulse = { array: 0, row: 1, col: 2, polarity: 'set' as const, amplitude_V: 1.5, width_s: 1e-6 };

test('a request beyond a limit is refused with LimitError naming field and channel; nothing is sent', async () => {
  const { inner, bench } = guarded();
  const refused: [() => Promise<unknown>, string, number][] = [
    [() => bench.inputs.setVoltages(Float64Array.of(0, 0, 1.5, 0)), 'inputs.line2.voltage_V', 1.5],
    [() => bench.inputs.setVoltages(Float64Array.of(-1.01, 0, 0, 0)), 'inputs.line0.voltage_V', -1.01],
    [() => bench.nudge.setCurrents(Float64Array.of(0, -1e-6)), 'nudge.node1.current_A', -1e-6],
    [() => bench.nudge.setCurrents(Float64Array.of(2e-5, 0)), 'nudge.node0.current_A', 2e-5],
    [
      () => bench.programmer.applyPulses([pulse, { ...pulse, amplitude_V: 2.5 }]),
      'pulses[1].amplitude_V',
      2.5,
    ],
    [() => bench.programmer.applyPulses([{ ...pulse, width_s: 1e-4 }]), 'pulses[0].width_s', 1e-4],
    [() => bench.programmer.applyPulses([{ ...pulse, count: 11 }]), 'pulses[0].count', 11],
    [() => bench.reader.readConductances(0, 0.3), 'reader.readVoltage_V', 0.3],
  ];
  for (const [request, field, value] of refused) {
    await assert.rejects(request, (error: unknown) => {
      assert.ok(error instanceof LimitError, String(error));
      assert.equal(error.field, field);
      assert.equal(error.value, value);
      assert.match(error.message, new RegExp(`^${field.replace(/[[\].]/g, '\\$&')}=`));
      return true;
    });
  }
  await assert.rejects(bench.inputs.setVoltages(Float64Array.of(Number.NaN, 0, 0, 0)), LimitError);
  await assert.rejects(bench.programmer.applyPulses([{ ...pulse, row: 4 }]), /not on the bench's arrays/);
  assert.deepEqual(inner.calls, [], 'nothing reached the instruments');
  assert.equal(bench.fault, undefined, 'a refused request is not a fault');
  await bench.inputs.setVoltages(Float64Array.of(1, -1, 0.5, 0));
  assert.deepEqual(inner.calls, [{ op: 'setVoltages', levels: [1, -1, 0.5, 0] }]);
});

test('the ranges the interlock reports are the inner ranges narrowed by the limits', () => {
  const { bench } = guarded();
  assert.deepEqual(bench.inputs.range, { min: -1, max: 1 });
  assert.deepEqual(bench.nudge.range, { min: 0, max: 1e-5 });
  // The pulse-count limit: the configured one, or the inner programmer's where that is lower.
  assert.equal(bench.programmer.maxCount, 10);
  const inner = recordingBench();
  const lower = new SafeBench(
    { ...inner, programmer: { ...inner.programmer, maxCount: 4 } },
    { limits: LIMITS, watchdog_s: 30, safeStateTimeout_s: 5 },
  );
  assert.equal(lower.programmer.maxCount, 4);
});

test('level changes ramp in steps of the configured size, interDelay_s apart', async () => {
  const { inner, bench } = guarded({ ramp: { voltageStep_V: 0.25, interDelay_s: 0.002 } });
  await bench.inputs.setVoltages(Float64Array.of(1, -0.5, 0, 0));
  assert.deepEqual(inner.calls, [
    { op: 'setVoltages', levels: [0.25, -0.125, 0, 0] },
    { op: 'wait', seconds: 0.002 },
    { op: 'setVoltages', levels: [0.5, -0.25, 0, 0] },
    { op: 'wait', seconds: 0.002 },
    { op: 'setVoltages', levels: [0.75, -0.375, 0, 0] },
    { op: 'wait', seconds: 0.002 },
    { op: 'setVoltages', levels: [1, -0.5, 0, 0] },
  ]);
  inner.calls.length = 0;
  await bench.inputs.setVoltages(Float64Array.of(0.9, -0.5, 0.2, 0));
  assert.deepEqual(inner.calls, [{ op: 'setVoltages', levels: [0.9, -0.5, 0.2, 0] }], 'within one step');
  inner.calls.length = 0;
  await bench.nudge.setCurrents(Float64Array.of(1e-5, 2e-5));
  assert.deepEqual(inner.calls, [{ op: 'setCurrents', levels: [1e-5, 2e-5] }], 'no current step: no ramp');
  inner.calls.length = 0;
  await bench.safeState();
  assert.deepEqual(inner.calls, [{ op: 'safeState' }], 'the safe state is immediate');
  await bench.inputs.setVoltages(Float64Array.of(0.5, 0, 0, 0));
  assert.deepEqual(
    inner.calls.filter((c) => c.op === 'setVoltages').map((c) => (c as { levels: number[] }).levels[0]),
    [0.25, 0.5],
    'after the safe state a ramp starts from 0',
  );
});

test('an instrument fault drives the bench safe, latches, and refuses every call until cleared', async () => {
  const { inner, bench } = guarded();
  const faults: BenchFault[] = [];
  bench.onFault((fault) => faults.push(fault));
  await bench.inputs.setVoltages(Float64Array.of(0.5, 0.5, -0.5, -0.5));
  const linkDown = new Error('link dropped');
  inner.failing = { op: 'setCurrents', error: linkDown };
  await assert.rejects(bench.nudge.setCurrents(Float64Array.of(1e-6, 1e-6)), (e) => e === linkDown);
  assert.deepEqual(
    inner.calls.slice(-2).map((c) => c.op),
    ['setCurrents', 'safeState'],
    'the safe state ran before the error reached the caller',
  );
  assert.deepEqual(Array.from(inner.lines), [0, 0, 0, 0]);
  assert.equal(faults.length, 1);
  assert.equal(faults[0].operation, 'nudge.set');
  assert.equal(faults[0].error, linkDown);
  assert.equal(faults[0].safeStateError, undefined);
  assert.equal(bench.fault, faults[0]);

  inner.failing = undefined;
  const before = inner.calls.length;
  await assert.rejects(bench.inputs.setVoltages(Float64Array.of(0.1, 0, 0, 0)), BenchFaultedError);
  await assert.rejects(bench.sampler.sampleAndRead(), /bench faulted in nudge\.set: link dropped/);
  await assert.rejects(bench.programmer.applyPulses([pulse]), BenchFaultedError);
  await assert.rejects(bench.reader.readConductances(0, 0.1), BenchFaultedError);
  await assert.rejects(bench.timebase.wait(0.1), BenchFaultedError);
  await assert.rejects(
    bench.runStep(async () => 1),
    BenchFaultedError,
  );
  assert.equal(inner.calls.length, before, 'nothing reached the instruments while faulted');
  await bench.safeState();
  assert.equal(inner.calls.at(-1)?.op, 'safeState', 'the safe state is always allowed');

  bench.clearFault();
  await bench.inputs.setVoltages(Float64Array.of(0.1, 0, 0, 0));
  assert.deepEqual(Array.from(inner.lines), [0.1, 0, 0, 0]);
});

test('a failing safe state after a fault is recorded with the fault', async () => {
  const { inner, bench } = guarded();
  inner.failing = { op: 'sampleAndRead', error: new Error('timeout') };
  const broken = new Error('safe state refused');
  inner.safeState = () => Promise.reject(broken);
  await assert.rejects(bench.sampler.sampleAndRead(), /timeout/);
  assert.equal(bench.fault?.safeStateError, broken);
  await assert.rejects(bench.safeState(), (e) => e === broken, 'safeState() reports the failure');
});

test('a safe state that hangs is reported after safeStateTimeout_s and latches a fault', async () => {
  const { inner, bench } = guarded({}, { safeStateTimeout_s: 0.05 });
  inner.safeState = () => new Promise<void>(() => undefined);
  await assert.rejects(bench.safeState(), SafeStateTimeoutError);
  assert.equal(bench.fault?.operation, 'safeState');
});

test('the watchdog: a step that makes no capability call for watchdog_s is stalled, the bench goes safe', async () => {
  const { inner, bench } = guarded({}, { watchdog_s: 0.05 });
  let aborted: unknown;
  const step = bench.runStep(async (signal) => {
    await bench.inputs.setVoltages(Float64Array.of(0.5, 0, 0, 0));
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
    aborted = signal.reason;
    return 'finished';
  });
  await assert.rejects(step, StalledStepError);
  assert.ok(aborted instanceof StalledStepError, 'the step was told through its AbortSignal');
  assert.equal(inner.calls.at(-1)?.op, 'safeState');
  assert.deepEqual(Array.from(inner.lines), [0, 0, 0, 0]);
  assert.equal(bench.fault?.operation, 'watchdog');
  await assert.rejects(bench.inputs.setVoltages(Float64Array.of(0.1, 0, 0, 0)), BenchFaultedError);
});

test('the watchdog catches an instrument call that never returns', async () => {
  const { inner, bench } = guarded({}, { watchdog_s: 0.05 });
  inner.hanging = 'sampleAndRead';
  await assert.rejects(
    bench.runStep(() => bench.sampler.sampleAndRead()),
    /step stalled: no capability call for 0\.05 s/,
  );
  assert.deepEqual(
    inner.calls.map((c) => c.op),
    ['sampleAndRead', 'safeState'],
  );
  assert.equal(bench.fault?.operation, 'watchdog');
});

test('a supervised step that completes returns its value; steps do not overlap', async () => {
  const { bench } = guarded();
  const first = bench.runStep(async () => {
    await bench.sampler.sampleAndRead();
    return 42;
  });
  await assert.rejects(
    bench.runStep(async () => 0),
    /already running/,
  );
  assert.equal(await first, 42);
  assert.equal(await bench.runStep(async () => 'again'), 'again');
  assert.equal(bench.fault, undefined);
});

test('a malformed request is refused as the caller’s error, not latched as an instrument fault', async () => {
  const { inner, bench } = guarded();
  await assert.rejects(
    bench.reader.readConductances(1, 0.1),
    /reader\.array: 1 is not one of the bench's arrays 0\.\.0/,
  );
  await assert.rejects(bench.sampler.sampleAndRead({ delay_s: -1 }), /sampler\.delay_s/);
  await assert.rejects(bench.sampler.sampleAndRead({ averages: 0.5 }), /sampler\.averages/);
  await assert.rejects(bench.timebase.wait(Number.POSITIVE_INFINITY), /timebase\.wait/);
  await assert.rejects(bench.inputs.setVoltages(new Float64Array(3)), /inputs: 3 levels for 4 channels/);
  assert.deepEqual(inner.calls, []);
  assert.equal(bench.fault, undefined);
});
