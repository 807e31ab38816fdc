import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatChannelList,
  formatNumber,
  formatResponseNumber,
  quoteString,
} from '../../drivers/scpi/format.ts';
import { parseNumber, parseQuotedString } from '../../drivers/scpi/response.ts';
import { ScpiServer, numeric } from '../../drivers/scpi/server/index.ts';
import { Rng } from '../../src/util/random.ts';

/** Random doubles over the whole finite range: random sign, exponent and mantissa bits. */
function randomDoubles(count: number, seed: number): number[] {
  const rng = new Rng(seed);
  const view = new DataView(new ArrayBuffer(8));
  const out: number[] = [];
  while (out.length < count) {
    view.setUint32(0, rng.int(0, 0xffffffff));
    view.setUint32(4, rng.int(0, 0xffffffff));
    const value = view.getFloat64(0);
    if (Number.isFinite(value)) out.push(value);
  }
  return out;
}

// IEEE 488.2 §7.7.2 <DECIMAL NUMERIC PROGRAM DATA>: mantissa, optional E exponent.
const DECIMAL_PROGRAM_DATA = /^-?(\d+(\.\d+)?|\.\d+)(E[+-]\d+)?$/;

test('formatNumber: random doubles round-trip exactly and are 488.2 §7.7.2 decimal numeric data', () => {
  for (const value of randomDoubles(20000, 7)) {
    const text = formatNumber(value);
    assert.match(text, DECIMAL_PROGRAM_DATA, `${value}`);
    assert.equal(Number(text), value, `${value} → ${text}`);
  }
});

test('formatNumber: doubles near the plain/exponent boundaries and subnormals round-trip', () => {
  const values = [
    1e-7,
    9.99999999999999e-7,
    1e-6,
    2 ** 49 + 0.5,
    1e15 - 0.125,
    1e15,
    5e-324,
    -2.2250738585072014e-308,
    1.7976931348623157e308,
    0.1,
    -0.30000000000000004,
  ];
  for (const value of values) assert.equal(Number(formatNumber(value)), value, `${value}`);
});

test('formatNumber: moderate magnitudes carry no exponent; others use upper-case E with a sign', () => {
  assert.equal(formatNumber(0.000125), '0.000125');
  assert.equal(formatNumber(-2500), '-2500');
  assert.equal(formatNumber(1e-12), '1E-12');
  assert.equal(formatNumber(6.02214076e23), '6.02214076E+23');
  assert.equal(formatNumber(-0), '0');
});

test('formatNumber: a non-finite value is refused, naming the field', () => {
  assert.throws(() => formatNumber(NaN, 'level_V'), /level_V must be a finite number/);
  assert.throws(() => formatNumber(Infinity), /finite/);
});

test('formatNumber output parses back exactly through the server numeric parser (IEEE 488.2 §7.7.2)', async () => {
  const server = new ScpiServer({ identity: { vendor: 'x', model: 'y', serial: '0', firmware: '0' } });
  let received = NaN;
  server.register('VALue', { params: [numeric()], run: ([v]) => void (received = v) });
  for (const value of randomDoubles(2000, 11)) {
    await server.execute(`VAL ${formatNumber(value)}`);
    assert.equal(received, value, formatNumber(value));
  }
});

test('formatResponseNumber: NR1 for integers, NR3 otherwise, SCPI-1999 vol.1 §7.2.1.5 INF/NAN codes', () => {
  assert.equal(formatResponseNumber(42), '42');
  assert.equal(formatResponseNumber(-0), '0');
  assert.match(formatResponseNumber(1.5e-3), /^-?\d\.\d+E[+-]\d+$/);
  assert.equal(parseNumber(formatResponseNumber(Infinity)), Infinity);
  assert.equal(parseNumber(formatResponseNumber(-Infinity)), -Infinity);
  assert.ok(Number.isNaN(parseNumber(formatResponseNumber(NaN))));
  for (const value of randomDoubles(2000, 3)) assert.equal(parseNumber(formatResponseNumber(value)), value);
});

test('quoteString doubles embedded quotes (IEEE 488.2 §7.7.5) and round-trips through parseQuotedString', () => {
  assert.equal(quoteString('say "hi"'), '"say ""hi"""');
  assert.equal(parseQuotedString(quoteString('a""b"')), 'a""b"');
  assert.throws(() => quoteString('two\nlines', 'label'), /label contains character code 0xa at index 3/);
});

test('formatChannelList merges consecutive channels into ranges (SCPI-1999 vol.1 §8.3.2)', () => {
  assert.equal(formatChannelList([1, 3, 4, 5]), '(@1,3:5)');
  assert.equal(formatChannelList([2]), '(@2)');
  assert.equal(formatChannelList([4, 5, 1, 2]), '(@4:5,1:2)');
  assert.throws(() => formatChannelList([]), /channels must name at least one channel/);
  assert.throws(() => formatChannelList([1, 1.5]), /channels\[1\]/);
});
