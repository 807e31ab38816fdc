// The emulated Keithley 2450 and Keysight B2900 over raw loopback sockets: sourcing a voltage on an
// input line reads the current the circuit draws (Ohm's law over the line's devices at the true
// node voltages), sourcing a current into an output node reads the node voltage, compliance clamps.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulatedBench } from '../../sim/emulators/index.ts';
import type { RunningEmulatedBench } from '../../sim/emulators/index.ts';
import { drainErrors, expectedLineCurrent, irisBoard, LineClient, portOf } from './helpers.ts';

let bench: RunningEmulatedBench;
let k2450: LineClient;
let b2900: LineClient;

before(async () => {
  bench = await startEmulatedBench({
    board: irisBoard,
    instruments: [
      { name: 'smu', kind: 'keithley-2450', attach: { inputLine: 2 } },
      { name: 'b2902', kind: 'keysight-b2900', channels: [{ inputLine: 5 }, { outputNode: 1 }] },
    ],
  });
  const port = (name: string) => portOf(bench.resources.find((r) => r.name === name)!.resource);
  k2450 = await LineClient.connect(port('smu'));
  b2900 = await LineClient.connect(port('b2902'));
});

after(async () => {
  k2450?.close();
  b2900?.close();
  await bench?.close();
});

const relClose = (got: number, want: number, rel = 1e-9) =>
  assert.ok(Math.abs(got - want) <= rel * Math.abs(want) + 1e-18, `${got} != ${want}`);

test('2450 identifies itself', { timeout: 5000 }, async () => {
  assert.match(await k2450.query('*IDN?'), /^KEITHLEY INSTRUMENTS,MODEL 2450,/);
});

test(
  '2450 sources a voltage on an input line and reads the current the circuit draws',
  { timeout: 5000 },
  async () => {
    const board = bench.bench.board;
    k2450.write(
      '*RST;:SOUR:FUNC VOLT;:SOUR:VOLT 0.4;:SOUR:VOLT:ILIM 10mA;:SENS:FUNC "CURR";:SENS:CURR:NPLC 1;:OUTP ON',
    );
    const reading = Number(await k2450.query(':READ?'));
    assert.ok(Math.abs(board.appliedInputs()[2] - 0.4) <= 1e-3, 'the line is at the sourced level');
    relClose(reading, expectedLineCurrent(board, 2));
    assert.ok(reading > 0, 'current flows out of the source into the network');
    assert.equal(Number(await k2450.query(':MEAS:VOLT?')), board.appliedInputs()[2]);
    assert.equal(await k2450.query(':SOUR:VOLT:ILIM:TRIP?'), '0');
    assert.deepEqual(await drainErrors(k2450), []);
  },
);

test('2450 current limit clamps the reading and reports the trip', { timeout: 5000 }, async () => {
  const board = bench.bench.board;
  k2450.write(':SOUR:VOLT 0.8;:SOUR:VOLT:ILIM 1e-6;:OUTP ON');
  const reading = Number(await k2450.query(':MEAS:CURR?'));
  assert.ok(expectedLineCurrent(board, 2) > 1e-6, 'the circuit would draw more than the limit');
  assert.equal(reading, 1e-6);
  assert.equal(await k2450.query(':SOUR:VOLT:ILIM:TRIP?'), '1');
});

test('2450 linear sweep fills the buffer read by TRAC:DATA?', { timeout: 5000 }, async () => {
  const board = bench.bench.board;
  k2450.write('*RST;:SOUR:VOLT:ILIM 10mA;:TRAC:CLE;:SOUR:SWE:VOLT:LIN 0,0.6,4;:INIT;*WAI');
  const data = (await k2450.query(':TRAC:DATA? 1,4,"defbuffer1",SOUR,READ')).split(',').map(Number);
  const sources = data.filter((_, i) => i % 2 === 0);
  [0, 0.2, 0.4, 0.6].forEach((v, i) => assert.ok(Math.abs(sources[i] - v) < 1e-12, `source ${i}`));
  // The last point is still applied: its current matches the circuit now.
  relClose(data[7], expectedLineCurrent(board, 2));
  assert.equal(await k2450.query(':TRAC:ACT?'), '4');
});

test(
  '2450 rejects current sourcing on an input line with -221 and keeps the output safe',
  { timeout: 5000 },
  async () => {
    k2450.write('*RST;:SOUR:FUNC CURR;:OUTP ON');
    assert.deepEqual(await drainErrors(k2450), [-221]);
    assert.equal(await k2450.query(':OUTP?'), '0');
  },
);

test(
  'B2900 channel lists measure an input line and an output node in one query',
  { timeout: 5000 },
  async () => {
    const board = bench.bench.board;
    b2900.write(
      '*RST;:SOUR1:FUNC:MODE VOLT;:SOUR1:VOLT -0.3;:SENS1:CURR:PROT 10mA;:OUTP1 ON;' +
        ':SOUR2:FUNC:MODE CURR;:SOUR2:CURR 2uA;:SENS2:VOLT:PROT 5;:OUTP2 ON',
    );
    const currents = (await b2900.query(':MEAS:CURR? (@1,2)')).split(',').map(Number);
    relClose(currents[0], expectedLineCurrent(board, 5));
    assert.equal(currents[1], 2e-6);
    const volts = (await b2900.query(':MEAS:VOLT? (@1:2)')).split(',').map(Number);
    assert.equal(volts[0], board.appliedInputs()[5]);
    const node = board.layout.outputOffset + 1;
    relClose(volts[1], board.trueNodeVoltages()[node]);
    assert.deepEqual(await drainErrors(b2900), []);
  },
);

test('B2900 nudge current moves the output node as the physics says', { timeout: 5000 }, async () => {
  const board = bench.bench.board;
  const node = board.layout.outputOffset + 1;
  b2900.write(':SOUR2:CURR 0');
  const v0 = Number(await b2900.query(':MEAS:VOLT? (@2)'));
  b2900.write(':SOUR2:CURR 5uA');
  const v1 = Number(await b2900.query(':MEAS:VOLT? (@2)'));
  relClose(v1, board.trueNodeVoltages()[node]);
  assert.ok(v1 > v0, 'current into a node raises its voltage');
});

test('B2900 voltage compliance on a current-sourced node clamps the reading', { timeout: 5000 }, async () => {
  b2900.write(':SOUR2:CURR 50uA;:SENS2:VOLT:PROT 0.02');
  const v = Number(await b2900.query(':MEAS:VOLT? (@2)'));
  assert.equal(v, 0.02);
  assert.equal(await b2900.query(':SENS2:VOLT:PROT:TRIP?'), '1');
});
