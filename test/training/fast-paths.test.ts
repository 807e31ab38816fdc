// The pipeline's allocation-free paths agree with the plain ones: the fused estimate from node
// voltages, the accumulator's first write after a reset, the compact pulse plan and its batches,
// the ideal step in place, and the ideal mode's drop pairs.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IdealConductanceAccess } from '../../src/capabilities/index.ts';
import { layoutNetwork } from '../../src/network/description.ts';
import { Rng } from '../../src/util/random.ts';
import {
  GradientAccumulator,
  addCenteredEstimate,
  addOneSidedEstimate,
  addSquaredDropDifference,
  deviceVoltageDrops,
} from '../../src/training/estimators.ts';
import { DropBatch } from '../../src/training/drop-batch.ts';
import { applyIdealUpdate } from '../../src/training/ideal-update.ts';
import { planSignSgdPulses, pulseBatches, pulsePlanStorage } from '../../src/training/sign-sgd.ts';
import type { SignSgdConfig } from '../../src/training/sign-sgd.ts';
import { DeviceMap } from '../../src/training/weight-mapping.ts';
import { denseGradient, referenceIdealStep } from './ideal-step.ts';

const layout = layoutNetwork({ inputs: 3, hidden: [4, 2], outputs: 2, amplifier: { gain: 2 } });
const rng = new Rng(21);
const vector = (n: number, scale: number) => Float64Array.from({ length: n }, () => rng.range(-scale, scale));
const lines = vector(layout.inputLines, 2);
const [free, plus, minus] = [0, 1, 2].map(() => vector(layout.floatingNodes, 1));

function close(a: Float64Array, b: Float64Array, rel: number): void {
  assert.equal(a.length, b.length);
  let scale = 0;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < a.length; i++)
    assert.ok(Math.abs(a[i] - b[i]) <= rel * scale, `${i}: ${a[i]} vs ${b[i]}`);
}

describe('fused estimate from node voltages', () => {
  const beta = 1e-5;
  const drops = (v: Float64Array) => deviceVoltageDrops(layout, lines, v);

  test('centered (Eq. 2.10) and one-sided (Eq. 4.13) equal the estimates from the drops', () => {
    const centered = new Float64Array(layout.totalDevices);
    addCenteredEstimate(drops(plus), drops(minus), beta, centered);
    const fused = new Float64Array(layout.totalDevices).fill(7); // overwritten: assign
    addSquaredDropDifference(layout, lines, plus, minus, 1 / (4 * beta), fused, true);
    close(fused, centered, 1e-12);

    const oneSided = new Float64Array(layout.totalDevices);
    addOneSidedEstimate(drops(free), drops(plus), -beta, oneSided);
    const acc = new GradientAccumulator(layout.totalDevices);
    acc.addOneSidedFromNodes(layout, lines, free, plus, -beta);
    close(acc.mean(), oneSided, 1e-12);
  });

  test('the accumulator writes its first estimate after a reset and averages the rest', () => {
    const acc = new GradientAccumulator(layout.totalDevices);
    acc.addCenteredFromNodes(layout, lines, free, minus, beta); // a previous mini-batch
    acc.reset();
    acc.addCenteredFromNodes(layout, lines, plus, minus, beta);
    acc.addCenteredFromNodes(layout, lines, minus, plus, beta); // the negation: mean 0
    assert.equal(acc.count, 2);
    assert.ok(acc.mean().every((v) => Math.abs(v) < 1e-9));
    acc.reset();
    assert.ok(acc.sum.every((v) => v === 0));
    assert.throws(
      () => acc.addCenteredFromNodes(layout, lines, plus.subarray(1), minus, beta),
      /nodesA_V has 9 values/,
    );
  });
});

describe('compact pulse plan', () => {
  const map = DeviceMap.create(layout, layout.arrays);
  const config: SignSgdConfig = {
    set: { amplitude_V: 1.1, width_s: 50e-9 },
    reset: { amplitude_V: 1.3, width_s: 80e-9 },
    deadBand: 0.2,
    count: { policy: 'quantized', estimatePerPulse: 0.5, maxCount: 3 },
  };

  test('batches are the plan in order, made on demand; storage is reused', () => {
    const gradient = vector(layout.totalDevices, 2);
    const plan = planSignSgdPulses(gradient, map, config);
    const all = plan.pulses;
    assert.equal(all.length, plan.length);
    assert.equal(all.length + plan.idleDevices, layout.totalDevices);
    assert.equal(plan.batchCount(7), Math.ceil(all.length / 7));
    const batches = Array.from({ length: plan.batchCount(7) }, (_, i) => plan.batch(i, 7));
    assert.deepEqual(batches, pulseBatches(all, 7));
    assert.throws(() => plan.batch(0, 0), /maxPulsesPerCall/);

    const storage = pulsePlanStorage(layout);
    const again = planSignSgdPulses(gradient, map, config, storage);
    assert.equal(again.device, storage.device);
    assert.deepEqual(again.pulses, all);
    assert.equal(
      again.setPulses + again.resetPulses,
      all.reduce((n, p) => n + (p.count ?? 1), 0),
    );
    assert.throws(
      () =>
        planSignSgdPulses(gradient, map, config, {
          device: new Int32Array(3),
          signedCount: new Int32Array(3),
        }),
      /storage holds 3 entries/,
    );
  });
});

describe('ideal step in place', () => {
  test('asks the bench for one step with η per array and the conductance range', () => {
    const g = Float64Array.from({ length: layout.totalDevices }, () => rng.range(2e-6, 9e-5));
    const calls: { eta: readonly number[]; range: { min_S: number; max_S: number }; momentum: number }[] = [];
    const fail = (): never => assert.fail('the ideal update reads and writes nothing');
    const ideal: IdealConductanceAccess = {
      kind: 'ideal-conductance-access',
      read: fail,
      write: fail,
      step: (gradient, eta, range, momentum) => {
        calls.push({ eta, range, momentum });
        return referenceIdealStep(g, layout, gradient, eta, range, undefined, momentum);
      },
    };
    const before = g.slice();
    const gradient = vector(layout.totalDevices, 1e3);
    const r = applyIdealUpdate(ideal, layout, { kind: 'dense', values: gradient }, 1e-9, [1, 0.5, 2]);
    assert.deepEqual(calls, [{ eta: [1e-9, 0.5e-9, 2e-9], range: layout.desc.conductance, momentum: 0 }]);
    const { min_S, max_S } = layout.desc.conductance;
    g.forEach((v, d) => {
      const l = layout.deviceOffsets.findLastIndex((o) => o <= d);
      const eta = [1e-9, 0.5e-9, 2e-9][l];
      assert.equal(v, Math.min(max_S, Math.max(min_S, before[d] - eta * gradient[d])));
    });
    assert.ok(r.meanAbsChange_S > 0);
    assert.throws(
      () => applyIdealUpdate(ideal, layout, { kind: 'dense', values: new Float64Array(2) }, 1e-9),
      /gradient has 2 entries, the network has \d+ devices/,
    );
  });
});

describe("the ideal mode's drop pairs", () => {
  test("their mean is the accumulator's mean estimate, centered and one-sided", () => {
    const drops = new DropBatch(layout);
    const acc = new GradientAccumulator(layout.totalDevices);
    for (const round of [0, 1]) {
      drops.reset();
      acc.reset();
      for (let s = 0; s < 3; s++) {
        const x = vector(layout.inputLines, 2);
        const [a, b] = [vector(layout.floatingNodes, 1), vector(layout.floatingNodes, 1)];
        if (round === 0) {
          drops.addCenteredFromNodes(x, a, b, 2e-5);
          acc.addCenteredFromNodes(layout, x, a, b, 2e-5);
        } else {
          drops.addOneSidedFromNodes(x, a, b, -3e-5);
          acc.addOneSidedFromNodes(layout, x, a, b, -3e-5);
        }
      }
      assert.equal(drops.count, 3);
      close(denseGradient(layout, drops.mean()), acc.mean(), 1e-12);
    }
    drops.reset();
    assert.throws(() => drops.mean(), /no samples/);
  });
});
