import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseBoolean,
  parseErrorEntry,
  parseIdentity,
  parseNumber,
  parseNumbers,
} from '../../drivers/scpi/response.ts';
import { decodeEventStatus, decodeStatusByte } from '../../drivers/scpi/status.ts';

test('parseNumber accepts NR1, NR2 and NR3 (IEEE 488.2 §8.7.2-8.7.4)', () => {
  assert.equal(parseNumber('+42'), 42);
  assert.equal(parseNumber('-0.125'), -0.125);
  assert.equal(parseNumber('+1.234500E-03'), 1.2345e-3);
  assert.equal(parseNumber(' 7.5e2\r'), 750);
  assert.throws(() => parseNumber('1.2.3'), /NR1\/NR2\/NR3/);
  assert.throws(() => parseNumber('ON'), /NR1\/NR2\/NR3/);
  assert.throws(() => parseNumber(''), /NR1\/NR2\/NR3/);
});

test('parseNumber decodes SCPI-1999 vol.1 §7.2.1.5 overrange/infinity and NaN encodings', () => {
  assert.equal(parseNumber('9.9E37'), Infinity);
  assert.equal(parseNumber('+9.90000000E+37'), Infinity);
  assert.equal(parseNumber('-9.9E+37'), -Infinity);
  assert.ok(Number.isNaN(parseNumber('9.91E37')));
  assert.ok(Number.isNaN(parseNumber('-9.910000E+37')));
  assert.equal(parseNumber('9.8E37'), 9.8e37);
});

test('parseNumbers splits a comma list and names the bad element', () => {
  assert.deepEqual(parseNumbers('1,-2.5,+3E-1'), [1, -2.5, 0.3]);
  assert.deepEqual(parseNumbers(''), []);
  assert.deepEqual(parseNumbers('1,9.9E37'), [1, Infinity]);
  assert.throws(() => parseNumbers('1,x,3'), /element 1 \("x"\)/);
});

test('parseBoolean reads 1/0 and ON/OFF (SCPI-1999 vol.1 §7.3)', () => {
  assert.equal(parseBoolean('1'), true);
  assert.equal(parseBoolean('off'), false);
  assert.throws(() => parseBoolean('2'), /not a boolean/);
});

test('parseIdentity splits the four *IDN? fields (IEEE 488.2 §10.14.4)', () => {
  assert.deepEqual(parseIdentity('KEITHLEY INSTRUMENTS,MODEL 2450,04096331,1.7.3b\n'), {
    vendor: 'KEITHLEY INSTRUMENTS',
    model: 'MODEL 2450',
    serial: '04096331',
    firmware: '1.7.3b',
  });
  assert.equal(parseIdentity('A,B,0,fw 1, build 2').firmware, 'fw 1, build 2');
  assert.throws(() => parseIdentity('A,B,C'), /3 comma-separated fields/);
});

test('parseErrorEntry reads <code>,"<text>" with doubled quotes (SCPI-1999 vol.2 §21.8)', () => {
  assert.deepEqual(parseErrorEntry('-113,"Undefined header"'), { code: -113, message: 'Undefined header' });
  assert.deepEqual(parseErrorEntry('+0,"No error"'), { code: 0, message: 'No error' });
  assert.deepEqual(parseErrorEntry('-222,"Data out of range;""VOLT"" 30"'), {
    code: -222,
    message: 'Data out of range;"VOLT" 30',
  });
  assert.deepEqual(parseErrorEntry('101,Interlock open'), { code: 101, message: 'Interlock open' });
  assert.throws(() => parseErrorEntry('No error'), /integer error code/);
});

test('decodeEventStatus names the IEEE 488.2 §11.5.1.1 bits', () => {
  const esr = decodeEventStatus(0b1010_0001);
  assert.equal(esr.PON, true);
  assert.equal(esr.CME, true);
  assert.equal(esr.OPC, true);
  assert.equal(esr.EXE, false);
  assert.equal(esr.QYE, false);
  assert.throws(() => decodeEventStatus(256), /event status register must be an integer in 0..255/);
});

test('decodeStatusByte names the IEEE 488.2 §11.2.2 and SCPI bits', () => {
  const stb = decodeStatusByte(0x54);
  assert.deepEqual(
    [stb.EAV, stb.QUES, stb.MAV, stb.ESB, stb.MSS, stb.OPER],
    [true, false, true, false, true, false],
  );
});
