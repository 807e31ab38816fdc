import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeValues, encodeValues, WORD_ORDERS } from '../../drivers/modbus/encoding.ts';

test('0x11223344 lands in the two registers as each word order names it', () => {
  const expected = {
    ABCD: [0x1122, 0x3344],
    CDAB: [0x3344, 0x1122],
    BADC: [0x2211, 0x4433],
    DCBA: [0x4433, 0x2211],
  };
  for (const order of WORD_ORDERS) {
    assert.deepEqual(encodeValues('uint32', [0x11223344], order), expected[order], order);
    assert.deepEqual(decodeValues('uint32', expected[order], order), [0x11223344], order);
  }
});

test('float32 and int32 round-trip in every order; float32 is IEEE 754 single', () => {
  assert.deepEqual(encodeValues('float32', [1.5]), [0x3fc0, 0x0000]);
  for (const order of WORD_ORDERS) {
    assert.deepEqual(
      decodeValues('float32', encodeValues('float32', [-0.15625, 1e10], order), order),
      [-0.15625, 1e10],
    );
    assert.deepEqual(
      decodeValues('int32', encodeValues('int32', [-123456789, 2147483647], order), order),
      [-123456789, 2147483647],
    );
  }
  assert.deepEqual(decodeValues('float32', encodeValues('float32', [0.1])), [Math.fround(0.1)]);
});

test('16-bit values are one register each; int16 uses two’s complement', () => {
  assert.deepEqual(encodeValues('int16', [-1, -32768, 32767]), [0xffff, 0x8000, 0x7fff]);
  assert.deepEqual(decodeValues('int16', [0xffff, 0x8000, 0x7fff]), [-1, -32768, 32767]);
  assert.deepEqual(decodeValues('uint16', [0xffff]), [65535]);
});

test('out-of-range values and partial register groups are errors', () => {
  assert.throws(() => encodeValues('uint16', [65536]), /uint16 value 65536 is not an integer in 0\.\.65535/);
  assert.throws(() => encodeValues('int32', [1.5]), /int32 value 1\.5 is not an integer/);
  assert.throws(() => encodeValues('float32', [NaN]), /float32 value NaN is not a number/);
  assert.throws(() => decodeValues('float32', [1, 2, 3]), /3 registers do not hold whole float32 values/);
});
