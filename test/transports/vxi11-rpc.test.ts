// ONC RPC v2 messages and record marking (RFC 5531 §9, §11), the RPC server's error replies,
// and the portmapper (RFC 1833 §3), checked against messages built byte by byte.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { createSocket } from 'node:dgram';
import {
  decodeReply,
  encodeCall,
  encodeRecord,
  encodeSuccessReply,
  RecordReader,
} from '../../drivers/transports/vxi11/rpc.ts';
import { getPort, PortmapperServer } from '../../drivers/transports/vxi11/portmapper.ts';
import { Vxi11Server } from '../../drivers/transports/vxi11/server.ts';
import { XdrError } from '../../drivers/transports/vxi11/xdr.ts';

const fromHex = (text: string) => new Uint8Array(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** A GETPORT call for VXI-11 core over TCP, laid out field by field per RFC 5531 §9. */
const GETPORT_CALL = `01020304 00000000 00000002 000186a0 00000002 00000003
                      00000000 00000000 00000000 00000000
                      000607af 00000001 00000006 00000000`;

/** Sends one record on a fresh TCP connection and resolves with the first reply record. */
function exchange(port: number, record: Uint8Array, pieces = 1): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      const step = Math.ceil(record.length / pieces);
      for (let at = 0; at < record.length; at += step) socket.write(record.subarray(at, at + step));
    });
    const reader = new RecordReader();
    socket.setTimeout(5000, () => socket.destroy(new Error('no reply within 5 s')));
    socket.on('data', (chunk) => {
      const [reply] = reader.push(chunk);
      if (reply) {
        socket.destroy();
        resolve(reply);
      }
    });
    socket.on('error', reject);
  });
}

/** A call header with the given fields and no credentials, then `args`. */
function callBytes(
  xid: string,
  rpcvers: string,
  prog: string,
  vers: string,
  proc: string,
  args = '',
): Uint8Array {
  return fromHex(
    `${xid} 00000000 ${rpcvers} ${prog} ${vers} ${proc} 00000000 00000000 00000000 00000000 ${args}`,
  );
}

describe('ONC RPC messages (RFC 5531 §9)', () => {
  it('encodes a call: xid, CALL, rpcvers 2, program, version, procedure, AUTH_NONE cred and verf, args', () => {
    const call = encodeCall({
      xid: 0x01020304,
      program: 100000,
      version: 2,
      procedure: 3,
      args: fromHex('000607af 00000001 00000006 00000000'),
    });
    assert.equal(hex(call), hex(fromHex(GETPORT_CALL)));
  });

  it('decodes accepted replies: SUCCESS with results, PROG_MISMATCH with the version range', () => {
    const success = decodeReply(fromHex('01020304 00000001 00000000 00000000 00000000 00000000 0000115c'));
    assert.equal(success.kind, 'success');
    assert.equal(success.xid, 0x01020304);
    assert.equal(success.kind === 'success' && hex(success.results), '0000115c');
    const mismatch = decodeReply(
      fromHex('00000007 00000001 00000000 00000000 00000000 00000002 00000001 00000003'),
    );
    assert.deepEqual(mismatch, {
      xid: 7,
      kind: 'accept-error',
      acceptStat: 2,
      mismatch: { low: 1, high: 3 },
    });
    assert.equal(
      hex(encodeSuccessReply(0x01020304, fromHex('0000115c'))),
      hex(fromHex('01020304 00000001 00000000 00000000 00000000 00000000 0000115c')),
    );
  });

  it('decodes denied replies: RPC_MISMATCH and AUTH_ERROR', () => {
    assert.deepEqual(decodeReply(fromHex('00000009 00000001 00000001 00000000 00000002 00000002')), {
      xid: 9,
      kind: 'rpc-mismatch',
      mismatch: { low: 2, high: 2 },
    });
    assert.deepEqual(decodeReply(fromHex('0000000a 00000001 00000001 00000001 00000005')), {
      xid: 10,
      kind: 'auth-error',
      authStat: 5,
    });
    assert.throws(() => decodeReply(fromHex('0000000a 00000000')), XdrError); // a CALL, not a REPLY
  });
});

describe('record marking (RFC 5531 §11)', () => {
  it('splits a message into fragments, the last one flagged by the top bit of its header', () => {
    const record = encodeRecord(fromHex('00010203 04050607 0809'), 4);
    assert.equal(hex(record), hex(fromHex('00000004 00010203 00000004 04050607 80000002 0809')));
    assert.equal(hex(encodeRecord(new Uint8Array())), '80000000');
  });

  it('reassembles fragmented records delivered one byte at a time, and back-to-back records', () => {
    const reader = new RecordReader();
    const stream = fromHex('00000002 aabb 80000001 cc 80000003 dddddd');
    const records: Uint8Array[] = [];
    for (const byte of stream) records.push(...reader.push(Uint8Array.of(byte)));
    assert.deepEqual(records.map(hex), ['aabbcc', 'dddddd']);
    assert.deepEqual(new RecordReader().push(stream).map(hex), ['aabbcc', 'dddddd']);
  });

  it('refuses a record larger than its limit instead of buffering it', () => {
    assert.throws(() => new RecordReader(8).push(fromHex('00000006 000000000000 80000006')), XdrError);
  });
});

describe('RPC server replies and the portmapper over TCP and UDP', { timeout: 20_000 }, () => {
  const server = new Vxi11Server({ devices: () => undefined });
  let core = 0;
  let portmapper = 0;

  before(async () => {
    const address = await server.start();
    core = address.corePort;
    portmapper = address.portmapperPort;
  });
  after(() => server.close());

  it('GETPORT sent in three TCP pieces with a two-fragment record finds the VXI-11 core port', async () => {
    const call = fromHex(GETPORT_CALL);
    // First fragment: header 0x00000014 (20 bytes, last-fragment bit clear), then the rest.
    const record = new Uint8Array(
      Buffer.concat([fromHex('00000014'), call.subarray(0, 20), fromHex('80000024'), call.subarray(20)]),
    );
    const reply = decodeReply(await exchange(portmapper, record, 3));
    assert.equal(reply.kind === 'success' && new DataView(reply.results.buffer).getUint32(0), core);
    assert.equal(reply.xid, 0x01020304);
  });

  it('answers PROG_UNAVAIL, PROG_MISMATCH (1..1), PROC_UNAVAIL, GARBAGE_ARGS and RPC_MISMATCH', async () => {
    const ask = async (call: Uint8Array) => decodeReply(await exchange(core, encodeRecord(call)));
    assert.deepEqual(await ask(callBytes('00000001', '00000002', '00012345', '00000001', '00000000')), {
      xid: 1,
      kind: 'accept-error',
      acceptStat: 1,
    });
    assert.deepEqual(await ask(callBytes('00000002', '00000002', '000607af', '00000002', '0000000a')), {
      xid: 2,
      kind: 'accept-error',
      acceptStat: 2,
      mismatch: { low: 1, high: 1 },
    });
    assert.deepEqual(await ask(callBytes('00000003', '00000002', '000607af', '00000001', '00000063')), {
      xid: 3,
      kind: 'accept-error',
      acceptStat: 3,
    });
    // create_link whose device string claims 100 bytes but carries 4: garbage arguments.
    const truncated = callBytes(
      '00000004',
      '00000002',
      '000607af',
      '00000001',
      '0000000a',
      '00000001 00000000 00000000 00000064 696e7374',
    );
    assert.deepEqual(await ask(truncated), { xid: 4, kind: 'accept-error', acceptStat: 4 });
    assert.deepEqual(await ask(callBytes('00000005', '00000003', '000607af', '00000001', '0000000a')), {
      xid: 5,
      kind: 'rpc-mismatch',
      mismatch: { low: 2, high: 2 },
    });
  });

  it('serves calls carrying AUTH_SYS credentials (as some VISA libraries send them)', async () => {
    // AUTH_SYS (flavor 1) body: stamp, machinename "h", uid 0, gid 0, no gids (RFC 5531 appendix A).
    const call = fromHex(`00000006 00000000 00000002 000186a0 00000002 00000003
                          00000001 00000018 00000001 00000001 68000000 00000000 00000000 00000000
                          00000000 00000000 000607af 00000001 00000006 00000000`);
    const reply = decodeReply(await exchange(portmapper, encodeRecord(call)));
    assert.equal(reply.kind === 'success' && new DataView(reply.results.buffer).getUint32(0), core);
  });

  it('getPort() returns the registered port, and 0 for an unregistered program', async () => {
    const base = { portmapperPort: portmapper, timeout_ms: 2000, resource: 'test' };
    assert.equal(await getPort('127.0.0.1', { ...base, program: 0x0607af, version: 1 }), core);
    assert.equal(await getPort('127.0.0.1', { ...base, program: 0x0607b1, version: 1 }), 0);
  });

  it('DUMP lists the mappings as an XDR optional-data list (RFC 1833 §3.1 pmaplist)', async () => {
    const reply = decodeReply(
      await exchange(
        portmapper,
        encodeRecord(callBytes('00000007', '00000002', '000186a0', '00000002', '00000004')),
      ),
    );
    assert.equal(reply.kind, 'success');
    const words =
      reply.kind === 'success'
        ? [...Buffer.from(reply.results).toString('hex').matchAll(/.{8}/g)].map((m) => parseInt(m[0], 16))
        : [];
    const mappings: number[][] = [];
    let i = 0;
    while (words[i] === 1) {
      mappings.push(words.slice(i + 1, i + 5));
      i += 5;
    }
    assert.equal(words[i], 0);
    assert.equal(i + 1, words.length);
    assert.deepEqual(
      mappings.sort((a, b) => a[0] - b[0] || a[2] - b[2]),
      [
        [100000, 2, 6, portmapper],
        [100000, 2, 17, portmapper],
        [0x0607af, 1, 6, core],
      ],
    );
  });

  it('answers GETPORT over UDP, without record marking', async () => {
    const socket = createSocket('udp4');
    after(() => socket.close());
    const reply = await new Promise<Uint8Array>((resolve, reject) => {
      socket.once('message', (message) => resolve(new Uint8Array(message)));
      socket.once('error', reject);
      socket.send(fromHex(GETPORT_CALL), portmapper, '127.0.0.1');
    });
    const decoded = decodeReply(reply);
    assert.equal(decoded.kind === 'success' && new DataView(decoded.results.buffer).getUint32(0), core);
  });

  it('a second portmapper cannot take a port already bound; SET refuses a duplicate mapping', async () => {
    const second = new PortmapperServer();
    await assert.rejects(second.start(portmapper), /EADDRINUSE/);
    const own = new PortmapperServer();
    after(() => own.close());
    await own.start(0);
    assert.equal(own.set({ program: 1, version: 1, protocol: 6, port: 1000 }), true);
    assert.equal(own.set({ program: 1, version: 1, protocol: 6, port: 2000 }), false);
    assert.equal(own.lookup({ program: 1, version: 1, protocol: 6, port: 0 }), 1000);
  });
});
