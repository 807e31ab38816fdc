// Seeded reproducibility, reads, setAll, retention drift, snapshots, and parameter validation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ZodError } from 'zod';
import { DeviceArray, devicePresets, parseDeviceParams } from '../../sim/devices/index.ts';
import type { DevicePresetName } from '../../sim/devices/index.ts';
import { Rng } from '../../src/util/random.ts';
import { G_MAX, G_MIN, REF_W, devices, mean, std } from './helpers.ts';

/** A reproducible mixed workload: pulses of varied polarity, amplitude, width and count. */
function workload(d: DeviceArray, seed: number, pulses: number): void {
  const r = new Rng(seed);
  for (let k = 0; k < pulses; k++) {
    d.pulse(
      r.int(0, d.count - 1),
      r.uniform() < 0.5 ? 'set' : 'reset',
      r.range(0.4, 2.5),
      REF_W,
      r.int(1, 3),
    );
  }
}

test('same seed reproduces exactly; a different seed differs', () => {
  const params = parseDeviceParams('realistic-pow-step');
  const a = new DeviceArray(params, 500, new Rng(42));
  const b = new DeviceArray(params, 500, new Rng(42));
  const c = new DeviceArray(params, 500, new Rng(43));
  for (const d of [a, b, c]) {
    workload(d, 1, 5000);
    d.advanceTime(60);
  }
  assert.deepEqual(a.g_S, b.g_S);
  assert.deepEqual(a.readAll(), b.readAll());
  assert.notDeepEqual(a.g_S, c.g_S);
});

test('reads are noisy around the true value, leave the state alone and do not shift write noise', () => {
  const fraction = 0.02;
  const floor = 1e-7;
  const g = 5e-5;
  const d = devices({ readNoise: { fraction, floor_S: floor } }, 1, 3, g);
  const n = 20000;
  const reads = new Float64Array(n);
  for (let k = 0; k < n; k++) reads[k] = d.read(0);
  const sigma = Math.hypot(fraction * g, floor);
  assert.ok(Math.abs(mean(reads) - g) < (4 * sigma) / Math.sqrt(n), `mean read ${mean(reads)}`);
  assert.ok(Math.abs(std(reads) - sigma) < (4 * sigma) / Math.sqrt(2 * n), `read sd ${std(reads)}`);
  assert.equal(d.g_S[0], g);

  const params = { cycleToCycle: 0.3, writeNoise_S: 1e-8, readNoise: { fraction: 0.05 } };
  const quiet = devices(params, 100, 8);
  const chatty = devices(params, 100, 8);
  const buf = new Float64Array(10);
  for (let k = 0; k < 50; k++) {
    workload(quiet, k, 20);
    chatty.readRange(20, 10, buf);
    workload(chatty, k, 20);
  }
  assert.deepEqual(quiet.g_S, chatty.g_S);
});

test('noise-free reads return the state; readRange reads one contiguous block', () => {
  const d = devices({}, 10, 1);
  assert.deepEqual(d.readAll(), d.g_S);
  assert.deepEqual(d.readRange(3, 4), d.g_S.subarray(3, 7));
  assert.throws(() => d.readRange(8, 4), /outside 0\.\.10/);
});

test('setAll clips to each device range and writes in place', () => {
  const d = devices({ variation: { gMin: 0.2, gMax: 0.2 } }, 1000, 4);
  const live = d.g_S;
  const want = new Float64Array(1000).map((_, i) => (i % 3 === 0 ? 0 : i % 3 === 1 ? 1 : 4e-5));
  d.setAll(want);
  assert.equal(d.g_S, live);
  for (let i = 0; i < 1000; i++) {
    const expected =
      i % 3 === 0
        ? d.deviceGMin_S[i]
        : i % 3 === 1
          ? d.deviceGMax_S[i]
          : Math.min(Math.max(4e-5, d.deviceGMin_S[i]), d.deviceGMax_S[i]);
    assert.equal(d.g_S[i], expected);
  }
  assert.throws(() => d.setAll(new Float64Array(3)), /3 values for 1000 devices/);
});

test('default initial conductances are uniform over each device range', () => {
  const n = 20000;
  const d = devices({}, n, 5);
  const x = d.g_S.map((g) => (g - G_MIN) / (G_MAX - G_MIN));
  // Uniform on [0, 1]: mean 1/2, sd 1/√12; Var(s²) = (μ4 − σ⁴)/n = 1/(180 n), sd(s) = sd(s²)/(2σ).
  const sd = Math.sqrt(1 / 12);
  assert.ok(Math.abs(mean(x) - 0.5) < (4 * sd) / Math.sqrt(n));
  assert.ok(Math.abs(std(x) - sd) < (4 * Math.sqrt(1 / (180 * n))) / (2 * sd));
});

test('power-law drift relaxes toward the target as (1 + t/t0)^-nu, path-independently', () => {
  const nu = 0.1;
  const t0 = 2;
  const g0 = 8e-5;
  const down = devices({ drift: { law: 'power-law', nu, t0_s: t0, targetFraction: 0 } }, 1, 1, g0);
  down.advanceTime(30);
  down.advanceTime(168);
  const expected = G_MIN + (g0 - G_MIN) * (1 + 198 / t0) ** -nu;
  assert.ok(Math.abs(down.g_S[0] - expected) < 1e-15 * g0, `${down.g_S[0]} vs ${expected}`);
  assert.equal(down.time_s, 198);

  const up = devices({ drift: { law: 'power-law', nu, t0_s: t0, targetFraction: 1 } }, 1, 1, 2e-5);
  let prev = up.g_S[0];
  for (let k = 0; k < 20; k++) {
    up.advanceTime(10 ** (k / 4));
    assert.ok(up.g_S[0] > prev && up.g_S[0] < G_MAX, 'drifts monotonically toward gMax without reaching it');
    prev = up.g_S[0];
  }
});

test('exponential drift, and a pulse restarts the drift clock', () => {
  const tau = 50;
  const d = devices(
    { response: { family: 'constant-step' }, drift: { law: 'exponential', tau_s: tau, targetFraction: 0.5 } },
    1,
    1,
    9e-5,
  );
  const target = G_MIN + 0.5 * (G_MAX - G_MIN);
  d.advanceTime(20);
  const g20 = target + (9e-5 - target) * Math.exp(-20 / tau);
  assert.ok(Math.abs(d.g_S[0] - g20) < 1e-15 * g20);
  d.pulse(0, 'set', 1.2, REF_W);
  const programmed = d.g_S[0];
  assert.ok(Math.abs(programmed - (g20 + 1e-6)) < 1e-15 * g20);
  d.advanceTime(35);
  const expected = target + (programmed - target) * Math.exp(-35 / tau);
  assert.ok(Math.abs(d.g_S[0] - expected) < 1e-15 * programmed, `${d.g_S[0]} vs ${expected}`);
});

test('drift exponent varies device to device with the configured spread; no drift when off', () => {
  const n = 5000;
  const nu = 0.05;
  const d = devices({ drift: { law: 'power-law', nu, nuVariation: 0.3, t0_s: 1 } }, n, 6, 5e-5);
  d.advanceTime(999);
  // remaining = (1000)^-nu_i  ⇒  nu_i = −ln(remaining)/ln(1000)
  const nus = d.g_S.map((g) => -Math.log((g - G_MIN) / (5e-5 - G_MIN)) / Math.log(1000));
  assert.ok(Math.abs(mean(nus) - nu) < (4 * 0.3 * nu) / Math.sqrt(n));
  // sd of the sample sd of a lognormal factor with cv 0.3 (kurtosis ≈ 4.57): σ·sqrt((κ − 1)/(4n)).
  assert.ok(Math.abs(std(nus) - 0.3 * nu) < 4 * 0.3 * nu * Math.sqrt(0.9 / n));

  const still = devices({}, 10, 6, 5e-5);
  still.advanceTime(1e6);
  assert.ok(still.g_S.every((g) => g === 5e-5));
  assert.throws(() => still.advanceTime(-1), /dt_s/);
});

test('restore rewinds state and noise streams exactly, in place', () => {
  const d = new DeviceArray(parseDeviceParams('realistic-pow-step'), 300, new Rng(9));
  workload(d, 1, 1000);
  const snap = d.snapshot();
  const live = d.g_S;
  workload(d, 2, 2000);
  d.advanceTime(10);
  const after = d.g_S.slice();
  const afterReads = d.readAll();
  d.restore(snap);
  assert.equal(d.g_S, live);
  assert.deepEqual(d.g_S, snap.g_S);
  workload(d, 2, 2000);
  d.advanceTime(10);
  assert.deepEqual(d.g_S, after);
  assert.deepEqual(d.readAll(), afterReads);
});

test('every preset parses; realistic-soft-bounds is the specified benchmark device', () => {
  for (const name of Object.keys(devicePresets) as DevicePresetName[]) parseDeviceParams(name);
  const p = parseDeviceParams('realistic-soft-bounds');
  assert.equal(p.response.family, 'soft-bounds');
  assert.equal(p.variation.step, 0.3);
  assert.equal(p.cycleToCycle, 0.3);
  assert.notEqual(p.stepUp_S, p.stepDown_S);
  const o = parseDeviceParams({
    preset: 'realistic-soft-bounds',
    cycleToCycle: 0.1,
    variation: { upDown: 0 },
  });
  assert.equal(o.cycleToCycle, 0.1);
  assert.equal(o.variation.step, 0.3, 'nested fields not overridden keep the preset value');
  assert.equal(o.variation.upDown, 0);
  const f = parseDeviceParams({ preset: 'realistic-soft-bounds', response: { family: 'pow-step' } });
  assert.deepEqual(f.response, { family: 'pow-step', gammaUp: 2, gammaDown: 2 });
});

test('invalid parameters are rejected with the field named', () => {
  const fieldOf = (input: Parameters<typeof parseDeviceParams>[0]) => {
    try {
      parseDeviceParams(input);
    } catch (e) {
      assert.ok(e instanceof ZodError);
      return e.issues.map((i) => i.path.join('.')).join(',');
    }
    assert.fail('expected a ZodError');
  };
  assert.equal(fieldOf({ gMin_S: 1e-3, gMax_S: 1e-4 }), 'gMin_S');
  assert.equal(fieldOf({ stepUp_S: -1 }), 'stepUp_S');
  assert.equal(fieldOf({ pulse: { set: { threshold_V: 2, reference_V: 1 } } }), 'pulse.set.reference_V');
  assert.equal(fieldOf({ stuck: { fraction: 1.5 } }), 'stuck.fraction');
  assert.equal(fieldOf({ response: { family: 'pow-step', gammaUp: -1 } }), 'response.gammaUp');
  assert.throws(
    () => parseDeviceParams('no-such' as DevicePresetName),
    /preset: unknown device preset 'no-such'/,
  );
  assert.throws(
    () => new DeviceArray(parseDeviceParams({}), 3, new Rng(1), new Float64Array(2)),
    /init has 2 values/,
  );
});

test('setAll with a NaN anywhere changes nothing and names the device', () => {
  const d = devices({ variation: { gMin: 0.2, gMax: 0.2 } }, 100, 4);
  const before = d.g_S.slice();
  const want = new Float64Array(100).fill(5e-5);
  want[70] = Number.NaN;
  assert.throws(() => d.setAll(want), /value for device 70 is NaN/);
  assert.deepEqual(d.g_S, before);
});
