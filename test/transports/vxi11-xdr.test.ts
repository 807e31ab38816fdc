// XDR against encodings worked by hand from RFC 4506 (section numbers cited per case).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { XdrError, XdrReader, XdrWriter } from '../../drivers/transports/vxi11/xdr.ts';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const fromHex = (text: string) => new Uint8Array(Buffer.from(text.replace(/\s+/g, ''), 'hex'));

describe('XDR encoding (RFC 4506)', () => {
  it('§4.1 int: big-endian two’s complement, including negatives', () => {
    assert.equal(hex(new XdrWriter().int(1).bytes()), '00000001');
    assert.equal(hex(new XdrWriter().int(-1).bytes()), 'ffffffff');
    assert.equal(hex(new XdrWriter().int(-2).bytes()), 'fffffffe');
    assert.equal(hex(new XdrWriter().int(-0x8000_0000).bytes()), '80000000');
    assert.equal(hex(new XdrWriter().int(0x7fff_ffff).bytes()), '7fffffff');
    assert.throws(() => new XdrWriter().int(0x8000_0000), XdrError);
    assert.throws(() => new XdrWriter().int(1.5), XdrError);
  });

  it('§4.2 unsigned int', () => {
    assert.equal(hex(new XdrWriter().uint(0xfffffffe).bytes()), 'fffffffe');
    assert.throws(() => new XdrWriter().uint(-1), XdrError);
  });

  it('§4.4 bool is an enum: FALSE 0, TRUE 1', () => {
    assert.equal(hex(new XdrWriter().bool(true).bool(false).bytes()), '0000000100000000');
  });

  it('§4.9/§4.10 opaque: padded with zeros to a multiple of four, variable ones length-prefixed', () => {
    assert.equal(hex(new XdrWriter().opaque(Uint8Array.of(1, 2, 3)).bytes()), '00000003' + '01020300');
    assert.equal(hex(new XdrWriter().opaque(Uint8Array.of(1, 2, 3, 4)).bytes()), '00000004' + '01020304');
    assert.equal(hex(new XdrWriter().opaque(new Uint8Array()).bytes()), '00000000');
    assert.equal(hex(new XdrWriter().fixedOpaque(Uint8Array.of(9, 9, 9, 9, 9)).bytes()), '0909090909000000');
    assert.throws(() => new XdrWriter().opaque(new Uint8Array(5), 4), XdrError);
  });

  it('§7 the worked example: the "sillyprog" file structure, byte for byte', () => {
    // struct file { string filename<>; filetype type (EXEC = 2); string interpretor<> (the
    // union arm for EXEC); string owner<>; opaque data<>; } — RFC 4506 §7 lists these 48 bytes.
    const encoded = new XdrWriter()
      .string('sillyprog')
      .int(2)
      .string('lisp')
      .string('john')
      .opaque(Buffer.from('(quit)'))
      .bytes();
    assert.equal(
      hex(encoded),
      hex(
        fromHex(`00000009 73696c6c 7970726f 67000000 00000002 00000004 6c697370
                 00000004 6a6f686e 00000006 28717569 74290000`),
      ),
    );
    assert.equal(encoded.length, 48);
  });
});

describe('XDR decoding', () => {
  it('reads back what the RFC 4506 §7 example encodes', () => {
    const r = new XdrReader(
      fromHex(`00000009 73696c6c 7970726f 67000000 00000002 00000004 6c697370
               00000004 6a6f686e 00000006 28717569 74290000`),
    );
    assert.equal(r.string(), 'sillyprog');
    assert.equal(r.int(), 2);
    assert.equal(r.string(), 'lisp');
    assert.equal(r.string(), 'john');
    assert.equal(Buffer.from(r.opaque()).toString(), '(quit)');
    r.end();
  });

  it('decodes negative ints and unsigned ints above 2^31', () => {
    const r = new XdrReader(fromHex('fffffffe fffffffe'));
    assert.equal(r.int(), -2);
    assert.equal(r.uint(), 0xfffffffe);
  });

  it('rejects truncated data, a bool other than 0/1, oversize opaque and trailing bytes', () => {
    assert.throws(() => new XdrReader(fromHex('000000')).int(), XdrError);
    assert.throws(() => new XdrReader(fromHex('00000005 0102')).opaque(), XdrError);
    assert.throws(() => new XdrReader(fromHex('00000002')).bool(), XdrError);
    assert.throws(() => new XdrReader(fromHex('00000008 0000000000000000')).opaque(4), XdrError);
    const r = new XdrReader(fromHex('00000001 00000002'));
    r.int();
    assert.throws(() => r.end(), XdrError);
  });
});
