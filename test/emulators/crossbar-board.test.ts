// The emulated crossbar board over a raw loopback socket, driven with hand-built messages and
// binary blocks per docs/protocols/crossbar-board.md.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulatedBench } from '../../sim/emulators/index.ts';
import type { RunningEmulatedBench } from '../../sim/emulators/index.ts';
import { drainErrors, irisBoard, LineClient, portOf } from './helpers.ts';

let bench: RunningEmulatedBench;
let client: LineClient;

before(async () => {
  bench = await startEmulatedBench({
    board: irisBoard,
    instruments: [{ name: 'xbar', kind: 'crossbar-board' }],
  });
  client = await LineClient.connect(portOf(bench.resources[0].resource));
});

after(async () => {
  client?.close();
  await bench?.close();
});

function block(payload: Buffer): Buffer {
  const length = String(payload.length);
  return Buffer.concat([Buffer.from(`#${length.length}${length}`), payload]);
}

function float64Block(values: number[], endian: 'BE' | 'LE'): Buffer {
  const payload = Buffer.alloc(8 * values.length);
  values.forEach((v, i) =>
    endian === 'BE' ? payload.writeDoubleBE(v, 8 * i) : payload.writeDoubleLE(v, 8 * i),
  );
  return block(payload);
}

interface Record {
  array: number;
  polarity: 0 | 1;
  row: number;
  col: number;
  count: number;
  amplitude: number;
  width: number;
}

/** The 24-byte little-endian pulse record of the protocol document, built field by field. */
function pulseBlock(records: Record[]): Buffer {
  const payload = Buffer.alloc(24 * records.length);
  records.forEach((r, i) => {
    const at = 24 * i;
    payload.writeUInt8(r.array, at);
    payload.writeUInt8(r.polarity, at + 1);
    payload.writeUInt16LE(r.row, at + 2);
    payload.writeUInt16LE(r.col, at + 4);
    payload.writeUInt16LE(r.count, at + 6);
    payload.writeDoubleLE(r.amplitude, at + 8);
    payload.writeDoubleLE(r.width, at + 16);
  });
  return block(payload);
}

const decodeBE = (payload: Buffer) =>
  Array.from({ length: payload.length / 8 }, (_, i) => payload.readDoubleBE(8 * i));

test('identifies itself and describes its arrays', { timeout: 5000 }, async () => {
  assert.match(await client.query('*IDN?'), /^NUDGED,XBAR-EMU,/);
  assert.equal(
    await client.query('LINE:COUN?;:NODE:COUN?;OUTP:COUN?;OFFS?;:ARR:COUN?;SIZE? 0;SIZE? 1;COND:RANG? 0'),
    '8;14;6;8;2;8,8;8,6;1.0E-6,1.0E-4',
  );
});

test(
  'input lines: ASCII list and REAL,64 block forms set all lines in one message',
  { timeout: 5000 },
  async () => {
    const board = bench.bench.board;
    const lsb = 20 / 2 ** 16; // the board DAC: 16 bits over ±10 V
    client.write('*RST;:SOUR:VOLT 0.1,0.2,0.3,0.4,-0.1,-0.2,-0.3,-0.4');
    const ascii = (await client.query('SOUR:VOLT?')).split(',').map(Number);
    assert.deepEqual(ascii, Array.from(board.appliedInputs()));
    [0.1, 0.2, 0.3, 0.4, -0.1, -0.2, -0.3, -0.4].forEach((v, i) =>
      assert.ok(Math.abs(ascii[i] - v) <= lsb / 2),
    );

    const levels = [0.5, -0.5, 0.25, 0, -0.5, 0.5, -0.25, 0];
    client.write(
      Buffer.concat([
        Buffer.from('FORM REAL,64;:FORM:BORD SWAP;:SOUR:VOLT '),
        float64Block(levels, 'LE'),
        Buffer.from('\n'),
      ]),
    );
    client.write('FORM:BORD NORM');
    const binary = decodeBE(Buffer.from(await client.query('SOUR:VOLT?'), 'latin1'));
    levels.forEach((v, i) => assert.ok(Math.abs(binary[i] - v) <= lsb / 2));
    assert.deepEqual(await drainErrors(client), []);
    client.write('*RST');
  },
);

test(
  'a pulse batch block changes exactly the addressed devices and reports the count',
  { timeout: 5000 },
  async () => {
    const board = bench.bench.board;
    const before = Float64Array.from(board.devices.g_S);
    const records: Record[] = [
      { array: 0, polarity: 0, row: 2, col: 3, count: 3, amplitude: 1.5, width: 1e-6 },
      { array: 1, polarity: 1, row: 7, col: 5, count: 2, amplitude: 1.5, width: 1e-6 },
    ];
    const reply = await client.query(
      Buffer.concat([Buffer.from('PROG:PULS:BATC '), pulseBlock(records), Buffer.from(';BATC:COUN?\n')]),
    );
    assert.equal(reply, '5');
    const { deviceOffsets, arrays } = board.layout;
    const addressed = records.map((r) => deviceOffsets[r.array] + r.row * arrays[r.array].cols + r.col);
    const changed = [...board.devices.g_S.keys()].filter((i) => board.devices.g_S[i] !== before[i]);
    assert.deepEqual(changed, addressed);
    assert.ok(board.devices.g_S[addressed[0]] > before[addressed[0]], 'SET raises the conductance');
    assert.ok(board.devices.g_S[addressed[1]] < before[addressed[1]], 'RESET lowers it');
    assert.deepEqual(await drainErrors(client), []);
  },
);

test(
  'a batch over a :LIMit is refused whole: count 0, error 301, QUES limit bit',
  { timeout: 5000 },
  async () => {
    const board = bench.bench.board;
    const before = Float64Array.from(board.devices.g_S);
    client.write('LIM:PULS:AMPL 1.0;:STAT:QUES?');
    await client.readResponse(); // clears earlier events
    const records: Record[] = [
      { array: 0, polarity: 0, row: 0, col: 0, count: 1, amplitude: 0.5, width: 1e-6 },
      { array: 0, polarity: 0, row: 1, col: 1, count: 1, amplitude: 1.2, width: 1e-6 },
    ];
    const reply = await client.query(
      Buffer.concat([Buffer.from('PROG:PULS:BATC '), pulseBlock(records), Buffer.from(';BATC:COUN?\n')]),
    );
    assert.equal(reply, '0');
    assert.deepEqual(Array.from(board.devices.g_S), Array.from(before));
    assert.deepEqual(await drainErrors(client), [301]);
    assert.equal(Number(await client.query('STAT:QUES?')) & 0b11, 0b11, 'LIMIT and PULSE event bits');
    client.write('LIM:PULS:AMPL 5');
  },
);

test(
  'sample-and-hold returns every node voltage within the ADC noise of the physics',
  { timeout: 5000 },
  async () => {
    const board = bench.bench.board;
    client.write('*RST;:SOUR:VOLT 0.6,-0.3,0.2,0.45,-0.6,0.3,-0.2,-0.45;:SOUR:CURR 0,0,1e-6,0,0,-1e-6');
    client.write('FORM REAL,64;:FORM:BORD NORM');
    const readings = decodeBE(Buffer.from(await client.query('SAMP:READ? 1ms,16'), 'latin1'));
    const truth = board.trueNodeVoltages();
    assert.equal(readings.length, truth.length);
    // Error budget of the default chain: S&H pedestal 0.5 mV ± 0.2 mV spread and droop, amplifier
    // offset 30 µV rms, ADC noise 0.1 mV rms / √16 and half an LSB (0.15 mV): well within 2 mV.
    readings.forEach((v, i) => assert.ok(Math.abs(v - truth[i]) < 2e-3, `node ${i}: ${v} vs ${truth[i]}`));
    assert.ok(
      truth.some((v) => Math.abs(v) > 0.01),
      'the inputs move the nodes',
    );
    client.write('FORM ASC;*RST');
  },
);

test(
  'conductance map of an array as one block equals the devices within read noise',
  { timeout: 5000 },
  async () => {
    const board = bench.bench.board;
    client.write('FORM REAL,64');
    const map = decodeBE(Buffer.from(await client.query('MEAS:COND? 1,0.1'), 'latin1'));
    const { deviceOffsets, arrays } = board.layout;
    const truth = board.devices.g_S.subarray(
      deviceOffsets[1],
      deviceOffsets[1] + arrays[1].rows * arrays[1].cols,
    );
    assert.equal(map.length, truth.length);
    map.forEach((g, i) => assert.ok(Math.abs(g - truth[i]) <= 0.05 * truth[i], `device ${i}`));
    client.write('FORM ASC');
    client.write('MEAS:COND? 1,0.5');
    assert.deepEqual(await drainErrors(client), [301]);
  },
);

test(
  'bias scheme and formats round-trip; an over-limit line voltage is refused',
  { timeout: 5000 },
  async () => {
    assert.equal(await client.query('PROG:BIAS VTH;BIAS?'), 'VTH');
    assert.equal(await client.query('FORM REAL,64;:FORM?;:FORM:BORD SWAP;BORD?'), 'REAL,64;SWAP');
    client.write('*RST;:LIM:VOLT -1,1;:SOUR:VOLT 2,0,0,0,0,0,0,0');
    assert.deepEqual(await drainErrors(client), [301]);
    assert.equal(await client.query('FORM?;:PROG:BIAS?;:LIM:VOLT?'), 'ASC;GRO;-1,1');
    assert.equal(await client.query('SOUR:VOLT?'), '0,0,0,0,0,0,0,0');
    client.write('LIM:VOLT -10,10');
  },
);
