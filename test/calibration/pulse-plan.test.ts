// A pulse-response plan is checked whole against the bench limits before anything is sent: the
// SET and RESET amplitude and width and the read voltage (LimitError naming the option), the
// counts (RangeError); and the daemon's calibrate job refuses such a plan at submit time, naming
// the parameter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimBoard } from '../../sim/board/index.ts';
import { checkPulsePlan } from '../../calibration/index.ts';
import { LimitError } from '../../src/capabilities/index.ts';
import type { DaemonBench } from '../../src/daemon/bench.ts';
import { makeCalibrateKind } from '../../src/daemon/jobs/calibrate.ts';
import { interlocked, testLimits } from './helpers.ts';
import { pulse } from './fixtures.ts';

const limited = (options: Parameters<typeof checkPulsePlan>[0]) => {
  try {
    checkPulsePlan(options, testLimits);
  } catch (error) {
    assert.ok(error instanceof LimitError, String(error));
    return error.field;
  }
  return null;
};

test('every amplitude, width and read voltage of the plan is checked', () => {
  assert.equal(limited({ set: pulse, reset: pulse }), null);
  assert.equal(limited({ set: pulse, reset: { amplitude_V: -1.6, width_s: 1e-7 } }), 'reset.amplitude_V');
  assert.equal(limited({ set: { amplitude_V: 1, width_s: 1e-5 }, reset: pulse }), 'set.width_s');
  assert.equal(limited({ set: pulse, reset: { amplitude_V: 1, width_s: 1e-9 } }), 'reset.width_s');
  assert.equal(limited({ set: pulse, reset: pulse, readVoltage_V: 0.3 }), 'readVoltage_V');
  assert.throws(
    () => checkPulsePlan({ set: pulse, reset: pulse, cycles: 1.5 }),
    /cycles: must be an integer/,
  );
  assert.throws(
    () => checkPulsePlan({ set: pulse, reset: pulse, preconditionPulses: -1 }),
    /preconditionPulses: must be an integer >= 0/,
  );
});

test('the calibrate job refuses an over-limit plan at submit time, naming the parameter', () => {
  const { bench } = interlocked(new SimBoard({ network: { inputs: 2, outputs: 1 }, seed: 1 }));
  const daemonBench = { name: 'limited', capabilities: bench } as unknown as DaemonBench;
  const kind = makeCalibrateKind();
  assert.throws(
    () =>
      kind.check?.(
        { procedure: 'pulse-response', set: { amplitude_V: 2, width_s: 1e-7 }, reset: pulse },
        daemonBench,
      ),
    /params\.set\.amplitude_V: set\.amplitude_V=2 is outside the configured limit \[-1\.5, 1\.5\]/,
  );
  assert.doesNotThrow(() =>
    kind.check?.({ procedure: 'pulse-response', set: pulse, reset: pulse }, daemonBench),
  );
});
