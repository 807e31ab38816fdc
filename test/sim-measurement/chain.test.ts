// Sample-and-hold, amplifier offsets and the composed measurement chain: closed forms for pedestal
// and droop, per-channel spreads, averaging, reproducibility.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AmplifierOffset, MeasurementChain, SampleAndHold } from '../../sim/measurement/index.ts';
import type { MeasurementChainParamsInput } from '../../sim/measurement/index.ts';
import { Rng } from '../../src/util/random.ts';

function sd(xs: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < xs.length; i++) m += xs[i];
  m /= xs.length;
  let v = 0;
  for (let i = 0; i < xs.length; i++) v += (xs[i] - m) ** 2;
  return Math.sqrt(v / (xs.length - 1));
}

/** A 24-bit ±10 V ADC (LSB 1.2 µV) without noise, so the analog errors stand out. */
const fineAdc = { bits: 24, noiseRms_V: 0, conversionInterval_s: 1e-5 };
const quiet: MeasurementChainParamsInput = {
  amplifier: { offsetRms_V: 0 },
  sampleAndHold: { pedestal_V: 0, pedestalSpread_V: 0, droopRate_V_per_s: 0, droopSpread_V_per_s: 0 },
  adc: fineAdc,
};

test('pedestal and droop: v + pedestal + droop·t, averaged over the conversion times', () => {
  const pedestal = 2e-3;
  const droop = -0.5;
  const chain = new MeasurementChain(
    {
      amplifier: { offsetRms_V: 0 },
      sampleAndHold: {
        pedestal_V: pedestal,
        pedestalSpread_V: 0,
        droopRate_V_per_s: droop,
        droopSpread_V_per_s: 0,
      },
      adc: fineAdc,
    },
    3,
    new Rng(1),
  );
  const lsb = 20 / 2 ** 24;
  const v = [0.25, -1.5, 3];
  const hold = 1e-3;
  const one = chain.convert(v, hold, 1);
  const eight = chain.convert(v, hold, 8);
  for (let c = 0; c < 3; c++) {
    assert.ok(Math.abs(one[c] - (v[c] + pedestal + droop * hold)) <= lsb / 2 + 1e-12);
    // Conversion k happens at hold + k·interval; the mean droop time is hold + 3.5·interval.
    const mean = v[c] + pedestal + droop * (hold + 3.5 * 1e-5);
    assert.ok(Math.abs(eight[c] - mean) <= lsb / 2 + 1e-12, `channel ${c}: ${eight[c]} vs ${mean}`);
  }
});

test('per-channel pedestal, droop and offset spreads match their rms', () => {
  const n = 20000;
  const sh = new SampleAndHold(
    { pedestal_V: 1e-3, pedestalSpread_V: 3e-4, droopRate_V_per_s: 0, droopSpread_V_per_s: 2e-3 },
    n,
    new Rng(2),
  );
  const amp = new AmplifierOffset({ offsetRms_V: 5e-5, gainErrorRms: 1e-3 }, n, new Rng(3));
  const tol = 4 / Math.sqrt(2 * n); // relative standard error of a gaussian sample sd
  const check = (xs: Float64Array, rms: number, what: string) =>
    assert.ok(Math.abs(sd(xs) / rms - 1) < tol, `${what}: ${sd(xs)} vs ${rms}`);
  check(sh.pedestal_V, 3e-4, 'pedestal spread');
  check(sh.droop_V_per_s, 2e-3, 'droop spread');
  check(amp.offset_V, 5e-5, 'offset');
  check(amp.gain, 1e-3, 'gain error');
  const c = 17;
  assert.equal(sh.heldAt(c, 0.5, 2), 0.5 + sh.pedestal_V[c] + 2 * sh.droop_V_per_s[c]);
  assert.equal(amp.apply(c, 0.5), amp.gain[c] * 0.5 + amp.offset_V[c]);
});

test('chain noise: input-referred rms recovered, averaging N conversions divides it by √N', () => {
  const channels = 8000;
  const sigma = 1e-3;
  const params = { ...quiet, adc: { ...fineAdc, noiseRms_V: sigma } };
  const v = new Float64Array(channels).fill(0.3);
  const single = new MeasurementChain(params, channels, new Rng(4)).convert(v, 0, 1);
  const averaged = new MeasurementChain(params, channels, new Rng(5)).convert(v, 0, 16);
  const tol = 4 / Math.sqrt(2 * channels);
  assert.ok(Math.abs(sd(single) / sigma - 1) < tol, `single ${sd(single)}`);
  assert.ok(Math.abs(sd(averaged) / (sigma / 4) - 1) < tol, `averaged ${sd(averaged)}`);
});

test('chain order: amplifier errors are held and converted; rails clip', () => {
  const chain = new MeasurementChain(
    { ...quiet, amplifier: { offsetRms_V: 1e-3, gainErrorRms: 1e-2 } },
    4,
    new Rng(6),
  );
  const v = [0.1, -0.2, 12, -30];
  const out = chain.convert(v, 0, 1);
  const lsb = 20 / 2 ** 24;
  for (let c = 0; c < 2; c++) {
    assert.ok(Math.abs(out[c] - chain.amplifier.apply(c, v[c])) <= lsb / 2 + 1e-12);
  }
  assert.ok(Math.abs(out[2] - (10 - lsb)) < 1e-12);
  assert.equal(out[3], -10);
});

test('chain: seeded reproducibility, and argument errors name the argument', () => {
  const v = new Float64Array(50).map((_, i) => Math.sin(i));
  const a = new MeasurementChain({}, 50, new Rng(7)).convert(v, 1e-4, 4);
  const b = new MeasurementChain({}, 50, new Rng(7)).convert(v, 1e-4, 4);
  const c = new MeasurementChain({}, 50, new Rng(8)).convert(v, 1e-4, 4);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  const chain = new MeasurementChain({}, 50, new Rng(7));
  assert.throws(() => chain.convert(v.subarray(1), 0, 1), /trueVoltages_V has 49 values for 50 channels/);
  assert.throws(() => chain.convert(v, -1, 1), /holdToRead_s/);
  assert.throws(() => chain.convert(v, 0, 0), /averages/);
  assert.throws(() => new MeasurementChain({ adc: { bits: 40 } }, 2, new Rng(1)), /adc\.bits must be <= 32/);
});
