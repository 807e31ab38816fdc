import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LimitError } from '../../src/capabilities/index.ts';
import { SimBoard } from '../../sim/board/index.ts';
import type { SimBoardConfigInput } from '../../sim/board/index.ts';

/** A noise-free, high-resolution read-out so samples show the physics, not the converter. */
const cleanChain = {
  amplifier: { offsetRms_V: 0, gainErrorRms: 0 },
  sampleAndHold: { pedestal_V: 0, pedestalSpread_V: 0, droopRate_V_per_s: 0, droopSpread_V_per_s: 0 },
  adc: { bits: 32, noiseRms_V: 0 },
};

/** One input line, one output node, one device: a single RC pole with V(t) = Vin(1 − e^(−t g/C)). */
function singlePole(g_S: number, c_F: number, extra: Partial<SimBoardConfigInput> = {}): SimBoard {
  return new SimBoard({
    network: {
      inputs: 1,
      outputs: 1,
      doubledInputs: false,
      differentialOutputs: false,
      nodeCapacitance_F: c_F,
    },
    initialConductance: g_S,
    chain: cleanChain,
    dac: { bits: 32 },
    ...extra,
  });
}

describe('SimBoard physics through the capability interfaces', () => {
  test('slowest time constant of a single node is C/g', () => {
    const board = singlePole(1e-5, 1e-12);
    // Two reverse-biased diodes add 2·GMIN (1e-12 S each) to the node's conductance.
    assert.ok(Math.abs(board.slowestTimeConstant() / (1e-12 / (1e-5 + 2e-12)) - 1) < 1e-9);
  });

  test('a hold before the node settles returns the RC step response', async () => {
    const g = 1e-5;
    const c = 1e-12;
    const tau = c / g;
    const vin = 0.2; // diodes (knees at ±0.5 V) stay off
    for (const t of [0.3 * tau, tau, 3 * tau]) {
      const board = singlePole(g, c);
      await board.inputs.setVoltages(Float64Array.of(vin));
      const [v] = await board.sampler.sampleAndRead({ delay_s: t });
      const expected = vin * (1 - Math.exp(-t / tau));
      assert.ok(Math.abs(v - expected) < 2e-4 * vin, `t=${t}: ${v} vs ${expected}`);
    }
  });

  test('a late hold returns the DC operating point, and a nudge current moves the node by I/g', async () => {
    const g = 1e-5;
    const board = singlePole(g, 1e-12);
    await board.inputs.setVoltages(Float64Array.of(0.1));
    const [free] = await board.sampler.sampleAndRead({ delay_s: 1e-3 });
    assert.ok(Math.abs(free - 0.1) < 1e-6);
    await board.nudge.setCurrents(Float64Array.of(1e-6));
    const [nudged] = await board.sampler.sampleAndRead({ delay_s: 1e-3 });
    assert.ok(Math.abs(nudged - free - 1e-6 / g) < 1e-6, `${nudged - free}`);
  });

  test('safeState returns every source to zero', async () => {
    const board = singlePole(1e-5, 1e-12);
    await board.inputs.setVoltages(Float64Array.of(0.3));
    await board.nudge.setCurrents(Float64Array.of(1e-7));
    await board.safeState();
    const [v] = await board.sampler.sampleAndRead({ delay_s: 1e-3 });
    assert.ok(Math.abs(v) < 1e-9);
    assert.deepEqual([...board.appliedInputs()], [0]);
  });
});

describe('SimBoard limits', () => {
  const network = { inputs: 2, hidden: [3], outputs: 2 };

  test('an input level beyond the limit is refused, naming the channel, and changes nothing', async () => {
    const board = new SimBoard({ network, limits: { inputVoltage_V: { min: -1, max: 1 } } });
    await board.inputs.setVoltages(Float64Array.of(0.1, 0.2, -0.1, -0.2));
    const before = board.appliedInputs();
    await assert.rejects(board.inputs.setVoltages(Float64Array.of(0.1, 1.5, -0.1, -1.5)), (e: unknown) => {
      assert.ok(e instanceof LimitError);
      assert.equal(e.field, 'inputs[1]');
      return true;
    });
    assert.deepEqual(board.appliedInputs(), before);
  });

  test('a wrong channel count names the field', async () => {
    const board = new SimBoard({ network });
    await assert.rejects(
      board.inputs.setVoltages(new Float64Array(3)),
      /inputs\.levels: 3 values for 4 channels/,
    );
    await assert.rejects(board.nudge.setCurrents(Float64Array.of(1, 0, 0, 0)), LimitError);
  });

  test('a batch with one bad pulse is refused whole', async () => {
    const board = new SimBoard({ network, devices: 'ideal-linear' });
    const before = board.ideal.read();
    const good = { array: 0, row: 0, col: 0, polarity: 'set' as const, amplitude_V: 1.2, width_s: 100e-9 };
    await assert.rejects(
      board.programmer.applyPulses([good, { ...good, amplitude_V: 9 }]),
      (e: unknown) => e instanceof LimitError && e.field === 'batch[1].amplitude_V',
    );
    await assert.rejects(
      board.programmer.applyPulses([good, { ...good, col: 3 }]),
      /batch\[1\]\.col: 3 is outside 0\.\.2/,
    );
    assert.deepEqual(board.ideal.read(), before);
  });

  test('a read voltage above the disturb limit is refused', async () => {
    const board = new SimBoard({ network });
    await assert.rejects(board.reader.readConductances(0, 1.0), LimitError);
    await assert.rejects(board.reader.readConductances(2, 0.1), /reader\.array: no array 2/);
  });
});

describe('SimBoard programming and time', () => {
  const network = { inputs: 2, hidden: [3], outputs: 2 };

  test('SET raises and RESET lowers exactly the addressed device, by the device model step', async () => {
    const board = new SimBoard({ network, devices: 'ideal-linear', initialConductance: 5e-5 });
    const pulse = { array: 1, row: 2, col: 1, amplitude_V: 1.2, width_s: 100e-9 };
    const report = await board.programmer.applyPulses([{ ...pulse, polarity: 'set', count: 3 }]);
    assert.equal(report.applied, 3);
    const g = await board.reader.readConductances(1, 0.1);
    // ideal-linear: 1e-7 S per reference pulse (1.2 V, 100 ns); array 1 is 3 rows × 4 cols.
    g.forEach((v, i) =>
      assert.ok(Math.abs(v - (i === 2 * 4 + 1 ? 5e-5 + 3e-7 : 5e-5)) < 1e-12, `device ${i}: ${v}`),
    );
    await board.programmer.applyPulses([{ ...pulse, polarity: 'reset' }]);
    const after = await board.reader.readConductances(1, 0.1);
    assert.ok(Math.abs(after[9] - (5e-5 + 2e-7)) < 1e-12);
  });

  test('the virtual clock advances by waits, holds, conversions and pulse widths', async () => {
    const board = new SimBoard({
      network,
      holdToRead_s: 1e-6,
      chain: { adc: { conversionInterval_s: 2e-6 } },
    });
    await board.timebase.wait(0.5);
    assert.equal(board.timebase.now(), 0.5);
    await board.sampler.sampleAndRead({ delay_s: 0.25, averages: 3 });
    assert.ok(Math.abs(board.timebase.now() - (0.75 + 1e-6 + 2 * 2e-6)) < 1e-15);
    await assert.rejects(board.timebase.wait(-1), /must be a finite number >= 0/);
  });

  test('ideal access writes conductances, clipped to the device range', () => {
    const board = new SimBoard({ network, devices: 'ideal-linear' });
    const g = board.ideal.read().fill(2e-5);
    g[0] = 1; // far above gMax
    board.ideal.write(g);
    const back = board.ideal.read();
    assert.equal(back[0], 1e-4);
    assert.equal(back[1], 2e-5);
  });

  test('devices start uniformly in a window inside a wider range, clipped to their own bounds', () => {
    const wide = { preset: 'ideal-linear', gMin_S: 1e-6, gMax_S: 1e-3 };
    const board = new SimBoard({ network, devices: wide, initialConductance: { min_S: 1e-6, max_S: 1e-4 } });
    const g = board.ideal.read();
    assert.ok(
      g.every((v) => v >= 1e-6 && v <= 1e-4),
      'every device inside the window',
    );
    const mean = g.reduce((a, v) => a + v, 0) / g.length;
    assert.ok(Math.abs(mean - 5.05e-5) < 2e-5, `mean ${mean} near the window's middle`);
    // The range above the window is still programmable.
    board.ideal.write(g.fill(5e-4));
    assert.equal(board.ideal.read()[0], 5e-4);
    // A window beyond the devices' bounds starts every device at its upper bound.
    const clipped = new SimBoard({
      network,
      devices: 'ideal-linear',
      initialConductance: { min_S: 2e-4, max_S: 3e-4 },
    });
    assert.ok(clipped.ideal.read().every((v) => v === 1e-4));
    assert.throws(
      () => new SimBoard({ network, initialConductance: { min_S: 1e-4, max_S: 1e-6 } }),
      /initialConductance\.min_S must be below max_S/,
    );
  });

  test('the same seed reproduces the same readings; another seed does not', async () => {
    const read = async (seed: number) => {
      const board = new SimBoard({ network, devices: 'realistic-soft-bounds', seed });
      await board.inputs.setVoltages(Float64Array.of(0.3, -0.2, -0.3, 0.2));
      return board.sampler.sampleAndRead({ delay_s: 1e-6 });
    };
    assert.deepEqual(await read(7), await read(7));
    assert.notDeepEqual(await read(7), await read(8));
  });
});
