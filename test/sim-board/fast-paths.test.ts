// The board's shortcuts leave the physics unchanged: pulses update the circuit device by device,
// a state at its operating point is not solved again, the ideal read fills a caller's buffer.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SimBoard } from '../../sim/board/index.ts';
import { LayeredCircuit } from '../../sim/network/layered-circuit.ts';
import type { Pulse } from '../../src/capabilities/index.ts';
import { Rng } from '../../src/util/random.ts';

const network = { inputs: 3, hidden: [5], outputs: 2, diode: { model: 'shockley' as const } };
const lines = Float64Array.of(0.9, -0.6, 0.4, -0.9, 0.6, -0.4);

describe('SimBoard fast paths', () => {
  test('after pulses the node voltages are the operating point of the new conductances', async () => {
    const board = new SimBoard({ network, devices: 'realistic-soft-bounds', seed: 3 });
    await board.inputs.setVoltages(lines);
    await board.sampler.sampleAndRead({ delay_s: 1e-6 });
    const rng = new Rng(5);
    const pulses: Pulse[] = Array.from({ length: 30 }, () => {
      const array = rng.int(0, 1);
      const { rows, cols } = board.layout.arrays[array];
      return {
        array,
        row: rng.int(0, rows - 1),
        col: rng.int(0, cols - 1),
        polarity: rng.uniform() < 0.5 ? 'set' : 'reset',
        amplitude_V: 1.2,
        width_s: 100e-9,
        count: rng.int(1, 3),
      };
    });
    await board.programmer.applyPulses(pulses);
    await board.timebase.wait(1e-6);
    const v = board.trueNodeVoltages();
    const fresh = new LayeredCircuit(board.layout, board.devices.g_S.slice());
    const expected = fresh.solveDc(board.appliedInputs()).v_V;
    v.forEach((x, i) => assert.ok(Math.abs(x - expected[i]) < 1e-12, `node ${i}: ${x} vs ${expected[i]}`));
  });

  test('a state at its operating point is not solved again until a source or conductance changes', async () => {
    const board = new SimBoard({ network, seed: 4 });
    await board.inputs.setVoltages(lines);
    const first = await board.sampler.sampleAndRead({ delay_s: 1e-6 });
    const solves = board.statistics.dcSolves;
    await board.inputs.setVoltages(lines); // the same levels: no change
    await board.nudge.setCurrents(new Float64Array(board.layout.outputNodes));
    const again = await board.sampler.sampleAndRead({ delay_s: 1e-6 });
    assert.equal(board.statistics.dcSolves, solves);
    first.forEach((x, i) => assert.ok(Math.abs(x - again[i]) < 1e-3, `node ${i}`)); // ADC noise only
    await board.nudge.setCurrents(new Float64Array(board.layout.outputNodes).fill(1e-7));
    await board.sampler.sampleAndRead({ delay_s: 1e-6 });
    assert.equal(board.statistics.dcSolves, solves + 1);
  });

  test('pulse batches that outlast every settling time need no solve in between', async () => {
    const board = new SimBoard({ network, devices: 'realistic-soft-bounds', seed: 6 });
    await board.inputs.setVoltages(lines);
    await board.sampler.sampleAndRead({ delay_s: 1e-6 });
    const solves = board.statistics.dcSolves;
    const { rows, cols } = board.layout.arrays[0];
    for (let k = 0; k < 5; k++) {
      const batch: Pulse[] = Array.from({ length: rows * cols }, (_, d) => ({
        array: 0,
        row: Math.floor(d / cols),
        col: d % cols,
        polarity: (d + k) % 2 === 0 ? 'set' : 'reset',
        amplitude_V: 1.2,
        width_s: 1e-6,
      }));
      await board.programmer.applyPulses(batch);
    }
    assert.equal(board.statistics.dcSolves, solves);
    await board.sampler.sampleAndRead({ delay_s: 1e-6 });
    assert.equal(board.statistics.dcSolves, solves + 1);
  });

  test('right after a pulse shorter than the settling time the node is where it was', async () => {
    // Two input lines into one node (τ = C/(g1 + g2) = 50 µs): a 100 ns pulse on g1 moves the
    // operating point, but the node has had no time to follow.
    const board = new SimBoard({
      network: {
        inputs: 2,
        outputs: 1,
        doubledInputs: false,
        differentialOutputs: false,
        nodeCapacitance_F: 1e-9,
      },
      devices: 'ideal-linear',
      initialConductance: 1e-5,
      chain: {
        amplifier: { offsetRms_V: 0, gainErrorRms: 0 },
        sampleAndHold: { pedestal_V: 0, pedestalSpread_V: 0, droopRate_V_per_s: 0, droopSpread_V_per_s: 0 },
        adc: { bits: 32, noiseRms_V: 0 },
      },
      dac: { bits: 32 },
      holdToRead_s: 0,
    });
    await board.inputs.setVoltages(Float64Array.of(0.4, 0));
    const [before] = await board.sampler.sampleAndRead({ delay_s: 1 });
    await board.programmer.applyPulses([
      { array: 0, row: 0, col: 0, polarity: 'set', amplitude_V: 1.2, width_s: 100e-9, count: 50 },
    ]);
    const [right] = await board.sampler.sampleAndRead({ delay_s: 0 });
    const [late] = await board.sampler.sampleAndRead({ delay_s: 1 });
    const [g1, g2] = board.devices.g_S;
    const settled = (0.4 * g1) / (g1 + g2 + 2e-12);
    assert.ok(Math.abs(before - 0.2) < 1e-6, `before ${before}`);
    assert.ok(Math.abs(late - settled) < 1e-7, `late ${late} vs ${settled}`); // diode leakage
    assert.ok(late - before > 1e-3, 'the pulse moved the operating point');
    assert.ok(Math.abs(right - before) < 0.2 * (late - before), `right after ${right}`);
  });

  test('the ideal read fills a given buffer; a wrong length names the field', () => {
    const board = new SimBoard({ network, devices: 'ideal-linear' });
    const out = new Float64Array(board.layout.totalDevices);
    assert.equal(board.ideal.read(out), out);
    assert.deepEqual(out, board.devices.g_S);
    assert.throws(() => board.ideal.read(new Float64Array(3)), /out has 3 slots/);
  });
});
