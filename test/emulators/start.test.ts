// startEmulatedBench on the example bench file: resource strings for every server, the serial
// pty path working with a plain serialport client, and the wiring checks.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { SerialPort } from 'serialport';
import { startEmulatedBench, startEmulatedBenchFile } from '../../sim/emulators/index.ts';
import type { RunningEmulatedBench } from '../../sim/emulators/index.ts';
import { irisBoard, LineClient, portOf } from './helpers.ts';

let bench: RunningEmulatedBench;
let serial: SerialPort | undefined;
let socket: LineClient | undefined;

before(async () => {
  bench = await startEmulatedBenchFile(
    new URL('../../examples/emulated-bench.yaml', import.meta.url).pathname,
  );
});

after(async () => {
  socket?.close();
  if (serial?.isOpen) await new Promise<void>((resolve) => serial!.close(() => resolve()));
  await bench?.close();
});

test('the example bench lists one resource per server', { timeout: 10000 }, () => {
  const list = bench.resources.map((r) => `${r.name} ${r.resource}`);
  const patterns = [
    /^board TCPIP::127\.0\.0\.1::\d+::SOCKET$/,
    /^board ASRL\/.+::INSTR$/,
    /^board TCPIP::127\.0\.0\.1::inst0::INSTR$/,
    /^dac modbus-tcp:\/\/127\.0\.0\.1:\d+\?unit=1$/,
    /^smu2450 TCPIP::127\.0\.0\.1::\d+::SOCKET$/,
    /^smu2450 TCPIP::127\.0\.0\.1::inst1::INSTR$/,
    /^b2902 TCPIP::127\.0\.0\.1::\d+::SOCKET$/,
    /^b2902 TCPIP::127\.0\.0\.1::inst2::INSTR$/,
  ];
  assert.equal(list.length, patterns.length, list.join('\n'));
  patterns.forEach((p, i) => assert.match(list[i], p));
  // The VXI-11 devices share one portmapper, on a free port unless the file asks for 111.
  const vxi11 = bench.resources.filter((r) => r.portmapperPort !== undefined);
  assert.deepEqual(
    vxi11.map((r) => r.name),
    ['board', 'smu2450', 'b2902'],
  );
  assert.equal(new Set(vxi11.map((r) => r.portmapperPort)).size, 1);
  assert.ok(vxi11[0].portmapperPort! > 0);
});

test(
  'the board answers on its serial pty and its socket, sharing one state',
  { timeout: 10000 },
  async () => {
    const path = /^ASRL(.+)::INSTR$/.exec(bench.resources[1].resource)![1];
    serial = new SerialPort({ path, baudRate: 9600 });
    let received = '';
    const reply = new Promise<string>((resolve) =>
      serial!.on('data', (chunk: Buffer) => {
        received += chunk.toString('latin1');
        if (received.endsWith('\n')) resolve(received);
      }),
    );
    serial.write('PROG:BIAS VHAL;BIAS?\n');
    assert.equal(await reply, 'VHAL\n');
    socket = await LineClient.connect(portOf(bench.resources[0].resource));
    assert.equal(await socket.query('PROG:BIAS?'), 'VHAL');
  },
);

test('wiring errors name the field', { timeout: 5000 }, async () => {
  await assert.rejects(
    startEmulatedBench({
      board: irisBoard,
      instruments: [
        { name: 'dac', kind: 'modbus-dac', lines: [0, 1] },
        { name: 'smu', kind: 'keithley-2450', attach: { inputLine: 1 } },
      ],
    }),
    /instruments\[1\]\.attach\.inputLine: inputLine 1 is already driven by instruments\[0\]\.lines\[1\]/,
  );
  await assert.rejects(
    startEmulatedBench({
      board: irisBoard,
      instruments: [{ name: 'smu', kind: 'keithley-2450', attach: { outputNode: 6 } }],
    }),
    /instruments\[0\]\.attach\.outputNode: 6 is outside 0\.\.5/,
  );
});
