import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IdealConductanceAccess } from '../../src/capabilities/index.ts';
import { layoutNetwork } from '../../src/network/description.ts';
import { applyIdealUpdate } from '../../src/training/ideal-update.ts';
import { planSignSgdPulses, pulseBatches } from '../../src/training/sign-sgd.ts';
import type { SignSgdConfig } from '../../src/training/sign-sgd.ts';
import { DeviceMap } from '../../src/training/weight-mapping.ts';
import { referenceIdealStep } from './ideal-step.ts';

// 1 input (doubled: 2 lines) → 2 outputs single-ended: array 0 is 2×2, devices 0..3.
const layout = layoutNetwork({ inputs: 1, outputs: 2, differentialOutputs: false });
const map = DeviceMap.create(layout, layout.arrays);
const base: SignSgdConfig = {
  set: { amplitude_V: 1.1, width_s: 50e-9 },
  reset: { amplitude_V: 1.3, width_s: 80e-9 },
  deadBand: 0.5,
  count: { policy: 'one' },
};

describe('sign-SGD pulse plan', () => {
  test('a negative estimate raises g (SET), a positive one lowers it (RESET), each with its own shape', () => {
    const plan = planSignSgdPulses(Float64Array.of(-2, 3, 0, -1), map, base);
    assert.deepEqual(
      plan.pulses.map((p) => [p.row, p.col, p.polarity, p.amplitude_V, p.width_s, p.count]),
      [
        [0, 0, 'set', 1.1, 50e-9, 1],
        [0, 1, 'reset', 1.3, 80e-9, 1],
        [1, 1, 'set', 1.1, 50e-9, 1],
      ],
    );
    assert.equal(plan.setPulses, 2);
    assert.equal(plan.resetPulses, 1);
    assert.equal(plan.idleDevices, 1);
  });

  test('estimates inside the dead band send no pulse, whatever their sign', () => {
    const plan = planSignSgdPulses(Float64Array.of(0.5, -0.5, 0.49, -0.51), map, base);
    assert.deepEqual(
      plan.pulses.map((p) => [p.row, p.col]),
      [[1, 1]],
    );
    assert.equal(plan.idleDevices, 3);
  });

  test('quantized counts round |estimate| / estimatePerPulse, at least one, capped', () => {
    const config: SignSgdConfig = {
      ...base,
      count: { policy: 'quantized', estimatePerPulse: 2, maxCount: 4 },
    };
    const plan = planSignSgdPulses(Float64Array.of(0.6, -5, 100, -3.2), map, config);
    assert.deepEqual(
      plan.pulses.map((p) => p.count),
      [1, 3, 4, 2],
    );
    assert.equal(plan.setPulses, 5);
    assert.equal(plan.resetPulses, 5);
  });

  test('per-layer scales multiply the estimate before the dead band', () => {
    const two = layoutNetwork({
      inputs: 1,
      hidden: [1],
      outputs: 1,
      doubledInputs: false,
      differentialOutputs: false,
    });
    const m = DeviceMap.create(two, two.arrays);
    const plan = planSignSgdPulses(Float64Array.of(1, 1), m, { ...base, layerScale: [0.1, 10] });
    assert.deepEqual(
      plan.pulses.map((p) => p.array),
      [1],
    );
    assert.throws(
      () => planSignSgdPulses(Float64Array.of(1, 1), m, { ...base, layerScale: [1] }),
      /layerScale has 1 entries/,
    );
  });

  test('a non-finite estimate is refused, naming the device', () => {
    assert.throws(
      () => planSignSgdPulses(Float64Array.of(0, Number.NaN, 0, 0), map, base),
      /gradient\[1\] is NaN/,
    );
  });

  test('batches split the plan in order', () => {
    const plan = planSignSgdPulses(Float64Array.of(-2, -2, -2, -2), map, base);
    const batches = pulseBatches(plan.pulses, 3);
    assert.deepEqual(
      batches.map((b) => b.length),
      [3, 1],
    );
    assert.deepEqual(batches.flat(), plan.pulses);
  });
});

describe('ideal update', () => {
  function access(g: Float64Array): IdealConductanceAccess & { g: Float64Array } {
    return {
      kind: 'ideal-conductance-access',
      g,
      read: () => Float64Array.from(g),
      write: (v) => g.set(v),
      step: (gradient, eta, range, momentum) =>
        referenceIdealStep(g, layout, gradient, eta, range, undefined, momentum),
    };
  }

  test('applies Δg = −η ∇̂ and clips to the conductance range', () => {
    const a = access(Float64Array.of(5e-5, 5e-5, 2e-6, 9.9e-5));
    const r = applyIdealUpdate(
      a,
      layout,
      { kind: 'dense', values: Float64Array.of(1e4, -2e4, 1e4, -1e4) },
      1e-9,
    );
    const expected = [5e-5 - 1e-5, 5e-5 + 2e-5, 1e-6, 1e-4];
    a.g.forEach((g, i) => assert.ok(Math.abs(g - expected[i]) < 1e-18, `device ${i}: ${g}`));
    assert.equal(r.clipped, 2);
    assert.ok(Math.abs(r.meanAbsChange_S - (1e-5 + 2e-5 + 1e-6 + 1e-6) / 4) < 1e-18);
  });
});
