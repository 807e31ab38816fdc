// Program data types on the server: IEEE 488.2-1992 §7.7 and SCPI-1999 vol.1 §7-8.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  block,
  boolean,
  channelList,
  choice,
  numeric,
  optional,
  string,
} from '../../drivers/scpi/server/index.ts';
import { ask, errorCodes, newServer } from './helpers.ts';

function recorder() {
  const server = newServer();
  const seen: unknown[] = [];
  const keep = (values: unknown[]) => void seen.push(values.length === 1 ? values[0] : values);
  server.register('NUMber', { params: [numeric()], run: keep });
  server.register('VOLTage', {
    params: [numeric({ unit: 'V', min: -10, max: 10, default: 1.25 })],
    run: keep,
  });
  server.register('CURRent', { params: [numeric({ unit: 'A' })], run: keep });
  server.register('RESistance', { params: [numeric({ unit: 'OHM' })], run: keep });
  server.register('FREQuency', { params: [numeric({ unit: 'HZ' })], run: keep });
  server.register('APERture', { params: [numeric({ unit: 'S', min: 0, max: Infinity })], run: keep });
  server.register('COUNt', { params: [numeric({ integer: true, min: 1, max: 100 })], run: keep });
  server.register('STATe', { params: [boolean()], run: keep });
  server.register('FUNCtion', { params: [choice(['VOLTage', 'CURRent', 'RESistance'])], run: keep });
  server.register('LABel', { params: [string()], run: keep });
  server.register('DATA', { params: [block()], run: keep });
  server.register('CLOSe', { params: [channelList({ max: 16 })], run: keep });
  server.register('RANGe', { params: [numeric(), optional(choice(['ONCE', 'AUTO']))], run: keep });
  return { server, seen };
}

async function values(messages: (string | Uint8Array)[]) {
  const { server, seen } = recorder();
  for (const message of messages) await ask(server, message);
  assert.deepEqual(await errorCodes(server), []);
  return seen;
}

test('non-decimal numbers #H, #Q, #B in either case (IEEE 488.2 §7.7.4)', async () => {
  assert.deepEqual(
    await values(['NUM #H1F', 'NUM #h1f', 'NUM #Q17', 'NUM #B101', 'NUM #b0']),
    [31, 31, 15, 5, 0],
  );
});

test('decimal forms with signs, points and white space around the exponent (IEEE 488.2 §7.7.2.2)', async () => {
  assert.deepEqual(
    await values(['NUM -.5', 'NUM +12.', 'NUM 1.5 E 3', 'NUM 2e-3', 'NUM    7  ']),
    [-0.5, 12, 1500, 0.002, 7],
  );
});

test('SI-prefixed suffix units (IEEE 488.2 §7.7.3, Table 7-1: M = milli, MA = mega, MOHM/MHZ = mega)', async () => {
  const got = await values([
    'VOLT 100mV',
    'VOLT 2.5 V',
    'CURR 5MA', // milliampere: M + A
    'CURR 20uA',
    'RES 1.5kOhm',
    'RES 10MOHM',
    'FREQ 2MHZ',
    'FREQ 3MAHZ',
    'APER 50 us',
    'APER 20ms',
  ]);
  assert.deepEqual(got, [0.1, 2.5, 0.005, 2e-5, 1500, 1e7, 2e6, 3e6, 5e-5, 0.02]);
});

test('MINimum, MAXimum, DEFault and INFinity (SCPI-1999 vol.1 §7.2.1)', async () => {
  assert.deepEqual(await values(['VOLT MIN', 'VOLT maximum', 'VOLT DEF', 'APER INF', 'APER MIN']), [
    -10,
    10,
    1.25,
    Infinity,
    0,
  ]);
  const { server } = recorder();
  await ask(server, 'VOLT INF'); // beyond MAX
  await ask(server, 'NUM DEF'); // no default declared
  await ask(server, 'VOLT MAXI'); // neither short nor long form
  assert.deepEqual(await errorCodes(server), [-222, -224, -224]);
});

test('integer parameters round to the nearest integer (SCPI-1999 vol.1 §7.2.1)', async () => {
  assert.deepEqual(await values(['COUN 2.4', 'COUN 2.6', 'COUN #H10']), [2, 3, 16]);
});

test('booleans ON/OFF/1/0 and rounded numbers (SCPI-1999 vol.1 §7.3)', async () => {
  assert.deepEqual(await values(['STAT ON', 'STAT off', 'STAT 1', 'STAT 0', 'STAT 0.4', 'STAT 0.6']), [
    true,
    false,
    true,
    false,
    false,
    true,
  ]);
});

test('character data matches short or long form, any case, giving the declared spelling', async () => {
  assert.deepEqual(await values(['FUNC VOLT', 'FUNC current', 'FUNC Res']), [
    'VOLTage',
    'CURRent',
    'RESistance',
  ]);
});

test('strings in double or single quotes with doubled quotes inside (IEEE 488.2 §7.7.5)', async () => {
  assert.deepEqual(await values(['LAB "say ""hi"""', "LAB 'it''s; fine'", 'LAB ""']), [
    'say "hi"',
    "it's; fine",
    '',
  ]);
});

test('definite blocks may hold NL and ";"; an indefinite #0 block runs to the end (IEEE 488.2 §7.7.6)', async () => {
  const payload = Uint8Array.of(0x0a, 0x3b, 0x00, 0x23, 0xff);
  const message = Buffer.concat([Buffer.from('DATA #15'), payload, Buffer.from(';:NUM 4\n')]);
  // An indefinite block ends at the terminator, so its payload cannot hold NL.
  const noNewline = payload.subarray(1);
  const indefinite = Buffer.concat([Buffer.from('DATA #0'), noNewline, Buffer.from('\n')]);
  const got = await values([message, indefinite]);
  assert.deepEqual(
    got.map((v) => (v instanceof Uint8Array ? [...v] : v)),
    [[...payload], 4, [...noNewline]],
  );
});

test('channel lists with ranges, ascending or descending (SCPI-1999 vol.1 §8.3.2)', async () => {
  assert.deepEqual(await values(['CLOS (@1,3:5)', 'CLOS (@ 5:3 , 16)']), [
    [1, 3, 4, 5],
    [5, 4, 3, 16],
  ]);
  const { server } = recorder();
  await ask(server, 'CLOS (@17)');
  await ask(server, 'CLOS (@1:2:3)');
  await ask(server, 'CLOS 1');
  assert.deepEqual(await errorCodes(server), [-222, -170, -104]);
});

test('optional parameters arrive as undefined when left out', async () => {
  assert.deepEqual(await values(['RANG 2', 'RANG 2,AUTO']), [
    [2, undefined],
    [2, 'AUTO'],
  ]);
});

test('response data: numbers, booleans, lists, blocks (IEEE 488.2 §8.7)', async () => {
  const server = newServer();
  server.register('LIST?', { run: () => [1, -2.5, true, 'X'] });
  server.register('BLOCk?', { run: () => Uint8Array.of(0x0a, 0x41) });
  server.register('OVER?', { run: () => [Infinity, NaN] });
  assert.equal(await ask(server, 'LIST?'), '1,-2.5E+0,1,X\n');
  assert.equal(await ask(server, 'BLOC?;LIST?'), '#12\nA;1,-2.5E+0,1,X\n');
  assert.equal(await ask(server, 'OVER?'), '9.9E+37,9.91E+37\n');
});
