// The ideal mode hands its mini-batch estimate to the bench as voltage-drop pairs: for every
// estimator the bench receives exactly the accumulator's mean estimate from the states the step
// measured (thesis Eq. 2.10 centered, Eq. 4.13 one-sided and with a random sign of β).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { lastValueFrom, toArray } from 'rxjs';
import type { IdealGradient } from '../../src/capabilities/index.ts';
import { inputLineVoltages, layoutNetwork } from '../../src/network/description.ts';
import { GradientAccumulator } from '../../src/training/estimators.ts';
import { Trainer, randomConductances } from '../../src/training/index.ts';
import type { TrainingEvent } from '../../src/training/index.ts';
import { Rng } from '../../src/util/random.ts';
import { denseGradient } from './ideal-step.ts';
import { LinearBench } from './linear-bench.ts';

const layout = layoutNetwork({ inputs: 2, hidden: [3], outputs: 2 });
const batch = {
  x: [Float64Array.of(0.4, -0.2), Float64Array.of(-0.5, 0.3), Float64Array.of(0.1, 0.6)],
  y: [0, 1, 1],
};

describe('ideal mode estimate as voltage-drop pairs', () => {
  for (const estimator of ['centered', 'one-sided', 'random-sign'] as const) {
    test(`${estimator}: the bench steps by the accumulator's mean estimate`, async () => {
      const bench = new LinearBench(layout, randomConductances(layout, new Rng(2)));
      const received: IdealGradient[] = [];
      const step = bench.ideal.step;
      bench.ideal.step = (gradient, eta, range, momentum) => {
        received.push(gradient);
        return step(gradient, eta, range, momentum);
      };
      const trainer = new Trainer(bench, layout, {
        mode: 'ideal',
        estimator,
        settle: { kind: 'fixed', time_s: 1e-6 },
        beta_S: 1e-6,
        seed: 5,
      });
      const events: TrainingEvent[] = await lastValueFrom(trainer.step$(batch).pipe(toArray()));

      // The reference: the per-device accumulator over the states the events report.
      const acc = new GradientAccumulator(layout.totalDevices);
      let sample = -1;
      let free: Float64Array | null = null;
      const nudged: { beta_S: number; nodes_V: Float64Array }[] = [];
      const close = () => {
        if (sample < 0) return;
        const lines = inputLineVoltages(layout, batch.x[sample]);
        if (estimator === 'centered') {
          acc.addCenteredFromNodes(layout, lines, nudged[0].nodes_V, nudged[1].nodes_V, nudged[0].beta_S);
        } else {
          acc.addOneSidedFromNodes(layout, lines, free!, nudged[0].nodes_V, nudged[0].beta_S);
        }
      };
      for (const e of events) {
        if (e.type === 'free-state') {
          close();
          sample = e.sample;
          free = e.nodes_V;
          nudged.length = 0;
        }
        if (e.type === 'nudged-state') nudged.push({ beta_S: e.beta_S, nodes_V: e.nodes_V });
      }
      close();

      assert.equal(received.length, 1);
      assert.equal(received[0].kind, 'drops');
      const got = denseGradient(layout, received[0]);
      const want = acc.mean();
      let scale = 0;
      for (const v of want) scale = Math.max(scale, Math.abs(v));
      assert.ok(scale > 0);
      got.forEach((v, d) =>
        assert.ok(Math.abs(v - want[d]) <= 1e-12 * scale, `device ${d}: ${v} vs ${want[d]}`),
      );
    });
  }
});
