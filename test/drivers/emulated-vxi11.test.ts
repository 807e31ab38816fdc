// End to end over VXI-11: the project's VXI-11 client (portmapper GETPORT, create_link,
// device_write/read) drives the 2450, B2900, 2600B (TSP) and crossbar-board drivers against the emulators'
// VXI-11 devices (`TCPIP::127.0.0.1::inst<k>::INSTR`), checked against the simulated board.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ScpiClient } from '../../drivers/scpi/index.ts';
import { openTransport } from '../../drivers/transports/open-transport.ts';
import type { MessageTransport } from '../../drivers/transports/transport.ts';
import { Vxi11Transport } from '../../drivers/transports/vxi11/client.ts';
import { CrossbarBoard } from '../../drivers/instruments/crossbar-board.ts';
import { Keithley2450 } from '../../drivers/instruments/keithley-2450.ts';
import { KeysightB2900 } from '../../drivers/instruments/keysight-b2900.ts';
import { Keithley2600B } from '../../drivers/instruments/keithley-2600b.ts';
import { TspClient } from '../../drivers/instruments/tsp-client.ts';
import { startEmulatedBench, type RunningEmulatedBench } from '../../sim/emulators/index.ts';
import { boardConfigFor, LIMITS } from './fixtures.ts';

let running: RunningEmulatedBench;
const transports: MessageTransport[] = [];

before(async () => {
  running = await startEmulatedBench({
    board: { network: { inputs: 2, hidden: [3], outputs: 2 }, seed: 3 },
    instruments: [
      { name: 'xbar', kind: 'crossbar-board', serve: { socket: false } },
      { name: 'smu', kind: 'keithley-2450', attach: { inputLine: 0 }, serve: { socket: false } },
      { name: 'nudge', kind: 'keysight-b2900', channels: [{ outputNode: 0 }], serve: { socket: false } },
      { name: 'k2601', kind: 'keithley-2600b', channels: [{ inputLine: 1 }], serve: { socket: false } },
    ],
  });
});

after(async () => {
  await Promise.allSettled(transports.map((t) => t.close()));
  await running?.close();
});

async function vxi11For(name: string): Promise<MessageTransport> {
  const entry = running.resources.find((r) => r.name === name);
  assert.ok(entry, `the emulated bench serves ${name}`);
  assert.match(entry.resource, /^TCPIP::127\.0\.0\.1::inst\d+::INSTR$/);
  const transport = await openTransport(entry.resource, {
    portmapperPort: entry.portmapperPort,
    timeout_ms: 5000,
  });
  assert.ok(transport instanceof Vxi11Transport, 'a VXI-11 link, not a socket');
  transports.push(transport);
  return transport;
}

const clientFor = async (name: string) => new ScpiClient(await vxi11For(name));

test('Keithley 2450 over VXI-11: configure, source, read the current the circuit draws, sweep', async () => {
  const smu = new Keithley2450(await clientFor('smu'), {
    mode: 'voltage',
    channels: [{ limits: LIMITS, compliance: 1e-3 }],
  });
  assert.equal((await smu.configure()).model, 'MODEL 2450');
  await smu.voltageSource().setVoltages(Float64Array.of(0.25));
  const current = await smu.read();
  const expected = running.bench.lineCurrent(0);
  assert.ok(
    Math.abs(current - expected) <= 0.01 * Math.abs(expected),
    `read ${current}, circuit ${expected}`,
  );
  const sweep = await smu.sweepLinear({ start: -0.1, stop: 0.1, points: 5, delay_s: 1e-3 });
  assert.equal(sweep.length, 5);
  assert.ok(sweep[0] < 0 && sweep[4] > 0, 'the current follows the swept voltage');
  await smu.safeState();
  await smu.checkErrors();
  assert.equal(running.bench.lineVoltage(0), 0);
});

test('Keysight B2900 over VXI-11: a nudge current and the node voltage in one query', async () => {
  const smu = new KeysightB2900(await clientFor('nudge'), {
    mode: 'current',
    channels: [{ limits: LIMITS, compliance: 5 }],
  });
  await smu.configure();
  await smu.currentSource().setCurrents(Float64Array.of(2e-7));
  assert.equal(running.bench.nudgeCurrent(0), 2e-7);
  const [voltage] = await smu.measure();
  assert.ok(Math.abs(voltage - running.bench.outputNodeVoltage(0)) < 1e-6);
  await smu.safeState();
  await smu.checkErrors();
});

test('crossbar board over VXI-11: binary blocks both ways, a pulse batch in one round trip', async () => {
  const config = boardConfigFor(running);
  const xbar = new CrossbarBoard(await clientFor('xbar'), config);
  await xbar.configure();
  const layout = running.bench.board.layout;
  await xbar.setVoltages(Float64Array.from({ length: layout.inputLines }, (_, i) => 0.1 * (i + 1)));
  const nodes = await xbar.sampleAndRead({ averages: 1 });
  assert.equal(nodes.length, layout.floatingNodes);
  const before = await xbar.readConductances(0, 0.1);
  const { amplitude_V, width_s } = config.limits.pulse;
  const pulse = {
    array: 0,
    row: 1,
    col: 2,
    polarity: 'set' as const,
    amplitude_V,
    width_s: width_s.max,
    count: 3,
  };
  assert.deepEqual(await xbar.applyPulses([pulse]), { applied: 3 });
  const after = await xbar.readConductances(0, 0.1);
  const k = 1 * layout.arrays[0].cols + 2;
  assert.ok(after[k] > before[k], `SET pulses raise G[0,1,2]: ${before[k]} → ${after[k]}`);
  await xbar.safeState();
  await xbar.checkErrors();
});

test('Keithley 2600B over VXI-11: TSP chunks and print() replies', async () => {
  const smu = new Keithley2600B(new TspClient(await vxi11For('k2601')), {
    mode: 'voltage',
    channels: [{ limits: LIMITS, compliance: 1e-3 }],
  });
  await smu.configure();
  await smu.voltageSource().setVoltages(Float64Array.of(-0.3));
  const [current] = await smu.measure();
  const expected = running.bench.lineCurrent(1);
  assert.ok(
    Math.abs(current - expected) <= 0.01 * Math.abs(expected),
    `read ${current}, circuit ${expected}`,
  );
  await smu.safeState();
  await smu.checkErrors();
});
