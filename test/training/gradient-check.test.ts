// Gradient check of the EqProp estimators against the simulated circuit's exact gradient (the
// adjoint method of sim/network), per layer: cosine similarity and relative error
// ‖∇̂ − ∇‖/‖∇‖, for the one-sided (thesis Eq. 4.13) and centered (Eq. 2.10) estimators at several
// β, on a reciprocal diode network, one with reciprocal bidirectional amplifiers (§4.4.2), and one
// whose amplifiers are not reciprocal (backward gain ≠ forward gain: a vector-field system, where
// EqProp's estimate is biased by the asymmetry of the Jacobian — seed paper 002).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inputLineVoltages } from '../../src/network/description.ts';
import type { NetworkInput } from '../../src/network/description.ts';
import {
  addCenteredEstimate,
  addOneSidedEstimate,
  deviceVoltageDrops,
} from '../../src/training/estimators.ts';
import { createLoss, nudgingCurrents } from '../../src/training/losses.ts';
import { SimBoard } from '../../sim/board/index.ts';

const squared = { kind: 'squared-error' as const, target: { on_V: 1, off_V: 0 } };
const noiseless = {
  chain: {
    amplifier: { offsetRms_V: 0, gainErrorRms: 0 },
    sampleAndHold: { pedestal_V: 0, pedestalSpread_V: 0, droopRate_V_per_s: 0, droopSpread_V_per_s: 0 },
    adc: { bits: 32, noiseRms_V: 0 },
  },
  dac: { bits: 32 },
};

interface LayerScore {
  cosine: number;
  relativeError: number;
}

/** Per-layer cosine and relative error of both estimators at each β, at one operating point. */
async function gradientCheck(network: Omit<NetworkInput, 'inputs' | 'outputs'>, betas: number[]) {
  const board = new SimBoard({ network: { inputs: 3, outputs: 2, ...network }, ...noiseless, seed: 5 });
  const { layout } = board;
  const loss = createLoss(layout, squared);
  const lines = inputLineVoltages(layout, [0.9, -0.7, 0.8]);
  const read = async (nudge: Float64Array) => {
    await board.nudge.setCurrents(nudge);
    return board.sampler.sampleAndRead({ delay_s: 1e-3 });
  };
  await board.inputs.setVoltages(lines);
  const free = await read(new Float64Array(layout.outputNodes));
  const out = free.subarray(layout.outputOffset);
  const dLdv = new Float64Array(layout.floatingNodes);
  dLdv.set(loss.gradient(out, 0), layout.outputOffset);
  const exact = board.circuit.exactGradient(lines, free, dLdv);
  const drops = (v: Float64Array) =>
    deviceVoltageDrops(layout, lines, v, new Float64Array(layout.totalDevices));
  const results: { beta: number; oneSided: LayerScore[]; centered: LayerScore[] }[] = [];
  for (const beta of betas) {
    const currents = nudgingCurrents(loss, out, 0, beta);
    const plus = await read(currents);
    const minus = await read(currents.map((c) => -c));
    const oneSided = new Float64Array(layout.totalDevices);
    addOneSidedEstimate(drops(free), drops(plus), beta, oneSided);
    const centered = new Float64Array(layout.totalDevices);
    addCenteredEstimate(drops(plus), drops(minus), beta, centered);
    results.push({ beta, oneSided: perLayer(oneSided), centered: perLayer(centered) });
  }
  return results;

  function perLayer(est: Float64Array): LayerScore[] {
    return layout.arrays.map((a, l) => {
      const start = layout.deviceOffsets[l];
      let dot = 0;
      let ne = 0;
      let nx = 0;
      let nd = 0;
      for (let d = start; d < start + a.rows * a.cols; d++) {
        dot += est[d] * exact[d];
        ne += est[d] ** 2;
        nx += exact[d] ** 2;
        nd += (est[d] - exact[d]) ** 2;
      }
      assert.ok(nx > 0, `layer ${l} has a gradient`);
      return { cosine: dot / Math.sqrt(ne * nx), relativeError: Math.sqrt(nd / nx) };
    });
  }
}

const betas = [1e-7, 1e-6, 1e-5];

describe('EqProp estimates against the exact gradient, per layer', () => {
  const cases: [string, Omit<NetworkInput, 'inputs' | 'outputs'>][] = [
    ['reciprocal diode network (2 hidden layers)', { hidden: [6, 4] }],
    ['reciprocal bidirectional amplifiers (gain 2)', { hidden: [6, 4], amplifier: { gain: 2 } }],
  ];
  for (const [name, network] of cases) {
    test(`${name}: both estimators align with the gradient; the centered one has the smaller bias`, async () => {
      const results = await gradientCheck(network, betas);
      for (const { beta, oneSided, centered } of results) {
        centered.forEach((c, l) => {
          assert.ok(c.cosine > 0.999, `β ${beta} layer ${l} centered cosine ${c.cosine}`);
          assert.ok(c.relativeError < 0.05, `β ${beta} layer ${l} centered error ${c.relativeError}`);
          if (beta <= 1e-6) {
            assert.ok(
              oneSided[l].cosine > 0.98,
              `β ${beta} layer ${l} one-sided cosine ${oneSided[l].cosine}`,
            );
          }
          assert.ok(
            c.relativeError <= oneSided[l].relativeError,
            `β ${beta} layer ${l}: centered ${c.relativeError} vs one-sided ${oneSided[l].relativeError}`,
          );
        });
      }
      // The one-sided bias is O(β): in the output layer it grows with β, until at β = 10 µS (5 % of
      // an output node's conductance) the one-sided estimate has lost its direction there.
      const errors = results.map((r) => r.oneSided[2].relativeError);
      assert.ok(errors[0] < errors[1] && errors[1] < errors[2], `one-sided errors ${errors.join(', ')}`);
      assert.ok(results[2].oneSided[2].cosine < 0.5);
    });
  }

  test('non-reciprocal amplifiers (vector field): the hidden layers keep their direction but not their size', async () => {
    const reciprocal = await gradientCheck({ hidden: [6, 4], amplifier: { gain: 2 } }, [1e-6]);
    const vectorField = await gradientCheck(
      { hidden: [6, 4], amplifier: { gain: 2, backwardGain: 1 } },
      [1e-6],
    );
    const r = reciprocal[0].centered;
    const v = vectorField[0].centered;
    const output = r.length - 1;
    r.forEach((s, l) => assert.ok(s.relativeError < 0.01, `reciprocal layer ${l}: ${s.relativeError}`));
    v.forEach((s, l) => assert.ok(s.cosine > 0.99, `vector-field layer ${l} cosine ${s.cosine}`));
    // The backward current gain (1 instead of 2) scales the error signal each hidden layer
    // receives: the estimate there is off in magnitude; the output layer sees no amplifier.
    for (let l = 0; l < output; l++) {
      assert.ok(v[l].relativeError > 0.25, `vector-field layer ${l}: ${v[l].relativeError}`);
    }
    assert.ok(v[output].relativeError < 0.01);
  });
});
