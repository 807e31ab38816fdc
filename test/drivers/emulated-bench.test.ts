// End to end: the drivers over real loopback sockets (TCPIP::127.0.0.1::<port>::SOCKET) against
// the emulators of sim/emulators, checked against the simulated board's own physics.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ModbusClient } from '../../drivers/modbus/client.ts';
import { ScpiClient } from '../../drivers/scpi/index.ts';
import { openTransport } from '../../drivers/transports/open-transport.ts';
import { CrossbarBoard } from '../../drivers/instruments/crossbar-board.ts';
import { DAC_PRESETS } from '../../drivers/instruments/dac-presets.ts';
import { ModbusDac } from '../../drivers/instruments/modbus-dac.ts';
import { Keithley2450 } from '../../drivers/instruments/keithley-2450.ts';
import { KeysightB2900 } from '../../drivers/instruments/keysight-b2900.ts';
import {
  CrossbarBoardEmulator,
  Keithley2450Emulator,
  KeysightB2900Emulator,
  startEmulatedBench,
  type RunningEmulatedBench,
} from '../../sim/emulators/index.ts';
import { boardConfigFor, LIMITS } from './fixtures.ts';

let running: RunningEmulatedBench;
const transports: { close(): Promise<void> }[] = [];

before(async () => {
  running = await startEmulatedBench({
    board: { network: { inputs: 2, hidden: [3], outputs: 2 }, seed: 11 },
    instruments: [
      { name: 'xbar', kind: 'crossbar-board' },
      { name: 'smu', kind: 'keithley-2450', attach: { inputLine: 0 } },
      { name: 'nudge', kind: 'keysight-b2900', channels: [{ outputNode: 0 }, { outputNode: 1 }] },
      { name: 'dac', kind: 'modbus-dac', lines: [1, 2] },
    ],
  });
});

after(async () => {
  await Promise.allSettled(transports.map((t) => t.close()));
  await running?.close();
});

async function clientFor(name: string): Promise<ScpiClient> {
  const entry = running.resources.find((r) => r.name === name);
  assert.ok(entry, `the emulated bench serves ${name}`);
  const transport = await openTransport(entry.resource);
  transports.push(transport);
  return new ScpiClient(transport, { timeout_ms: 5000 });
}

test('crossbar board: configure, drive, sample, read conductances, pulse, safe state', async () => {
  const emulator = running.instruments.get('xbar');
  assert.ok(emulator instanceof CrossbarBoardEmulator);
  const { ratings } = emulator.board;
  const layout = running.bench.board.layout;
  const xbar = new CrossbarBoard(await clientFor('xbar'), boardConfigFor(running, 'xbar'));
  await xbar.configure();
  const levels = Float64Array.from({ length: layout.inputLines }, (_, i) => (i % 2 === 0 ? 0.2 : -0.2));
  await xbar.setVoltages(levels);
  await xbar.setCurrents(new Float64Array(layout.outputNodes));
  const nodes = await xbar.sampleAndRead({ delay_s: 1e-3, averages: 2 });
  assert.equal(nodes.length, layout.floatingNodes);
  assert.ok(nodes.every(Number.isFinite));

  const readV = Math.min(0.1, ratings.readVoltage_V.max);
  const before = await xbar.readConductances(0, readV);
  assert.equal(before.length, layout.arrays[0].rows * layout.arrays[0].cols);
  const pulse = {
    array: 0,
    row: 0,
    col: 0,
    polarity: 'set' as const,
    amplitude_V: ratings.pulseAmplitude_V.max,
    width_s: ratings.pulseWidth_s.max,
    count: 5,
  };
  assert.deepEqual(await xbar.applyPulses([pulse]), { applied: 5 });
  const afterSet = await xbar.readConductances(0, readV);
  assert.ok(afterSet[0] > before[0], `SET pulses raise G[0,0,0]: ${before[0]} → ${afterSet[0]}`);
  await xbar.safeState();
  await xbar.checkErrors();
  assert.deepEqual(Array.from(running.bench.board.appliedInputs()), new Array(layout.inputLines).fill(0));
});

test('Keithley 2450: sources an input line and reads the current the circuit draws', async () => {
  const smu = new Keithley2450(await clientFor('smu'), {
    mode: 'voltage',
    channels: [{ limits: LIMITS, compliance: 1e-3, sourceRange: 2 }],
  });
  await smu.configure();
  await smu.voltageSource().setVoltages(Float64Array.of(0.3));
  const current = await smu.read();
  // The emulated line DAC quantises the level; the SMU reads what the circuit draws.
  assert.ok(Math.abs(running.bench.lineVoltage(0) - 0.3) < 1e-3);
  const expected = running.bench.lineCurrent(0);
  assert.ok(
    Math.abs(current - expected) <= 0.01 * Math.abs(expected),
    `read ${current} A, circuit ${expected} A`,
  );
  const sweep = await smu.sweepLinear({ start: 0, stop: 0.2, points: 3, delay_s: 1e-3 });
  assert.equal(sweep.length, 3);
  assert.ok(Math.abs(running.bench.lineVoltage(0) - 0.2) < 1e-3, 'the output stays at the last point');
  assert.ok(Math.abs(sweep[2] - running.bench.lineCurrent(0)) <= 0.01 * Math.abs(sweep[2]));
  await smu.safeState();
  await smu.checkErrors();
});

test('Keithley 2450: source autorange and a list sweep match the circuit at every point', async () => {
  const emulator = running.instruments.get('smu');
  assert.ok(emulator instanceof Keithley2450Emulator);
  const smu = new Keithley2450(await clientFor('smu'), {
    mode: 'voltage',
    channels: [{ limits: LIMITS, compliance: 1e-3 }],
  });
  await smu.configure();
  assert.equal(emulator.channel.sourceRange.VOLTage, undefined, 'source autorange is on');
  const levels = [0.1, -0.15, 0.25];
  const readings = await smu.sweepList(levels, 1e-3);
  assert.deepEqual(emulator.lists.VOLTage, levels);
  assert.equal(readings.length, levels.length);
  for (const [k, level] of levels.entries()) {
    // Re-apply each point on the board itself and compare with what the SMU read there.
    await running.bench.setLines(new Map([[0, level]]));
    await running.bench.board.timebase.wait(1e-3);
    const expected = running.bench.lineCurrent(0);
    assert.ok(
      Math.abs(readings[k] - expected) <= 0.01 * Math.abs(expected),
      `point ${k}: read ${readings[k]} A, circuit ${expected} A`,
    );
  }
  await smu.safeState();
  await smu.checkErrors();
});

test('Keysight B2900: both nudge channels in one message', async () => {
  const smu = new KeysightB2900(await clientFor('nudge'), {
    mode: 'current',
    channels: [
      { limits: LIMITS, compliance: 5, sourceRange: 1e-3 },
      { limits: LIMITS, compliance: 5, sourceRange: 1e-3 },
    ],
  });
  await smu.configure();
  const emulator = running.instruments.get('nudge');
  assert.ok(emulator instanceof KeysightB2900Emulator);
  for (const channel of emulator.channels) {
    assert.equal(channel.sourceRange.CURRent, 1e-3, 'the fixed source range is set');
    assert.equal(channel.senseFunction, 'VOLTage', 'the sense function is selected');
  }
  await smu.currentSource().setCurrents(Float64Array.of(1e-7, -1e-7));
  // The query is answered after the level message has been executed (one link, in order).
  const voltages = await smu.measure();
  assert.equal(voltages.length, 2);
  assert.equal(running.bench.nudgeCurrent(0), 1e-7);
  assert.equal(running.bench.nudgeCurrent(1), -1e-7);
  await smu.safeState();
  await smu.checkErrors();
});

test('Modbus DAC (ADAM-6224 map): both lines in one write, then the safe state', async () => {
  const entry = running.resources.find((r) => r.name === 'dac');
  assert.ok(entry);
  // The resource string the emulator prints, exactly as a bench configuration would hold it.
  assert.match(entry.resource, /^modbus-tcp:\/\/127\.0\.0\.1:\d+\?unit=1$/);
  const link = await ModbusClient.connect(entry.resource);
  transports.push(link);
  const dac = new ModbusDac(link, {
    // The emulator's map: the ADAM-6224 codes at 0…N−1, its module id 0x6224 in holding 200.
    registers: { ...DAC_PRESETS['adam-6224'], channels: 2, identity: { address: 200, value: 0x6224 } },
    channels: [
      { limits: { voltage_V: { min: -2, max: 2 } } },
      { limits: { voltage_V: { min: -2, max: 2 } } },
    ],
  });
  await dac.configure();
  await dac.setVoltages(Float64Array.of(1, -1));
  const lsb = 20 / 4095;
  assert.ok(Math.abs(running.bench.lineVoltage(1) - 1) <= lsb / 2 + 1e-9);
  assert.ok(Math.abs(running.bench.lineVoltage(2) + 1) <= lsb / 2 + 1e-9);
  await dac.safeState();
  assert.ok(Math.abs(running.bench.lineVoltage(1)) <= lsb / 2 + 1e-9);
});
