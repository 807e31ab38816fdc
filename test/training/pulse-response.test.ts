// The 'response' pulse-count policy: the trainer's device-response model, pulse counts sized from
// it, stochastic rounding, and the model against the simulated devices it stands for.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { layoutNetwork } from '../../src/network/description.ts';
import { afterPulses, expectedStep } from '../../src/training/pulse-response.ts';
import type { PulseResponseModel } from '../../src/training/pulse-response.ts';
import { planSignSgdPulses } from '../../src/training/sign-sgd.ts';
import type { SignSgdConfig } from '../../src/training/sign-sgd.ts';
import { parseTrainingConfig } from '../../src/training/config.ts';
import { DeviceMap } from '../../src/training/weight-mapping.ts';
import { Rng } from '../../src/util/random.ts';
import { Trainer } from '../../src/training/trainer.ts';
import { SimBoard } from '../../sim/board/index.ts';

const softBounds: PulseResponseModel = {
  family: 'soft-bounds',
  gammaUp: 1,
  gammaDown: 1,
  stepUp_S: 2e-6,
  stepDown_S: 1.5e-6,
  gMin_S: 1e-6,
  gMax_S: 101e-6,
};
const at = (x: number) => 1e-6 + x * 100e-6;

describe('pulse-response model', () => {
  test('one pulse: constant, soft-bounds and pow-step shapes, zero at the bound it drives to', () => {
    assert.equal(expectedStep({ ...softBounds, family: 'constant-step' }, at(0.9), 'set'), 2e-6);
    assert.ok(Math.abs(expectedStep(softBounds, at(0.25), 'set') - 2e-6 * 0.75) < 1e-18);
    assert.ok(Math.abs(expectedStep(softBounds, at(0.25), 'reset') + 1.5e-6 * 0.25) < 1e-18);
    const pow = { ...softBounds, family: 'pow-step' as const, gammaUp: 2, gammaDown: 3 };
    assert.ok(Math.abs(expectedStep(pow, at(0.5), 'set') - 2e-6 * 0.25) < 1e-18);
    assert.ok(Math.abs(expectedStep(pow, at(0.5), 'reset') + 1.5e-6 * 0.125) < 1e-18);
    assert.equal(expectedStep(softBounds, at(1), 'set'), 0);
    assert.equal(Math.abs(expectedStep(softBounds, at(0), 'reset')), 0);
  });

  test('n soft-bounds pulses close the distance to the bound geometrically; counts clip at the bounds', () => {
    const a = softBounds.stepUp_S / 100e-6;
    const x0 = 0.3;
    const g = afterPulses(softBounds, at(x0), 7);
    assert.ok(Math.abs((g - 1e-6) / 100e-6 - (1 - (1 - x0) * (1 - a) ** 7)) < 1e-12);
    const linear = { ...softBounds, family: 'constant-step' as const };
    assert.equal(afterPulses(linear, at(0.99), 3), softBounds.gMax_S);
    assert.equal(afterPulses(linear, at(0.01), -3), softBounds.gMin_S);
  });

  test('the model follows the simulated soft-bounds devices it stands for, pulse for pulse', async () => {
    const board = new SimBoard({
      network: { inputs: 2, outputs: 1, differentialOutputs: false },
      devices: { preset: 'ideal-soft-bounds', stepDown_S: 1.5e-6 },
      seed: 3,
    });
    const model: PulseResponseModel = { ...softBounds, gMin_S: 1e-6, gMax_S: 1e-4 };
    const g = board.devices.g_S;
    const before = Float64Array.from(g);
    const counts = [5, -4, 12, -9];
    await board.programmer.applyPulses(
      counts.map((n, row) => ({
        array: 0,
        row,
        col: 0,
        polarity: n > 0 ? ('set' as const) : ('reset' as const),
        amplitude_V: 1.2,
        width_s: 100e-9,
        count: Math.abs(n),
      })),
    );
    counts.forEach((n, i) => {
      const predicted = afterPulses(model, before[i], n);
      assert.ok(Math.abs(g[i] - predicted) < 1e-15, `device ${i}: ${g[i]} vs ${predicted}`);
      assert.notEqual(g[i], before[i]);
    });
  });
});

// 1 input (doubled: 2 lines) → 2 outputs single-ended: array 0 is 2×2, devices 0..3.
const layout = layoutNetwork({ inputs: 1, outputs: 2, differentialOutputs: false });
const map = DeviceMap.create(layout, layout.arrays);
const shapes = { set: { amplitude_V: 1.2, width_s: 1e-7 }, reset: { amplitude_V: 1.2, width_s: 1e-7 } };

describe("count policy 'response'", () => {
  test('counts are η·|estimate| over the expected step at each device’s conductance', () => {
    const config: SignSgdConfig = {
      ...shapes,
      deadBand: 0,
      count: { policy: 'response', maxCount: 50, rounding: 'nearest' },
      response: {
        g_S: Float64Array.of(at(0.5), at(0.5), at(0.9), at(0.2)),
        learningRate: 1e-6,
        model: softBounds,
      },
    };
    // Δg targets 10, 10, 2, 3 µS; steps 1 µS (set at 0.5), 0.75 µS (reset at 0.5),
    // 0.2 µS (set at 0.9), 0.3 µS (reset at 0.2).
    const plan = planSignSgdPulses(Float64Array.of(-10, 10, -2, 3), map, config);
    assert.deepEqual(
      plan.pulses.map((p) => [p.polarity, p.count]),
      [
        ['set', 10],
        ['reset', 13],
        ['set', 10],
        ['reset', 10],
      ],
    );
  });

  test('the cap holds, and a device at the bound it is driven to gets the cap', () => {
    const config: SignSgdConfig = {
      ...shapes,
      deadBand: 0,
      count: { policy: 'response', maxCount: 7, rounding: 'nearest' },
      response: {
        g_S: Float64Array.of(at(1), at(0.5), at(0.5), at(0)),
        learningRate: 1e-6,
        model: softBounds,
      },
    };
    const plan = planSignSgdPulses(Float64Array.of(-1, -1000, -0.1, 0.01), map, config);
    assert.deepEqual(
      plan.pulses.map((p) => p.count),
      [7, 7, 1, 7],
    );
  });

  test('stochastic rounding is unbiased: the mean count is the exact quotient', () => {
    const wide = layoutNetwork({ inputs: 2000, outputs: 1, differentialOutputs: false });
    const m = DeviceMap.create(wide, wide.arrays);
    const n = wide.totalDevices;
    const g = new Float64Array(n).fill(at(0.5));
    const config: SignSgdConfig = {
      ...shapes,
      deadBand: 0,
      count: { policy: 'response', maxCount: 100 },
      rng: new Rng(11),
      response: { g_S: g, learningRate: 1e-6, model: softBounds },
    };
    // Δg = 2.3 µS over a 1 µS step: 2 or 3 pulses, 3 with probability 0.3.
    const plan = planSignSgdPulses(new Float64Array(n).fill(-2.3), m, config);
    const counts = plan.pulses.map((p) => p.count);
    assert.ok(counts.every((c) => c === 2 || c === 3));
    const mean = counts.reduce((a, b) => a + b, 0) / n;
    assert.ok(Math.abs(mean - 2.3) < 0.03, `mean count ${mean}`);
  });

  test('without the conductances or a generator the plan is refused', () => {
    const count = { policy: 'response' as const, maxCount: 10 };
    assert.throws(
      () => planSignSgdPulses(Float64Array.of(1, 1, 1, 1), map, { ...shapes, deadBand: 0, count }),
      /needs the conductances of all 4 devices/,
    );
    const response = { g_S: new Float64Array(4).fill(at(0.5)), learningRate: 1e-6, model: softBounds };
    assert.throws(
      () => planSignSgdPulses(Float64Array.of(1, 1, 1, 1), map, { ...shapes, deadBand: 0, count, response }),
      /needs a random generator/,
    );
  });

  test('the configuration names a missing or bad field', () => {
    assert.throws(
      () => parseTrainingConfig({ pulses: { count: { policy: 'response', stepUp_S: 1e-6 } as never } }),
      /pulses\.count\.stepDown_S/,
    );
    assert.throws(
      () =>
        parseTrainingConfig({
          pulses: { count: { policy: 'response', stepUp_S: 1e-6, stepDown_S: 1e-6, readEvery: 0 } },
        }),
      /pulses\.count\.readEvery must be >= 1/,
    );
    const ok = parseTrainingConfig({
      pulses: { count: { policy: 'response', stepUp_S: 1e-6, stepDown_S: 1e-6 } },
    });
    assert.deepEqual(ok.pulses.count, {
      policy: 'response',
      family: 'soft-bounds',
      gammaUp: 1,
      gammaDown: 1,
      stepUp_S: 1e-6,
      stepDown_S: 1e-6,
      readEvery: 1,
      maxCount: 100,
      rounding: 'stochastic',
    });
  });
});

describe("the bench's pulse-count limit", () => {
  test('a count policy whose cap is above the limit is refused before anything runs', () => {
    const network = { inputs: 2, hidden: [2], outputs: 1 };
    const board = new SimBoard({ network, seed: 0, limits: { pulseCount: { min: 1, max: 20 } } });
    assert.equal(board.programmer.maxCount, 20);
    const response = { policy: 'response', stepUp_S: 1e-6, stepDown_S: 1e-6 } as const;
    assert.throws(
      () => new Trainer(board, board.layout, { mode: 'pulses', pulses: { count: response } }),
      /pulses\.count\.maxCount: 100 is above the bench's limit of 20 pulses per device and request/,
    );
    assert.throws(
      () =>
        new Trainer(board, board.layout, {
          mode: 'pulses',
          pulses: { count: { policy: 'quantized', estimatePerPulse: 1, maxCount: 21 } },
        }),
      /pulses\.count\.maxCount: 21 is above/,
    );
    const trainer = new Trainer(board, board.layout, {
      mode: 'pulses',
      pulses: { count: { ...response, maxCount: 20 } },
    });
    const count = trainer.config.pulses.count;
    assert.ok(count.policy === 'response' && count.maxCount === 20);
    // One pulse per device needs no cap.
    assert.ok(new Trainer(board, board.layout, { mode: 'pulses' }));
  });
});

describe('learning-rate factor in the pulses mode', () => {
  test('the epoch factor scales every estimate before the dead band and the count', () => {
    const config: SignSgdConfig = {
      ...shapes,
      deadBand: 1,
      count: { policy: 'quantized', estimatePerPulse: 1, maxCount: 10 },
    };
    const estimate = Float64Array.of(-4, 1.5, 8, -2.5);
    const full = planSignSgdPulses(estimate, map, config);
    const half = planSignSgdPulses(estimate, map, { ...config, rateFactor: 0.5 });
    assert.deepEqual(
      full.pulses.map((p) => p.count),
      [4, 2, 8, 3],
    );
    // Halved: 2, 0.75 (in the dead band), 4, 1.25 → 1.
    assert.deepEqual(
      half.pulses.map((p) => [p.row, p.col, p.count]),
      [
        [0, 0, 2],
        [1, 0, 4],
        [1, 1, 1],
      ],
    );
  });
});
