// Each fault injection mode, observed from the client side.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import modbusSerial from 'modbus-serial';
import { startEmulatedBench } from '../../sim/emulators/index.ts';
import type { RunningEmulatedBench } from '../../sim/emulators/index.ts';
import { drainErrors, irisBoard, LineClient, portOf } from './helpers.ts';

let bench: RunningEmulatedBench;
const clients: LineClient[] = [];
const ModbusClient = modbusSerial.default;
let modbus: InstanceType<typeof ModbusClient>;

before(async () => {
  bench = await startEmulatedBench({
    board: irisBoard,
    instruments: [
      { name: 'dropper', kind: 'crossbar-board', faults: { drop: { after: 1, count: 1 } } },
      {
        name: 'garbler',
        kind: 'keithley-2450',
        attach: { inputLine: 0 },
        faults: { garbage: { after: 1, count: 1, bytes: 'de ad' } },
      },
      {
        name: 'erring',
        kind: 'keithley-2450',
        attach: { inputLine: 1 },
        faults: { scpiError: { count: 1, code: -350 } },
      },
      { name: 'stuck', kind: 'crossbar-board', faults: { stuck: { after: 1, count: 1 } } },
      { name: 'slow', kind: 'crossbar-board', faults: { latency_ms: 60 } },
      {
        name: 'dac',
        kind: 'modbus-dac',
        lines: [2, 3],
        faults: { modbusException: { after: 1, count: 1, code: 6 } },
      },
    ],
  });
  modbus = new ModbusClient();
  await modbus.connectTCP('127.0.0.1', { port: portOf(resource('dac')) });
  modbus.setID(1);
  modbus.setTimeout(2000);
});

after(async () => {
  for (const c of clients) c.close();
  await new Promise<void>((resolve) => modbus.close(() => resolve()));
  await bench?.close();
});

function resource(name: string): string {
  return bench.resources.find((r) => r.name === name)!.resource;
}

async function open(name: string): Promise<LineClient> {
  const client = await LineClient.connect(portOf(resource(name)));
  clients.push(client);
  return client;
}

test(
  'dropped connection: the second message closes the link unanswered, a new link works',
  { timeout: 5000 },
  async () => {
    const first = await open('dropper');
    assert.match(await first.query('*IDN?'), /XBAR-EMU/);
    first.write('*IDN?');
    await first.closedByPeer();
    assert.equal(first.pending.length, 0);
    const second = await open('dropper');
    assert.match(await second.query('*IDN?'), /XBAR-EMU/);
  },
);

test('garbage bytes precede the reply to the hit message only', { timeout: 5000 }, async () => {
  const client = await open('garbler');
  assert.match(await client.query('*IDN?'), /^KEITHLEY/);
  const reply = await client.query('*IDN?');
  assert.ok(reply.startsWith('\xde\xadKEITHLEY'), JSON.stringify(reply));
  assert.match(await client.query('*IDN?'), /^KEITHLEY/);
});

test('a forced SCPI error lands in the error queue', { timeout: 5000 }, async () => {
  const client = await open('erring');
  // The first message is hit: the error is queued before it executes, so it reports it at once.
  assert.equal(await client.query('SYST:ERR?'), '-350,"Queue overflow;injected fault"');
  assert.deepEqual(await drainErrors(client), []);
});

test('a stuck instrument swallows the hit message and answers the next one', { timeout: 5000 }, async () => {
  const client = await open('stuck');
  assert.match(await client.query('*IDN?'), /XBAR-EMU/);
  client.write('*IDN?');
  assert.equal(await client.query('*OPC?'), '1', 'the swallowed *IDN? never answers');
});

test(
  'latency holds every reply back: nothing has arrived before the configured delay',
  { timeout: 5000 },
  async () => {
    const client = await open('slow');
    client.write('*IDN?');
    // A timer shorter than the 60 ms latency always fires first (timers run in order of expiry).
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(client.pending.length, 0, 'a reply arrived before the configured latency');
    assert.match((await client.readResponse()).toString('latin1'), /XBAR-EMU/);
  },
);

test(
  'a Modbus exception code reaches the client, then the module answers again',
  { timeout: 5000 },
  async () => {
    await modbus.writeRegisters(0, [2048, 2048]);
    await assert.rejects(
      modbus.writeRegisters(0, [0, 0]),
      (e: { modbusCode?: number }) => e.modbusCode === 6,
    );
    await modbus.writeRegisters(0, [0, 4095]);
    const applied = bench.bench.board.appliedInputs();
    assert.ok(Math.abs(applied[2] + 10) < 1e-3 && Math.abs(applied[3] - 10) < 1e-3);
  },
);
