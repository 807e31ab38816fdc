// The simulated bench's saved state (what crash-safe resume restores): devices, the ADC's noise
// stream and the ideal mode's momentum velocity, through the bytes the store keeps, so that
// readings and ideal steps after a restore repeat those after the save bit for bit — with the ADC
// noise on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openBench } from '../../src/daemon/bench.ts';
import { decodeDeviceState, encodeDeviceState } from '../../src/daemon/sim-state.ts';
import { Rng } from '../../src/util/random.ts';
import { SIM_BENCH } from './helpers.ts';

test('restoring a saved sim state repeats the noisy readings after the save bit for bit', async () => {
  const bench = await openBench(SIM_BENCH);
  try {
    const { capabilities: c, deviceState } = bench;
    assert.ok(deviceState !== undefined);
    await c.inputs.setVoltages(Float64Array.from({ length: c.inputs.channels }, (_, i) => 0.1 * (i % 4)));
    const read = async () => Array.from(await c.sampler.sampleAndRead({ delay_s: 1e-3, averages: 1 }));
    await read();
    const saved = deviceState.save();
    const after = [await read(), await read()];
    assert.notDeepEqual(after[0], after[1], 'the ADC noise is on: the same state reads differently');
    deviceState.restore(saved);
    assert.deepEqual([await read(), await read()], after);
  } finally {
    await bench.close();
  }
});

test('a state saved without the read-out noise stream (an older build) still decodes and restores', () => {
  const state = {
    time_s: 1.5,
    writeRngState: [1, 2, 3, 4],
    readRngState: [5, 6, 7, 8],
    g_S: Float64Array.of(1e-6, 2e-6),
    programmedG_S: Float64Array.of(1e-6, 2e-6),
    programmedAt_s: Float64Array.of(0, 1),
  };
  assert.deepEqual(decodeDeviceState(encodeDeviceState(state)), state);
  const withReadout = { ...state, readoutRngState: [9, 10, 11, 12] };
  assert.deepEqual(decodeDeviceState(encodeDeviceState(withReadout)), withReadout);
  const truncated = encodeDeviceState(withReadout).subarray(0, -8);
  assert.throws(() => decodeDeviceState(truncated), /length does not match/);
});

test('the ideal mode momentum velocity is saved with the state: a restored run continues bit for bit', async () => {
  const bench = await openBench(SIM_BENCH);
  try {
    const { capabilities: c, deviceState, layout } = bench;
    assert.ok(deviceState !== undefined && c.ideal !== undefined);
    const ideal = c.ideal;
    const rng = new Rng(7);
    const grads = Array.from({ length: 8 }, () =>
      Float64Array.from({ length: layout.totalDevices }, () => rng.range(-2e3, 2e3)),
    );
    const range = layout.desc.conductance;
    const eta = layout.arrays.map(() => 1e-9);
    const run = (from: number, to: number) => {
      for (let k = from; k < to; k++) ideal.step({ kind: 'dense', values: grads[k] }, eta, range, 0.9);
      return ideal.read();
    };
    // Before any step with momentum there is no velocity to save.
    assert.equal(decodeDeviceState(deviceState.save()).idealVelocity_S, undefined);
    run(0, 4);
    const saved = deviceState.save();
    assert.ok(decodeDeviceState(saved).idealVelocity_S !== undefined);
    const after = run(4, 8);
    deviceState.restore(saved);
    assert.deepEqual(run(4, 8), after);

    // A state without the velocity zeroes it: the same conductances then continue differently.
    const withoutVelocity = { ...decodeDeviceState(saved) };
    delete withoutVelocity.idealVelocity_S;
    deviceState.restore(encodeDeviceState(withoutVelocity));
    assert.notDeepEqual(run(4, 8), after);
  } finally {
    await bench.close();
  }
});

test('the velocity section: round trip with and without a read-out stream, length checks', () => {
  const state = {
    time_s: 1.5,
    writeRngState: [1, 2, 3, 4],
    readRngState: [5, 6, 7, 8],
    g_S: Float64Array.of(1e-6, 2e-6),
    programmedG_S: Float64Array.of(1e-6, 2e-6),
    programmedAt_s: Float64Array.of(0, 1),
  };
  const velocity = { idealVelocity_S: Float64Array.of(-3e-9, 4e-9) };
  const both = { ...state, readoutRngState: [9, 10, 11, 12], ...velocity };
  assert.deepEqual(decodeDeviceState(encodeDeviceState(both)), both);
  const noReadout = { ...state, ...velocity };
  assert.deepEqual(decodeDeviceState(encodeDeviceState(noReadout)), noReadout);
  for (const s of [both, noReadout]) {
    assert.throws(() => decodeDeviceState(encodeDeviceState(s).subarray(0, -8)), /length does not match/);
  }
  assert.throws(
    () => encodeDeviceState({ ...state, idealVelocity_S: new Float64Array(3) }),
    /idealVelocity_S has 3 values for 2 devices/,
  );
});
