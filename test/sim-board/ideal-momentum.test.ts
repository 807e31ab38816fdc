// Classical momentum in IdealConductanceAccess.step on the simulated board (v ← μ·v + Δ with Δ the
// plain clipped step, g ← clip(g_prev + v)): μ = 0 is the plain step and keeps no velocity; two
// equal unclipped steps change g by Δ and then (1 + μ)·Δ; at the bounds every step equals the
// reference semantics (test/training/ideal-step.ts) bit for bit; the velocity is saved and
// restored with the board's state, zeroed by a write or a pulse batch; a bad μ changes nothing.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DropPair, IdealGradient } from '../../src/capabilities/index.ts';
import { SimBoard } from '../../sim/board/index.ts';
import type { DevicePresetName } from '../../sim/devices/index.ts';
import { Rng } from '../../src/util/random.ts';
import { referenceIdealStep } from '../training/ideal-step.ts';

const network = { inputs: 4, hidden: [5], outputs: 2, diode: { model: 'shockley' as const } };
const range = { min_S: 2e-6, max_S: 9e-5 };
const dense = (values: Float64Array): IdealGradient => ({ kind: 'dense', values });

function board(devices: DevicePresetName, initialConductance?: number): SimBoard {
  return new SimBoard({ network, devices, seed: 11, ...(initialConductance ? { initialConductance } : {}) });
}

const vector = (rng: Rng, n: number, scale: number) =>
  Float64Array.from({ length: n }, () => rng.range(-scale, scale));

function pair(rng: Rng, b: SimBoard, weight: number): DropPair {
  const { inputLines, floatingNodes } = b.layout;
  return {
    lines_V: vector(rng, inputLines, 1),
    a_V: vector(rng, floatingNodes, 1),
    b_V: vector(rng, floatingNodes, 1),
    weight,
  };
}

/** The gradients of a short run, the same for every board of the test. */
function gradients(b: SimBoard, count: number, scale: number, seed = 5): IdealGradient[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, (_, k) =>
    k % 2 === 0
      ? dense(vector(rng, b.layout.totalDevices, scale))
      : { kind: 'drops', pairs: [pair(rng, b, scale)] },
  );
}

describe('SimBoard ideal step with momentum', () => {
  test('μ = 0 is the plain clipped step and makes no velocity', () => {
    const b = board('ideal-linear');
    const rng = new Rng(1);
    const eta = [1e-9, 0.5e-9];
    for (let k = 0; k < 3; k++) {
      const grad = vector(rng, b.layout.totalDevices, 6e4);
      const before = b.ideal.read();
      b.ideal.step(dense(grad), eta, range, 0);
      const want = before.map((g, d) =>
        Math.min(
          range.max_S,
          Math.max(range.min_S, g - eta[d < b.layout.deviceOffsets[1] ? 0 : 1] * grad[d]),
        ),
      );
      assert.deepEqual(b.ideal.read(), want);
    }
    assert.equal(b.idealVelocity(), undefined);
  });

  for (const devices of ['ideal-linear', 'realistic-soft-bounds'] as const) {
    for (const kind of ['dense', 'one pair', 'three pairs'] as const) {
      test(`${devices}, ${kind}: two equal unclipped steps change g by Δ, then (1 + μ)·Δ`, () => {
        const b = board(devices, 5e-5); // every device far from its bounds
        const rng = new Rng(2);
        const n = b.layout.totalDevices;
        const mu = 0.7;
        // Steps of at most a few µS from the middle of every device's range: nothing clips.
        const gradient: IdealGradient =
          kind === 'dense'
            ? dense(vector(rng, n, 1e3))
            : {
                kind: 'drops',
                pairs: (kind === 'one pair' ? [1] : [1, -2, 3]).map((w) => pair(rng, b, w * 10)),
              };
        const eta = [1e-9, 2e-9];
        const wide = { min_S: 0, max_S: 1 };
        const g0 = b.ideal.read();
        const r1 = b.ideal.step(gradient, eta, wide, mu);
        const g1 = b.ideal.read();
        const r2 = b.ideal.step(gradient, eta, wide, mu);
        const g2 = b.ideal.read();
        assert.equal(r1.clipped, 0);
        assert.equal(r2.clipped, 0);
        let moved = 0;
        let largest = 0;
        g0.forEach((g, d) => {
          const d1 = g1[d] - g;
          const d2 = g2[d] - g1[d];
          largest = Math.max(largest, Math.abs(d1));
          if (d1 !== 0) moved++;
          assert.ok(
            Math.abs(d2 - (1 + mu) * d1) <= 1e-9 * Math.abs(d1) + 1e-19,
            `device ${d}: ${d1} then ${d2}`,
          );
        });
        assert.ok(moved > n / 2 && largest > 1e-8, `${moved} devices moved, at most ${largest} S`);
        assert.ok(Math.abs(r2.meanAbsChange_S - (1 + mu) * r1.meanAbsChange_S) <= 1e-9 * r1.meanAbsChange_S);
        // The velocity is the last change.
        const v = b.idealVelocity()!;
        v.forEach((x, d) => assert.ok(Math.abs(x - (g2[d] - g1[d])) <= 1e-19, `velocity ${d}`));
      });
    }
  }

  test('at the bounds: every step equals the reference semantics bit for bit, g stays in range', () => {
    const b = board('ideal-linear'); // device bounds 1–100 µS contain the range
    const n = b.layout.totalDevices;
    const g = b.ideal.read();
    const v = new Float64Array(n);
    const rng = new Rng(3);
    const eta = [1e-9, 0.5e-9];
    const mu = 0.9;
    // A drive towards the upper bound for 12 steps, then a reversed one: momentum carries on past
    // the turn, and then piles up against the lower bound.
    const push = Float64Array.from({ length: n }, () => -rng.range(0.2e4, 1e4));
    let clipped = 0;
    for (let k = 0; k < 40; k++) {
      const grad = k < 12 ? push : push.map((x) => -x);
      const got = b.ideal.step(dense(grad), eta, range, mu);
      const want = referenceIdealStep(g, b.layout, dense(grad), eta, range, undefined, mu, v);
      assert.deepEqual(got, want, `report of step ${k}`);
      assert.deepEqual(b.ideal.read(), g, `conductances after step ${k}`);
      assert.deepEqual(b.idealVelocity(), v, `velocity after step ${k}`);
      clipped += got.clipped;
    }
    assert.ok(clipped > n, `${clipped} clipped`);
    assert.ok(
      g.every((x) => x === range.min_S),
      'every device ends at the lower bound',
    );
  });

  test('own device bounds, stuck devices, drift: within each device range, stuck kept, drift as after a write', async () => {
    const b = board('realistic-pow-step'); // own bounds per device, stuck devices, drift
    const n = b.layout.totalDevices;
    const stuck = Array.from({ length: n }, (_, d) => b.devices.isStuck(d));
    const g0 = b.ideal.read();
    const push = new Float64Array(n).fill(-1e4);
    for (let k = 0; k < 30; k++) {
      b.ideal.step(dense(push), [1e-9, 1e-9], { min_S: 0, max_S: 1 }, 0.5);
      const g = b.ideal.read();
      g.forEach((x, d) => {
        if (stuck[d]) assert.equal(x, g0[d], `stuck device ${d}`);
        else assert.ok(x <= b.devices.deviceGMax_S[d] && x >= b.devices.deviceGMin_S[d], `device ${d}: ${x}`);
      });
    }
    const g = b.ideal.read();
    g.forEach((x, d) => {
      if (!stuck[d]) assert.equal(x, b.devices.deviceGMax_S[d], `device ${d} at its upper bound`);
    });

    // The drift record is the conductance momentum left: the drift after it is a write's.
    const [stepped, written] = [board('realistic-pow-step'), board('realistic-pow-step')];
    const [first, second] = gradients(stepped, 2, 2e3);
    for (const grad of [first, second]) stepped.ideal.step(grad, [1e-9, 1e-9], range, 0.9);
    written.ideal.write(stepped.ideal.read());
    for (const x of [stepped, written]) await x.timebase.wait(100);
    assert.deepEqual(stepped.ideal.read(), written.ideal.read());
  });

  for (const devices of ['ideal-linear', 'realistic-pow-step'] as const) {
    test(`${devices}: the velocity saved with the state continues a run bit for bit`, async () => {
      const mu = 0.8;
      const eta = [2e-9, 1e-9];
      const a = board(devices);
      const steps = gradients(a, 10, 2e3);
      const run = async (b: SimBoard, from: number, to: number) => {
        for (let k = from; k < to; k++) {
          b.ideal.step(steps[k], eta, range, mu);
          await b.timebase.wait(10); // drift between steps (realistic-pow-step)
        }
      };
      await run(a, 0, 5);
      const saved = { ...a.devices.snapshot(), velocity: a.idealVelocity() };
      assert.ok(saved.velocity !== undefined);
      await run(a, 5, 10);

      const restore = (velocity: Float64Array | undefined) => {
        const b = board(devices);
        b.ideal.write(saved.g_S);
        b.devices.restore(saved);
        b.restoreIdealVelocity(velocity);
        return b;
      };
      const resumed = restore(saved.velocity);
      await run(resumed, 5, 10);
      assert.deepEqual(resumed.ideal.read(), a.ideal.read());
      assert.deepEqual(resumed.idealVelocity(), a.idealVelocity());

      // Without the velocity the run goes elsewhere: the test can tell.
      const forgetful = restore(undefined);
      await run(forgetful, 5, 10);
      assert.notDeepEqual(forgetful.ideal.read(), a.ideal.read());
    });
  }

  test('a write or a pulse batch that moves a conductance zeroes the velocity', async () => {
    const b = board('ideal-linear');
    const [first, second] = gradients(b, 2, 2e3);
    const eta = [1e-9, 1e-9];
    b.ideal.step(first, eta, range, 0.9);
    assert.ok(b.idealVelocity()!.some((x) => x !== 0));
    b.ideal.write(b.ideal.read());
    assert.equal(b.idealVelocity(), undefined);
    // The first step after it is the plain step (the velocity starts from zero).
    const plain = board('ideal-linear');
    plain.ideal.write(b.ideal.read());
    b.ideal.step(second, eta, range, 0.9);
    plain.ideal.step(second, eta, range, 0);
    assert.deepEqual(b.ideal.read(), plain.ideal.read());

    assert.ok(b.idealVelocity() !== undefined);
    const before = b.ideal.read()[0];
    await b.programmer.applyPulses([
      { array: 0, row: 0, col: 0, polarity: 'set', amplitude_V: 1.2, width_s: 1e-7 },
    ]);
    assert.notEqual(b.ideal.read()[0], before, 'the pulse moved the device');
    assert.equal(b.idealVelocity(), undefined);
  });

  test('a bad momentum is refused naming it, and changes nothing', () => {
    const b = board('realistic-soft-bounds');
    const [grad] = gradients(b, 1, 2e3);
    b.ideal.step(grad, [1e-9, 1e-9], range, 0.5);
    const g = b.ideal.read();
    const v = b.idealVelocity();
    for (const mu of [-0.1, 1, 1.5, NaN, Infinity]) {
      assert.throws(
        () => b.ideal.step(grad, [1e-9, 1e-9], range, mu),
        /momentum is .*not a number in \[0, 1\)/,
      );
    }
    assert.deepEqual(b.ideal.read(), g);
    assert.deepEqual(b.idealVelocity(), v);
    assert.throws(() => b.restoreIdealVelocity(new Float64Array(3)), /velocity has 3 values/);
    assert.throws(
      () => b.restoreIdealVelocity(new Float64Array(b.layout.totalDevices).fill(NaN)),
      /velocity\[0\] is NaN/,
    );
    assert.deepEqual(b.idealVelocity(), v);
  });
});
