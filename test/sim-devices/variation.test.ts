// Device-to-device variation, cycle-to-cycle and write noise, and stuck devices: the sample
// statistics over thousands of devices or pulses match the configured parameters, within a few
// standard errors of the estimator for that sample size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { G_MAX, G_MIN, REF_V, REF_W, devices, mean, std } from './helpers.ts';

const MID = 5e-5;

/** Within k standard errors. */
function near(actual: number, expected: number, se: number, what: string, k = 4) {
  assert.ok(Math.abs(actual - expected) <= k * se, `${what}: ${actual} vs ${expected} (± ${k}×${se})`);
}

/** Per-device SET steps of a constant-step population at mid-range, relative to the nominal. */
function relativeSetSteps(input: Parameters<typeof devices>[0], n: number, seed: number): Float64Array {
  const d = devices({ response: { family: 'constant-step' }, stepUp_S: 1e-6, ...input }, n, seed, MID);
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) r[i] = d.pulse(i, 'set', REF_V, REF_W) / 1e-6;
  return r;
}

test('lognormal device-to-device spread of step sizes: mean 1, sd = fraction, log-normal shape', () => {
  const n = 10000;
  const sigma = 0.3;
  const r = relativeSetSteps({ variation: { distribution: 'lognormal', step: sigma } }, n, 11);
  // sd of the sample sd: σ·sqrt((κ − 1)/(4n)), κ = kurtosis of a lognormal with cv 0.3 (≈ 4.57).
  const s2 = Math.log1p(sigma * sigma);
  const kurtosis = Math.exp(4 * s2) + 2 * Math.exp(3 * s2) + 3 * Math.exp(2 * s2) - 3;
  near(mean(r), 1, sigma / Math.sqrt(n), 'mean factor');
  near(std(r), sigma, sigma * Math.sqrt((kurtosis - 1) / (4 * n)), 'sd of factor');
  const logs = r.map(Math.log);
  near(std(logs), Math.sqrt(s2), Math.sqrt(s2 / (2 * n)), 'sd of log factor');
  assert.ok(r.every((v) => v > 0));
});

test('normal device-to-device spread of step sizes', () => {
  const n = 10000;
  const sigma = 0.2;
  const r = relativeSetSteps({ variation: { distribution: 'normal', step: sigma } }, n, 12);
  near(mean(r), 1, sigma / Math.sqrt(n), 'mean factor');
  near(std(r), sigma, sigma / Math.sqrt(2 * n), 'sd of factor');
});

test('up/down imbalance δ ~ N(0, upDown) on top of the common factor', () => {
  // With equal nominal steps, (up − down)/(up + down) = δ exactly: the common factor cancels.
  const n = 8000;
  const d = devices(
    { response: { family: 'constant-step' }, variation: { step: 0.3, upDown: 0.1 } },
    n,
    13,
    MID,
  );
  const delta = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const up = d.pulse(i, 'set', REF_V, REF_W);
    const down = -d.pulse(i, 'reset', REF_V, REF_W);
    delta[i] = (up - down) / (up + down);
  }
  near(mean(delta), 0, 0.1 / Math.sqrt(n), 'mean δ');
  near(std(delta), 0.1, 0.1 / Math.sqrt(2 * n), 'sd δ');
});

test('device-to-device spread of the bounds, observed by saturating pulses', () => {
  const n = 8000;
  const sigma = 0.1;
  // One reference pulse moves by 2·gMax, so SET lands on each device's own gMax, RESET on its gMin.
  const d = devices(
    {
      response: { family: 'constant-step' },
      stepUp_S: 2e-4,
      stepDown_S: 2e-4,
      variation: { gMin: sigma, gMax: sigma },
    },
    n,
    14,
  );
  const hi = new Float64Array(n);
  const lo = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    d.pulse(i, 'set', REF_V, REF_W);
    hi[i] = d.g_S[i] / G_MAX;
    d.pulse(i, 'reset', REF_V, REF_W);
    lo[i] = d.g_S[i] / G_MIN;
  }
  // Lognormal with cv 0.1: kurtosis ≈ 3.18, sd of the sample sd ≈ σ·sqrt((κ − 1)/(4n)).
  const seSd = sigma * Math.sqrt(2.2 / (4 * n));
  near(mean(hi), 1, sigma / Math.sqrt(n), 'mean gMax factor');
  near(std(hi), sigma, seSd, 'sd gMax factor');
  near(mean(lo), 1, sigma / Math.sqrt(n), 'mean gMin factor');
  near(std(lo), sigma, seSd, 'sd gMin factor');
});

test('cycle-to-cycle noise: per-pulse factor of mean 1, sd = fraction, uncorrelated in time', () => {
  const n = 20000;
  const sigma = 0.1;
  const d = devices(
    { response: { family: 'constant-step' }, stepUp_S: 1e-7, cycleToCycle: sigma },
    1,
    15,
    MID,
  );
  const r = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    // Alternate with a noise-free-in-expectation RESET so the device stays mid-range.
    r[k] = d.pulse(0, 'set', REF_V, REF_W) / 1e-7;
    d.pulse(0, 'reset', REF_V, REF_W);
  }
  near(mean(r), 1, sigma / Math.sqrt(n), 'mean factor');
  near(std(r), sigma, sigma / Math.sqrt(2 * n), 'sd of factor');
  const m = mean(r);
  let cov = 0;
  for (let k = 1; k < n; k++) cov += (r[k] - m) * (r[k - 1] - m);
  const lag1 = cov / (n - 1) / std(r) ** 2;
  near(lag1, 0, 1 / Math.sqrt(n), 'lag-1 autocorrelation');
});

test('write noise: additive, zero-mean, sd = writeNoise_S per pulse', () => {
  const n = 20000;
  const sigma = 2e-8;
  const d = devices(
    { response: { family: 'constant-step' }, stepUp_S: 1e-7, writeNoise_S: sigma },
    n,
    16,
    MID,
  );
  const e = new Float64Array(n);
  for (let i = 0; i < n; i++) e[i] = d.pulse(i, 'set', REF_V, REF_W) - 1e-7;
  near(mean(e), 0, sigma / Math.sqrt(n), 'mean write error');
  near(std(e), sigma, sigma / Math.sqrt(2 * n), 'sd write error');
});

test('stuck devices: configured fraction and split, and they ignore pulses, setAll and drift', () => {
  const n = 20000;
  const d = devices(
    {
      response: { family: 'constant-step' },
      stuck: { fraction: 0.1, atGMin: 1, atGMax: 1, atInitial: 2 },
      drift: { law: 'exponential', tau_s: 10, targetFraction: 0.5 },
    },
    n,
    17,
    2e-5,
  );
  const stuck: number[] = [];
  for (let i = 0; i < n; i++) if (d.isStuck(i)) stuck.push(i);
  near(stuck.length / n, 0.1, Math.sqrt((0.1 * 0.9) / n), 'stuck fraction');
  const m = stuck.length;
  const share = (v: number) => stuck.filter((i) => d.g_S[i] === v).length / m;
  near(share(G_MIN), 0.25, Math.sqrt((0.25 * 0.75) / m), 'stuck at gMin');
  near(share(G_MAX), 0.25, Math.sqrt((0.25 * 0.75) / m), 'stuck at gMax');
  near(share(2e-5), 0.5, Math.sqrt((0.5 * 0.5) / m), 'stuck at initial');

  const before = stuck.map((i) => d.g_S[i]);
  for (const i of stuck) {
    assert.equal(d.pulse(i, 'set', 3, REF_W, 5), 0);
    assert.equal(d.pulse(i, 'reset', 3, REF_W, 5), 0);
  }
  d.setAll(7e-5);
  d.advanceTime(100);
  assert.deepEqual(
    stuck.map((i) => d.g_S[i]),
    before,
  );
  const free = d.isStuck(0) ? 1 : 0;
  assert.notEqual(d.g_S[free], 7e-5, 'a free device drifts after setAll');
});
