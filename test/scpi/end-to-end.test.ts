// ScpiClient ↔ ScpiServer over the in-memory LoopbackTransport: the driver and emulator halves
// of the codec must agree byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ScpiClient,
  ScpiInstrumentError,
  decodeBinary,
  encodeBinary,
  formatNumber,
} from '../../drivers/scpi/index.ts';
import { block, numeric, boolean, ScpiServer } from '../../drivers/scpi/server/index.ts';
import { LoopbackTransport } from '../../drivers/scpi/testing/index.ts';
import { TransportTimeoutError } from '../../drivers/transports/transport.ts';
import { identity } from './helpers.ts';

function emulatedSmu() {
  const state = { volts: 0, output: false, pulses: new Float64Array(0) };
  const server = new ScpiServer({
    identity,
    onReset: () => void Object.assign(state, { volts: 0, output: false }),
  });
  server.register('[SOURce[1]]:VOLTage[:LEVel][:IMMediate][:AMPLitude]', {
    params: [numeric({ name: 'level', unit: 'V', min: -21, max: 21, default: 0 })],
    run: ([v]) => void (state.volts = v),
  });
  server.register('[SOURce[1]]:VOLTage[:LEVel][:IMMediate][:AMPLitude]?', { run: () => state.volts });
  server.register('OUTPut[1][:STATe]', { params: [boolean()], run: ([on]) => void (state.output = on) });
  server.register('OUTPut[1][:STATe]?', { run: () => state.output });
  // 1 kΩ load: the current follows the voltage only while the output is on.
  server.register('MEASure:CURRent[:DC]?', { run: async () => (state.output ? state.volts / 1000 : 0) });
  server.register('TRACe:DATA?', {
    run: () => encodeBinary([state.volts, -state.volts, 10], { element: 'float64', endian: 'little' }),
  });
  server.register('PULSe:BATCh', {
    params: [block()],
    run: ([bytes]) => void (state.pulses = decodeBinary(bytes, { element: 'float64', endian: 'little' })),
  });
  const client = new ScpiClient(new LoopbackTransport(server, { timeout_ms: 200 }));
  return { server, client, state };
}

test('identify, set, query and measure through client and emulator', async () => {
  const { client, state } = emulatedSmu();
  assert.deepEqual(await client.identify(), identity);
  await client.write(`:SOUR:VOLT ${formatNumber(2.5)};:OUTP ON`);
  assert.equal(state.volts, 2.5);
  assert.equal(await client.queryNumber('VOLT?'), 2.5);
  assert.equal(await client.queryBoolean('OUTP?'), true);
  assert.equal(await client.queryNumber(':MEAS:CURR?'), 2.5e-3);
  await client.checkErrors();
});

test('awkward doubles survive client formatting, server parsing and NR3 responses exactly', async () => {
  const { client } = emulatedSmu();
  for (const value of [1e-7, -0.1, 20.999999999999996, 1 / 3, 5e-324]) {
    await client.write(`VOLT ${formatNumber(value)}`);
    assert.equal(await client.queryNumber('VOLT?'), value);
  }
});

test('an out-of-range level comes back as ScpiInstrumentError -222 naming the command', async () => {
  const { client, state } = emulatedSmu();
  const error = await client.writeChecked('VOLT 50').catch((e: unknown) => e);
  assert.ok(error instanceof ScpiInstrumentError);
  assert.equal(error.code, -222);
  assert.equal(error.command, 'VOLT 50');
  assert.match(error.instrumentMessage, /level: 50 is outside \[-21, 21\]/);
  assert.equal(state.volts, 0);
  assert.deepEqual(await client.readErrors(), []);
});

test('blocks both ways: binary write and float64 block read, with NL bytes in the payload', async () => {
  const { client, state } = emulatedSmu();
  // 0x0a (NL) bytes inside the doubles: 0a0a0a0a0a0a2440 little-endian is about 10.02.
  const payload = Uint8Array.of(
    ...new Uint8Array(Float64Array.of(1, -2.5).buffer),
    10,
    10,
    10,
    10,
    10,
    10,
    0x24,
    0x40,
  );
  const pulses = new Float64Array(payload.buffer);
  await client.writeBlock(':PULS:BATC', payload);
  assert.deepEqual([...state.pulses], [...pulses]);
  await client.write('VOLT 1.25');
  assert.deepEqual(
    [...(await client.queryBinary('TRAC:DATA?', { element: 'float64', endian: 'little' }))],
    [1.25, -1.25, 10],
  );
});

test('status over the wire: *ESR? after a command error, *OPC? sync, *RST', async () => {
  const { client, state } = emulatedSmu();
  await client.readEventStatus(); // clear PON
  await client.write('VOLT:BOGUS 1');
  const esr = await client.readEventStatus();
  assert.equal(esr.CME, true);
  const stb = await client.readStatusByte();
  assert.equal(stb.EAV, true);
  assert.deepEqual(
    (await client.readErrors()).map((e) => e.code),
    [-113],
  );
  await client.write('VOLT 3');
  await client.reset();
  await client.waitComplete();
  assert.equal(state.volts, 0);
});

test('a query the emulator does not answer times out as a TransportTimeoutError', async () => {
  const { client } = emulatedSmu();
  await assert.rejects(client.query('NOSUCH?'), TransportTimeoutError);
  assert.deepEqual(
    (await client.readErrors()).map((e) => e.code),
    [-113],
  );
});

test('concurrent queries through one client each get their own answer', async () => {
  const { client } = emulatedSmu();
  await client.write('VOLT 4;:OUTP ON');
  const results = await Promise.all([
    client.queryNumber('VOLT?'),
    client.queryNumber('MEAS:CURR?'),
    client.queryBoolean('OUTP?'),
    client.identify(),
  ]);
  assert.deepEqual(results, [4, 0.004, true, identity]);
});
