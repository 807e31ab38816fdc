import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inputLineVoltages, layoutNetwork } from '../../src/network/description.ts';
import {
  GradientAccumulator,
  addCenteredEstimate,
  addOneSidedEstimate,
  deviceVoltageDrops,
} from '../../src/training/estimators.ts';
import { createLoss, nudgingCurrents } from '../../src/training/losses.ts';
import { Rng } from '../../src/util/random.ts';
import { SimBoard } from '../../sim/board/index.ts';
import { LinearBench } from './linear-bench.ts';

const squared = { kind: 'squared-error' as const, target: { on_V: 1, off_V: 0 } };

describe('device voltage drops', () => {
  test('each device sees its row line minus its column node; hidden rows carry the amplifier gain', () => {
    const layout = layoutNetwork({ inputs: 2, hidden: [3], outputs: 1, amplifier: { gain: 4 } });
    const lines = Float64Array.of(0.1, 0.2, -0.1, -0.2);
    const nodes = Float64Array.of(0.01, 0.02, 0.03, 0.5, 0.7); // h1..h3, Y+, Y−
    const d = deviceVoltageDrops(layout, lines, nodes);
    // array 0: device (r, c) at r·3 + c; array 1 (3 rows × 2 cols) starts at 12.
    assert.ok(Math.abs(d[1 * 3 + 2] - (0.2 - 0.03)) < 1e-15);
    assert.ok(Math.abs(d[12 + 2 * 2 + 1] - (4 * 0.03 - 0.7)) < 1e-15);
  });

  test("agree with the simulated circuit's own drops over a random state", () => {
    const board = new SimBoard({
      network: { inputs: 3, hidden: [5, 4], outputs: 2, amplifier: { gain: 3 } },
    });
    const rng = new Rng(3);
    const lines = inputLineVoltages(board.layout, [0.2, -0.3, 0.1]);
    const nodes = Float64Array.from({ length: board.layout.floatingNodes }, () => rng.range(-0.5, 0.5));
    const mine = deviceVoltageDrops(board.layout, lines, nodes);
    const theirs = board.circuit.deviceVoltageDrops(lines, nodes);
    assert.deepEqual([...mine], [...theirs]);
  });
});

describe('estimators', () => {
  test('one-sided is ((ΔV^β)² − (ΔV^0)²)/(2β) and centered is ((ΔV^β)² − (ΔV^−β)²)/(4β)', () => {
    const free = Float64Array.of(0.1, -0.2, 0.3);
    const nudged = Float64Array.of(0.12, -0.19, 0.3);
    const minus = Float64Array.of(0.08, -0.21, 0.29);
    const beta = 1e-6;
    const one = new Float64Array(3);
    addOneSidedEstimate(free, nudged, beta, one);
    const centered = new Float64Array(3);
    addCenteredEstimate(nudged, minus, beta, centered);
    for (let i = 0; i < 3; i++) {
      assert.ok(Math.abs(one[i] - (nudged[i] ** 2 - free[i] ** 2) / (2 * beta)) < 1e-6);
      assert.ok(Math.abs(centered[i] - (nudged[i] ** 2 - minus[i] ** 2) / (4 * beta)) < 1e-6);
    }
  });

  test('a negative β flips the one-sided quotient (the random-sign estimator)', () => {
    const free = Float64Array.of(0.1);
    const nudged = Float64Array.of(0.09);
    const est = new Float64Array(1);
    addOneSidedEstimate(free, nudged, -1e-6, est);
    assert.ok(Math.abs(est[0] - (0.09 ** 2 - 0.1 ** 2) / -2e-6) < 1e-6);
    assert.ok(est[0] > 0);
  });

  test('the accumulator averages over the mini-batch and resets', () => {
    const acc = new GradientAccumulator(2);
    const zero = new Float64Array(2);
    acc.addOneSided(zero, Float64Array.of(1, 2), 0.5); // (1, 4)
    acc.addOneSided(zero, Float64Array.of(3, 0), 0.5); // (9, 0)
    assert.deepEqual([...acc.mean()], [5, 2]);
    acc.reset();
    assert.equal(acc.count, 0);
    assert.throws(() => acc.mean(), /no samples/);
  });

  test('on a linear resistive network the centered estimate is the exact gradient (finite differences of L)', async () => {
    const layout = layoutNetwork({ inputs: 2, hidden: [3], outputs: 2 });
    const rng = new Rng(11);
    const g = Float64Array.from({ length: layout.totalDevices }, () => rng.range(1e-5, 1e-4));
    const bench = new LinearBench(layout, g);
    const loss = createLoss(layout, squared);
    const label = 1;
    const out = (v: Float64Array) => v.subarray(layout.outputOffset);
    const lossAt = (gs: Float64Array) => loss.cost(out(bench.solve(gs)), label);
    bench.inputs_V.set(inputLineVoltages(layout, [0.4, -0.3]));
    const free = bench.solve();
    const beta = 1e-5;
    const i = nudgingCurrents(loss, out(free), label, beta);
    bench.nudge_A.set(i);
    const plus = bench.solve();
    bench.nudge_A.set(i.map((v) => -v));
    const minus = bench.solve();
    bench.nudge_A.fill(0);
    const est = new Float64Array(layout.totalDevices);
    addCenteredEstimate(
      deviceVoltageDrops(layout, bench.inputs_V, plus),
      deviceVoltageDrops(layout, bench.inputs_V, minus),
      beta,
      est,
    );
    for (let d = 0; d < layout.totalDevices; d++) {
      const h = 1e-9;
      const up = Float64Array.from(g);
      const down = Float64Array.from(g);
      up[d] += h;
      down[d] -= h;
      const numeric = (lossAt(up) - lossAt(down)) / (2 * h);
      assert.ok(
        Math.abs(est[d] - numeric) < 1e-4 * Math.abs(numeric) + 1e-3,
        `device ${d}: ${est[d]} vs ${numeric}`,
      );
    }
  });

  test('on the simulated diode network with amplifiers, the centered estimate points along the exact gradient', async () => {
    const board = new SimBoard({
      network: { inputs: 3, hidden: [6], outputs: 2, amplifier: { gain: 2 } },
      chain: {
        amplifier: { offsetRms_V: 0, gainErrorRms: 0 },
        sampleAndHold: { pedestal_V: 0, pedestalSpread_V: 0, droopRate_V_per_s: 0, droopSpread_V_per_s: 0 },
        adc: { bits: 32, noiseRms_V: 0 },
      },
      dac: { bits: 32 },
      seed: 5,
    });
    const { layout } = board;
    const loss = createLoss(layout, squared);
    const lines = inputLineVoltages(layout, [0.8, -0.6, 0.7]);
    await board.inputs.setVoltages(lines);
    const free = await board.sampler.sampleAndRead({ delay_s: 1e-3 });
    const out = free.subarray(layout.outputOffset);
    const beta = 1e-6;
    const i = nudgingCurrents(loss, out, 0, beta);
    await board.nudge.setCurrents(i);
    const plus = await board.sampler.sampleAndRead({ delay_s: 1e-3 });
    await board.nudge.setCurrents(i.map((v) => -v));
    const minus = await board.sampler.sampleAndRead({ delay_s: 1e-3 });
    const est = new Float64Array(layout.totalDevices);
    addCenteredEstimate(
      deviceVoltageDrops(layout, lines, plus),
      deviceVoltageDrops(layout, lines, minus),
      beta,
      est,
    );
    const dLdv = new Float64Array(layout.floatingNodes);
    dLdv.set(loss.gradient(out, 0), layout.outputOffset);
    const exact = board.circuit.exactGradient(lines, free, dLdv);
    let dot = 0;
    let ne = 0;
    let nx = 0;
    for (let d = 0; d < est.length; d++) {
      dot += est[d] * exact[d];
      ne += est[d] ** 2;
      nx += exact[d] ** 2;
    }
    assert.ok(nx > 0);
    assert.ok(dot / Math.sqrt(ne * nx) > 0.999, `cosine ${dot / Math.sqrt(ne * nx)}`);
  });
});
