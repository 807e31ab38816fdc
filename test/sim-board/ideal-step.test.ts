// IdealConductanceAccess.step on the simulated board: the same conductances, drift record and
// operating point as read → step → write, for uniform devices and for devices with their own
// bounds, stuck devices and drift; a gradient of voltage-drop pairs steps as its dense form; a
// bad argument changes nothing.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DropPair, IdealGradient } from '../../src/capabilities/index.ts';
import { SimBoard } from '../../sim/board/index.ts';
import type { DevicePresetName } from '../../sim/devices/index.ts';
import { GradientAccumulator } from '../../src/training/estimators.ts';
import { Rng } from '../../src/util/random.ts';

const network = { inputs: 4, hidden: [5], outputs: 2, diode: { model: 'shockley' as const } };
const lines = Float64Array.of(0.9, -0.6, 0.4, 0.1, -0.9, 0.6, -0.4, -0.1);
const range = { min_S: 2e-6, max_S: 9e-5 };
const dense = (values: Float64Array): IdealGradient => ({ kind: 'dense', values });

function board(devices: DevicePresetName, extra: object = {}): SimBoard {
  return new SimBoard({ network: { ...network, ...extra }, devices, seed: 11 });
}

const rng = new Rng(4);
const vector = (n: number, scale: number) => Float64Array.from({ length: n }, () => rng.range(-scale, scale));

describe('SimBoard ideal step', () => {
  for (const devices of ['ideal-linear', 'realistic-soft-bounds', 'realistic-pow-step'] as const) {
    test(`${devices}: the conductances of read, step and write, and the applied change`, async () => {
      const stepped = board(devices);
      const written = board(devices);
      const { layout } = stepped;
      // Steps (η = 1e-9) that reach past both ends of the range for some devices.
      const grad = vector(layout.totalDevices, 6e4);
      const eta = [1e-9, 0.5e-9];
      const before = written.ideal.read();
      const wanted = before.map((g, d) => g - eta[d < layout.deviceOffsets[1] ? 0 : 1] * grad[d]);
      written.ideal.write(wanted.map((g) => Math.min(range.max_S, Math.max(range.min_S, g))));
      const after = written.ideal.read();

      const report = stepped.ideal.step(dense(grad), eta, range, 0);
      assert.deepEqual(stepped.ideal.read(), after);
      let change = 0;
      let clipped = 0;
      after.forEach((g, d) => {
        change += Math.abs(g - before[d]);
        if (g !== wanted[d] && !stepped.devices.isStuck(d)) clipped++;
      });
      assert.ok(clipped > 0 && clipped < layout.totalDevices, `${clipped} clipped`);
      assert.equal(report.clipped, clipped);
      assert.ok(Math.abs(report.meanAbsChange_S - change / layout.totalDevices) < 1e-12 * change);

      // The drift record (the programming time and level) is the same: so is the drift after it.
      for (const b of [stepped, written]) await b.timebase.wait(100);
      assert.deepEqual(stepped.ideal.read(), written.ideal.read());
    });
  }

  test('the circuit follows: the next hold is the state after a write of the same conductances', async () => {
    const [stepped, written] = [board('ideal-linear'), board('ideal-linear')];
    const grad = vector(stepped.layout.totalDevices, 6e4);
    for (const b of [stepped, written]) {
      await b.inputs.setVoltages(lines);
      await b.sampler.sampleAndRead({ delay_s: 1e-6 });
    }
    stepped.ideal.step(dense(grad), [1e-9, 1e-9], range, 0);
    written.ideal.write(
      written.ideal.read().map((g, d) => Math.min(range.max_S, Math.max(range.min_S, g - 1e-9 * grad[d]))),
    );
    for (const b of [stepped, written]) await b.timebase.wait(1e-6);
    assert.deepEqual(stepped.trueNodeVoltages(), written.trueNodeVoltages());
  });

  for (const devices of ['ideal-linear', 'realistic-pow-step'] as const) {
    test(`${devices}: voltage-drop pairs step as the estimate they stand for`, () => {
      // Amplifiers (row lines at gain·V_h) and a hidden array wider than one block of rows.
      const extra = { hidden: [3000], amplifier: { gain: 2 } };
      const [fromDrops, fromDense] = [board(devices, extra), board(devices, extra)];
      const { layout } = fromDrops;
      const pair = (weight: number): DropPair => ({
        lines_V: vector(layout.inputLines, 1),
        a_V: vector(layout.floatingNodes, 1),
        b_V: vector(layout.floatingNodes, 1),
        weight,
      });
      const eta = [2e-9, 1e-9];
      // One pair: the pipeline's estimate (estimators.ts), to the last bit.
      const one = pair(1 / (4 * 1e-3));
      const acc = new GradientAccumulator(layout.totalDevices);
      acc.addCenteredFromNodes(layout, one.lines_V, one.a_V, one.b_V, 1e-3);
      const r1 = fromDrops.ideal.step({ kind: 'drops', pairs: [one] }, eta, range, 0);
      const r2 = fromDense.ideal.step(dense(acc.mean()), eta, range, 0);
      assert.deepEqual(fromDrops.ideal.read(), fromDense.ideal.read());
      assert.equal(r1.clipped, r2.clipped);
      // Three pairs: their weighted sum, up to rounding.
      const pairs = [pair(100), pair(-200), pair(300)];
      const sum = new GradientAccumulator(layout.totalDevices);
      for (const p of pairs) sum.addOneSidedFromNodes(layout, p.lines_V, p.b_V, p.a_V, 1 / (2 * p.weight));
      const g0 = fromDrops.ideal.read();
      fromDrops.ideal.step({ kind: 'drops', pairs }, eta, { min_S: 0, max_S: 1 }, 0);
      fromDense.ideal.step(dense(sum.sum), eta, { min_S: 0, max_S: 1 }, 0);
      const [a, b] = [fromDrops.ideal.read(), fromDense.ideal.read()];
      let scale = 0;
      b.forEach((g, d) => (scale = Math.max(scale, Math.abs(g - g0[d]))));
      assert.ok(scale > 1e-6);
      a.forEach((g, d) => assert.ok(Math.abs(g - b[d]) <= 1e-12 * scale, `device ${d}`));
    });
  }

  test('a bad argument is refused with its name and changes nothing', () => {
    const b = board('realistic-soft-bounds');
    const before = b.ideal.read();
    const { totalDevices: n, inputLines, floatingNodes } = b.layout;
    const withEntry = (i: number, v: number) => {
      const g = new Float64Array(n);
      g[i] = v;
      return g;
    };
    const zeros = dense(new Float64Array(n));
    const eta = [1e-9, 1e-9];
    const refuse = (gradient: IdealGradient, message: RegExp, e: readonly number[] = eta, r = range) =>
      assert.throws(() => b.ideal.step(gradient, e, r, 0), message);
    refuse(dense(new Float64Array(3)), /gradient\.values has 3 entries, the network has \d+ devices/);
    refuse(dense(withEntry(n - 1, NaN)), /gradient\.values\[\d+\] is NaN/);
    refuse(dense(withEntry(7, -Infinity)), /gradient\.values\[7\] is -Infinity/);
    refuse(zeros, /eta: 1 step sizes for 2 arrays/, [1e-9]);
    refuse(zeros, /eta\[1\] is NaN/, [1e-9, NaN]);
    refuse(zeros, /range: \[0\.0001, 0\.000001\] S is not a finite interval/, eta, {
      min_S: 1e-4,
      max_S: 1e-6,
    });
    const ok: DropPair = {
      lines_V: new Float64Array(inputLines),
      a_V: new Float64Array(floatingNodes),
      b_V: new Float64Array(floatingNodes),
      weight: 1,
    };
    refuse({ kind: 'drops', pairs: [] }, /gradient\.pairs: no pairs/);
    refuse(
      { kind: 'drops', pairs: [ok, { ...ok, a_V: new Float64Array(2) }] },
      /pairs\[1\]\.a_V has 2 values/,
    );
    refuse(
      { kind: 'drops', pairs: [{ ...ok, lines_V: withEntry(0, NaN).subarray(0, inputLines) }] },
      /pairs\[0\]\.lines_V\[0\] is NaN/,
    );
    refuse({ kind: 'drops', pairs: [{ ...ok, weight: Infinity }] }, /pairs\[0\]\.weight is Infinity/);
    refuse(
      { kind: 'drops', pairs: [{ ...ok, weight: 1e300, a_V: new Float64Array(floatingNodes).fill(1e10) }] },
      /overflow the gradient/,
    );
    assert.deepEqual(b.ideal.read(), before);
  });
});
