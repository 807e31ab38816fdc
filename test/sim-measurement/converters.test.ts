// DAC and ADC: quantisation step, error bounds, range handling, noise statistics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ZodError } from 'zod';
import { Adc, Dac, DacRangeError } from '../../sim/measurement/index.ts';
import { Rng } from '../../src/util/random.ts';

function sampleStats(xs: Float64Array): { mean: number; sd: number } {
  let m = 0;
  for (const x of xs) m += x;
  m /= xs.length;
  let v = 0;
  for (const x of xs) v += (x - m) ** 2;
  return { mean: m, sd: Math.sqrt(v / (xs.length - 1)) };
}

for (const bits of [8, 12, 16]) {
  test(`DAC ${bits}-bit: LSB = range/2^bits, error ≤ LSB/2, outputs on the code grid`, () => {
    const dac = new Dac({ bits, min_V: -10, max_V: 10 });
    const lsb = 20 / 2 ** bits;
    assert.equal(dac.lsb_V, lsb);
    const rng = new Rng(bits);
    const levels = new Float64Array(5000).map(() => rng.range(-10, 10 - lsb));
    const out = dac.quantize(levels);
    for (let c = 0; c < levels.length; c++) {
      assert.ok(Math.abs(out[c] - levels[c]) <= lsb / 2 + 1e-12, `channel ${c}`);
      const k = (out[c] + 10) / lsb;
      assert.ok(Math.abs(k - Math.round(k)) < 1e-6, 'on the grid');
    }
    // The top LSB of the range is not a code: it maps to the highest code, max − LSB.
    assert.ok(Math.abs(dac.quantize([10])[0] - (10 - lsb)) < 1e-12);
    assert.equal(dac.quantize([-10])[0], -10);
  });
}

test('DAC: an out-of-range level is an error naming the channel, and nothing is written', () => {
  const dac = new Dac();
  const out = new Float64Array(4).fill(7);
  assert.throws(
    () => dac.quantize([0, 1, 10.0001, -12], out),
    (e: unknown) =>
      e instanceof DacRangeError &&
      e.channel === 2 &&
      e.value_V === 10.0001 &&
      /DAC channel 2: 10.0001 V/.test(e.message),
  );
  assert.deepEqual(out, new Float64Array(4).fill(7));
  assert.equal(dac.findOutOfRange([0, Number.NaN])?.channel, 1);
  assert.equal(dac.findOutOfRange([-10, 10]), null);
  assert.throws(() => new Dac({ min_V: 1, max_V: -1 }), ZodError);
});

test('ADC without noise: error ≤ LSB/2 inside the range, clipping at the rails', () => {
  const adc = new Adc({ bits: 14, min_V: -5, max_V: 5, noiseRms_V: 0 }, new Rng(1));
  const lsb = 10 / 2 ** 14;
  assert.equal(adc.lsb_V, lsb);
  const rng = new Rng(2);
  for (let k = 0; k < 5000; k++) {
    const v = rng.range(-5, 5 - lsb);
    assert.ok(Math.abs(adc.convert(v) - v) <= lsb / 2 + 1e-12);
  }
  assert.equal(adc.convert(-7), -5);
  assert.ok(Math.abs(adc.convert(9) - (5 - lsb)) < 1e-12);
});

test('ADC noise: rms recovered statistically, mean unbiased', () => {
  const lsb = 20 / 2 ** 16;
  const sigma = 10 * lsb;
  const adc = new Adc({ noiseRms_V: sigma }, new Rng(3));
  const n = 20000;
  const v = 0.123456;
  const xs = new Float64Array(n).map(() => adc.convert(v));
  const { mean, sd } = sampleStats(xs);
  // A gaussian ten LSB wide dithers the quantiser: total variance σ² + LSB²/12.
  const expected = Math.sqrt(sigma ** 2 + lsb ** 2 / 12);
  assert.ok(Math.abs(mean - v) < (4 * expected) / Math.sqrt(n), `mean ${mean}`);
  assert.ok(Math.abs(sd - expected) < (4 * expected) / Math.sqrt(2 * n), `sd ${sd} vs ${expected}`);
});
