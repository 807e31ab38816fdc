// Deterministic pulse response of every family: bounds, monotonicity, the closed-form shape of
// each family, up/down asymmetry, and the amplitude/width law of a pulse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DeviceParamsInput } from '../../sim/devices/index.ts';
import { G_MAX, G_MIN, REF_V, REF_W, devices } from './helpers.ts';

const SPAN = G_MAX - G_MIN;
const families: NonNullable<DeviceParamsInput['response']>[] = [
  { family: 'constant-step' },
  { family: 'soft-bounds' },
  { family: 'exp-step', aUp: 1, aDown: 1, gammaUp: 4, gammaDown: 6 },
  { family: 'pow-step', gammaUp: 1.5, gammaDown: 2.5 },
];

const close = (actual: number, expected: number, what: string) =>
  assert.ok(
    Math.abs(actual - expected) <= 1e-12 * Math.max(Math.abs(expected), 1e-6),
    `${what}: ${actual} vs ${expected}`,
  );

for (const response of families) {
  test(`${response.family}: noise-free pulses move monotonically and never leave [gMin, gMax]`, () => {
    const d = devices({ response, stepUp_S: 2e-6, stepDown_S: 1.5e-6 }, 1, 1, G_MIN);
    let prev = d.g_S[0];
    for (let k = 0; k < 3000; k++) {
      const dg = d.pulse(0, 'set', REF_V, REF_W);
      assert.ok(dg >= 0 && d.g_S[0] <= G_MAX, `set ${k}: dg=${dg} g=${d.g_S[0]}`);
      assert.equal(d.g_S[0] - prev, dg);
      prev = d.g_S[0];
    }
    assert.ok(d.g_S[0] > G_MIN + 0.9 * SPAN, `3000 SET pulses should approach gMax, got ${d.g_S[0]}`);
    for (let k = 0; k < 3000; k++) {
      const dg = d.pulse(0, 'reset', REF_V, REF_W);
      assert.ok(dg <= 0 && d.g_S[0] >= G_MIN, `reset ${k}: dg=${dg} g=${d.g_S[0]}`);
    }
    assert.ok(d.g_S[0] < G_MIN + 0.1 * SPAN, `3000 RESET pulses should approach gMin, got ${d.g_S[0]}`);
  });

  test(`${response.family}: noisy devices with variation stay inside their own bounds`, () => {
    const n = 200;
    const d = devices(
      {
        response,
        stepUp_S: 3e-6,
        stepDown_S: 2e-6,
        variation: { step: 0.3, upDown: 0.1, gMin: 0.2, gMax: 0.2 },
        cycleToCycle: 0.3,
        writeNoise_S: 2e-7,
      },
      n,
      7,
    );
    for (let k = 0; k < 20000; k++) {
      const i = k % n;
      const amplitude = 0.5 + ((k * 0.37) % 3); // 0.5 V .. 3.5 V, sub-threshold included
      d.pulse(i, k % 3 === 0 ? 'reset' : 'set', amplitude, REF_W * (1 + (k % 4)));
      assert.ok(d.g_S[i] >= d.deviceGMin_S[i] && d.g_S[i] <= d.deviceGMax_S[i], `device ${i} left its range`);
    }
  });
}

test('cycle-to-cycle noise alone never reverses the direction of a pulse', () => {
  const d = devices({ response: { family: 'soft-bounds' }, cycleToCycle: 0.5, stepUp_S: 5e-6 }, 50, 3);
  for (let k = 0; k < 5000; k++) {
    const i = k % 50;
    const set = (k * 7) % 5 < 3;
    const dg = d.pulse(i, set ? 'set' : 'reset', REF_V, REF_W);
    assert.ok(set ? dg >= 0 : dg <= 0, `pulse ${k} moved the wrong way: ${dg}`);
  }
});

test('soft-bounds: the step shrinks linearly to zero at the bound it approaches', () => {
  const stepUp = 2e-6;
  const stepDown = 1.5e-6;
  for (const g of [G_MIN, 1e-5, 3.3e-5, 5e-5, 9e-5, G_MAX]) {
    const d = devices(
      { response: { family: 'soft-bounds' }, stepUp_S: stepUp, stepDown_S: stepDown },
      1,
      1,
      g,
    );
    close(d.pulse(0, 'set', REF_V, REF_W), (stepUp * (G_MAX - g)) / SPAN, `set at ${g}`);
    d.setAll(g);
    close(-d.pulse(0, 'reset', REF_V, REF_W), (stepDown * (g - G_MIN)) / SPAN, `reset at ${g}`);
  }
});

test('soft-bounds: n SET pulses shrink the distance to gMax geometrically', () => {
  const stepUp = 2e-6;
  const d = devices({ response: { family: 'soft-bounds' }, stepUp_S: stepUp }, 1, 1, G_MIN);
  d.pulse(0, 'set', REF_V, REF_W, 250);
  close(G_MAX - d.g_S[0], SPAN * (1 - stepUp / SPAN) ** 250, 'distance to gMax');
});

test('exp-step and pow-step follow their closed forms', () => {
  const expResp = { family: 'exp-step', aUp: 0.9, aDown: 1, gammaUp: 4, gammaDown: 6 } as const;
  const powResp = { family: 'pow-step', gammaUp: 1.5, gammaDown: 2.5 } as const;
  for (const x of [0, 0.1, 0.5, 0.8, 0.97]) {
    const g = G_MIN + x * SPAN;
    const e = devices({ response: expResp, stepUp_S: 2e-6, stepDown_S: 1e-6 }, 1, 1, g);
    close(
      e.pulse(0, 'set', REF_V, REF_W),
      2e-6 * Math.max(0, 1 - 0.9 * Math.exp(4 * (x - 1))),
      `exp set x=${x}`,
    );
    e.setAll(g);
    close(-e.pulse(0, 'reset', REF_V, REF_W), 1e-6 * Math.max(0, 1 - Math.exp(-6 * x)), `exp reset x=${x}`);
    const p = devices({ response: powResp, stepUp_S: 2e-6, stepDown_S: 1e-6 }, 1, 1, g);
    close(p.pulse(0, 'set', REF_V, REF_W), 2e-6 * (1 - x) ** 1.5, `pow set x=${x}`);
    p.setAll(g);
    close(-p.pulse(0, 'reset', REF_V, REF_W), 1e-6 * x ** 2.5, `pow reset x=${x}`);
  }
});

test('pow-step reduces to soft-bounds at gamma = 1 and to constant-step at gamma = 0', () => {
  for (const [gamma, family] of [
    [1, 'soft-bounds'],
    [0, 'constant-step'],
  ] as const) {
    const a = devices({ response: { family: 'pow-step', gammaUp: gamma, gammaDown: gamma } }, 1, 1, 2e-5);
    const b = devices({ response: { family } }, 1, 1, 2e-5);
    for (let k = 0; k < 200; k++) {
      const pol = k % 3 === 2 ? 'reset' : 'set';
      close(a.pulse(0, pol, REF_V, REF_W), b.pulse(0, pol, REF_V, REF_W), `${family} pulse ${k}`);
    }
  }
});

test('up/down asymmetry: step ratio and the soft-bounds fixed point of alternating pulses', () => {
  const up = 2e-6;
  const down = 1.2e-6;
  const c = devices({ response: { family: 'constant-step' }, stepUp_S: up, stepDown_S: down }, 1, 1, 5e-5);
  const ratio = c.pulse(0, 'set', REF_V, REF_W) / -c.pulse(0, 'reset', REF_V, REF_W);
  close(ratio, up / down, 'constant-step up/down ratio');
  // Alternating SET/RESET on soft-bounds: x → x + a(1 − x) then x → x(1 − b), with a = up/span and
  // b = down/span, a contraction whose fixed point (after the RESET) is a(1 − b)/(a + b − ab) —
  // up/(up + down) to first order in the step sizes.
  const s = devices({ response: { family: 'soft-bounds' }, stepUp_S: up, stepDown_S: down }, 1, 1, G_MIN);
  for (let k = 0; k < 4000; k++) {
    s.pulse(0, 'set', REF_V, REF_W);
    s.pulse(0, 'reset', REF_V, REF_W);
  }
  const a = up / SPAN;
  const b = down / SPAN;
  const x = (s.g_S[0] - G_MIN) / SPAN;
  assert.ok(Math.abs(x - (a * (1 - b)) / (a + b - a * b)) < 1e-9, `fixed point x=${x}`);
});

test('pulse law: nothing at or below threshold, linear in overdrive and in width above it', () => {
  const params = {
    response: { family: 'constant-step' },
    stepUp_S: 1e-6,
    stepDown_S: 1e-6,
    pulse: { set: { threshold_V: 0.8, reference_V: 1.3 }, reset: { threshold_V: 0.5, reference_V: 1.5 } },
    cycleToCycle: 0.3,
    writeNoise_S: 1e-7,
  } as const;
  const d = devices(params, 1, 5, 5e-5);
  for (const a of [0, 0.3, 0.8, -0.8, 0.79999]) {
    assert.equal(d.pulse(0, 'set', a, REF_W, 10), 0, `set at ${a} V`);
  }
  assert.equal(d.pulse(0, 'reset', 0.5, 1e-3, 10), 0, 'reset at its threshold');
  assert.equal(d.g_S[0], 5e-5, 'sub-threshold pulses leave the state untouched');

  const q = devices({ ...params, cycleToCycle: 0, writeNoise_S: 0 }, 1, 5, 5e-5);
  const set = (a: number, w: number) => {
    q.setAll(5e-5);
    return q.pulse(0, 'set', a, w);
  };
  close(set(1.3, REF_W), 1e-6, 'reference pulse');
  close(set(1.05, REF_W), 1e-6 * (0.25 / 0.5), 'half overdrive');
  close(set(2.3, REF_W), 1e-6 * (1.5 / 0.5), 'triple overdrive');
  close(set(-1.3, REF_W), 1e-6, 'sign of the amplitude is ignored');
  close(set(1.3, 3 * REF_W), 3e-6, 'triple width');
  q.setAll(5e-5);
  close(-q.pulse(0, 'reset', 1.0, REF_W / 2), 1e-6 * (0.5 / 1.0) * 0.5, 'reset law uses its own threshold');
});

test('count applies identical pulses back to back', () => {
  const a = devices({ response: { family: 'exp-step' }, cycleToCycle: 0.2, writeNoise_S: 1e-8 }, 1, 9, 3e-5);
  const b = devices({ response: { family: 'exp-step' }, cycleToCycle: 0.2, writeNoise_S: 1e-8 }, 1, 9, 3e-5);
  const total = a.pulse(0, 'set', 1.5, REF_W, 7);
  let sum = 0;
  for (let k = 0; k < 7; k++) sum += b.pulse(0, 'set', 1.5, REF_W);
  close(total, sum, 'sum of single pulses');
  assert.equal(a.g_S[0], b.g_S[0]);
  assert.equal(a.pulse(0, 'set', 1.5, REF_W, 0), 0);
});

test('invalid pulses are rejected with the field named', () => {
  const d = devices({}, 3);
  assert.throws(() => d.pulse(3, 'set', 1, REF_W), /device index 3/);
  assert.throws(() => d.pulse(0, 'set', Number.NaN, REF_W), /amplitude_V/);
  assert.throws(() => d.pulse(0, 'set', 1, 0), /width_s/);
  assert.throws(() => d.pulse(0, 'set', 1, REF_W, 1.5), /count/);
});
