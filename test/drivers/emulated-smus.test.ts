// End to end: the Keithley 2400 driver over a serial pty (socat pair, CR terminator as on its
// RS-232 port) and the Keithley 2600B driver over TSP on a loopback socket, against the emulators
// of sim/emulators, checked against the simulated board's physics.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ScpiClient } from '../../drivers/scpi/index.ts';
import { openTransport } from '../../drivers/transports/open-transport.ts';
import type { MessageTransport } from '../../drivers/transports/transport.ts';
import { Keithley2400, KEITHLEY_2400_RS232 } from '../../drivers/instruments/keithley-2400.ts';
import { Keithley2600B } from '../../drivers/instruments/keithley-2600b.ts';
import { TspClient, TspInstrumentError } from '../../drivers/instruments/tsp-client.ts';
import { startEmulatedBench, type RunningEmulatedBench } from '../../sim/emulators/index.ts';
import { LIMITS } from './fixtures.ts';

let running: RunningEmulatedBench;
const transports: MessageTransport[] = [];

before(async () => {
  running = await startEmulatedBench({
    board: { network: { inputs: 3, hidden: [3], outputs: 2 }, seed: 5 },
    instruments: [
      { name: 'k2400', kind: 'keithley-2400', attach: { inputLine: 0 } },
      { name: 'k2602', kind: 'keithley-2600b', channels: [{ inputLine: 1 }, { inputLine: 2 }] },
    ],
  });
});

after(async () => {
  await Promise.allSettled(transports.map((t) => t.close()));
  await running?.close();
});

async function open(name: string, options: Record<string, unknown> = {}): Promise<MessageTransport> {
  const entry = running.resources.find((r) => r.name === name);
  assert.ok(entry, `the emulated bench serves ${name}`);
  const transport = await openTransport(entry.resource, { timeout_ms: 5000, ...options });
  transports.push(transport);
  return transport;
}

const close = (got: number, want: number) =>
  assert.ok(Math.abs(got - want) <= 0.01 * Math.abs(want), `read ${got}, circuit ${want}`);

test('Keithley 2400 over RS-232 (CR): configure, source, :READ? of FORM:ELEM VOLT,CURR', async () => {
  const entry = running.resources.find((r) => r.name === 'k2400');
  assert.match(entry?.resource ?? '', /^ASRL\/.+::INSTR$/, 'the 2400 is served on a serial pty only');
  const { baud, dataBits, parity, stopBits, flowControl, terminator } = KEITHLEY_2400_RS232;
  const transport = await open('k2400', {
    baudRate: baud,
    dataBits,
    parity,
    stopBits,
    flowControl,
    readTermination: terminator,
    writeTermination: terminator,
  });
  const smu = new Keithley2400(new ScpiClient(transport), {
    mode: 'voltage',
    channels: [{ limits: LIMITS, compliance: 1e-3, sourceRange: 2 }],
  });
  assert.equal((await smu.configure()).model, 'MODEL 2400');
  await smu.voltageSource().setVoltages(Float64Array.of(0.4));
  const { voltage_V, current_A } = await smu.read();
  assert.ok(Math.abs(voltage_V - 0.4) < 1e-3, `the line is at ${voltage_V} V`);
  close(current_A, running.bench.lineCurrent(0));
  await smu.safeState();
  await smu.checkErrors();
  // With the output off the 2400 does not measure: +803 Output disabled, and no reply.
  await smu.client.write(':READ?');
  const errors = await smu.client.readErrors();
  assert.deepEqual(
    errors.map((e) => e.code),
    [803],
  );
});

test('Keithley 2600B over TSP: both SMUs in one chunk, print() of both currents', async () => {
  const tsp = new TspClient(await open('k2602'));
  const smu = new Keithley2600B(tsp, {
    mode: 'voltage',
    channels: [
      { limits: LIMITS, compliance: 1e-3 },
      { limits: LIMITS, compliance: 1e-3, sourceRange: 1 },
    ],
  });
  assert.match((await smu.configure()).model, /Model 2602B/);
  await smu.voltageSource().setVoltages(Float64Array.of(0.3, -0.2));
  // The query is answered after the level chunk has run (one link, in order).
  const [i1, i2] = await smu.measure();
  assert.ok(Math.abs(running.bench.lineVoltage(1) - 0.3) < 1e-3);
  assert.ok(Math.abs(running.bench.lineVoltage(2) + 0.2) < 1e-3);
  close(i1, running.bench.lineCurrent(1));
  close(i2, running.bench.lineCurrent(2));
  await smu.safeState();
  await smu.checkErrors();
  assert.equal(running.bench.lineVoltage(1), 0);
});

test('Keithley 2600B errors: a refused level and an unknown attribute reach the TSP error queue', async () => {
  const tsp = new TspClient(await open('k2602'));
  // smub's fixed 1 V source range refuses 5 V; the statement before it has run, the one after not.
  const refused = await tsp
    .writeChecked('smua.source.levelv = 0.1 smub.source.levelv = 5 smua.source.levelv = 0.2')
    .catch((e: unknown) => e);
  assert.ok(refused instanceof TspInstrumentError);
  assert.equal(refused.code, -222);
  assert.deepEqual(await tsp.queryNumbers('smua.source.levelv'), [0.1]);
  const unknown = await tsp.writeChecked('smua.source.levelx = 1').catch((e: unknown) => e);
  assert.ok(unknown instanceof TspInstrumentError);
  assert.equal(unknown.code, -286);
  const syntax = await tsp.writeChecked('smua.source.levelv = = 1').catch((e: unknown) => e);
  assert.ok(syntax instanceof TspInstrumentError);
  assert.equal(syntax.code, -285);
  await tsp.write('smua.source.levelv = 0');
  await tsp.checkErrors();
});
