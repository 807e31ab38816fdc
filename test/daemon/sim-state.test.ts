// The simulated bench's saved state (what crash-safe resume restores): devices and the ADC's
// noise stream, through the bytes the store keeps, so that readings after a restore repeat those
// after the save bit for bit — with the ADC noise on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openBench } from '../../src/daemon/bench.ts';
import { decodeDeviceState, encodeDeviceState } from '../../src/daemon/sim-state.ts';
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
