// Splitting a byte stream into program messages at NL (IEEE 488.2-1992 §7.5) while definite
// blocks (§7.7.6.2) carry any byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProgramMessageFramer, splitProgramMessages } from '../../drivers/scpi/server/index.ts';

const text = (messages: Uint8Array[]) => messages.map((m) => Buffer.from(m).toString('latin1'));

test('messages end at NL; a final unterminated part is a message of its own', () => {
  assert.deepEqual(text(splitProgramMessages(Buffer.from('*RST\n*IDN?\nVOLT 1'))), [
    '*RST',
    '*IDN?',
    'VOLT 1',
  ]);
});

test('an NL inside a definite block does not end the message', () => {
  const input = Buffer.from('DATA #210ab\ncd\n\nefg;*OPC?\nNEXT\n', 'latin1');
  assert.deepEqual(text(splitProgramMessages(input)), ['DATA #210ab\ncd\n\nefg;*OPC?', 'NEXT']);
});

test('a "#" inside a string starts no block; #H numbers are plain text', () => {
  assert.deepEqual(text(splitProgramMessages(Buffer.from('LAB "#15"\nNUM #H1F\n'))), [
    'LAB "#15"',
    'NUM #H1F',
  ]);
});

test('byte-by-byte pushes give the same messages as one push', () => {
  const input = Buffer.from('A #13\n\n\n;B\nC "x\ny\nD #0zz\n', 'latin1');
  const framer = new ProgramMessageFramer();
  const messages: Uint8Array[] = [];
  for (const byte of input) messages.push(...framer.push(Uint8Array.of(byte)));
  assert.deepEqual(text(messages), text(splitProgramMessages(input)));
  assert.deepEqual(text(messages), ['A #13\n\n\n;B', 'C "x', 'y', 'D #0zz']);
  assert.equal(framer.pending, 0);
});

test('a partial message waits for more bytes; reset discards it', () => {
  const framer = new ProgramMessageFramer();
  assert.deepEqual(framer.push(Buffer.from('DATA #15ab\n')), []);
  assert.equal(framer.pending, 11);
  assert.deepEqual(text(framer.push(Buffer.from('cd\n'))), ['DATA #15ab\ncd']);
  framer.push(Buffer.from('garbage'));
  framer.reset();
  assert.deepEqual(text(framer.push(Buffer.from('*CLS\n'))), ['*CLS']);
});
