// Vxi11Transport against Vxi11Server over loopback: message semantics of the VXI-11 core channel
// (device_write END and maxRecvSize, device_read requestSize / termChar / reasons, readstb,
// trigger, clear, locks, abort) and the error mapping of table B.2.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { Vxi11Transport, Vxi11Error } from '../../drivers/transports/vxi11/client.ts';
import { Vxi11Server, type Vxi11DeviceHandler } from '../../drivers/transports/vxi11/server.ts';
import { RpcTcpClient } from '../../drivers/transports/vxi11/rpc-client.ts';
import {
  CoreProcedure,
  decode,
  DEVICE_CORE,
  encode,
  Flag,
  Reason,
} from '../../drivers/transports/vxi11/protocol.ts';
import { TransportError, TransportTimeoutError } from '../../drivers/transports/transport.ts';

const LONG = 'L'.repeat(1000) + '\n';
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

/** A scripted instrument: answers a few queries, records what it was sent. */
class ScriptedDevice implements Vxi11DeviceHandler {
  static instances: ScriptedDevice[] = [];
  writes: { data: string; end: boolean }[] = [];
  out: string[] = [];
  triggers = 0;
  clears = 0;
  hangingRead: (() => void) | undefined;
  #input = '';

  constructor() {
    ScriptedDevice.instances.push(this);
  }

  async write(data: Uint8Array, end: boolean): Promise<void> {
    this.writes.push({ data: text(data), end });
    this.#input += text(data);
    if (!end) return;
    const command = this.#input.trim();
    this.#input = '';
    const replies: Record<string, string> = {
      '*IDN?': 'NUDGED,VXI11-TEST,0,1\n',
      'LONG?': LONG,
      'BLOCK?': '#15ab\ncd\n',
      'LINES?': 'one\ntwo\n',
    };
    if (replies[command] !== undefined) this.out.push(replies[command]);
    if (command === 'HANG?') this.out.push('HANG');
  }

  read(): Promise<{ data: Uint8Array; end: boolean }> {
    const next = this.out.shift();
    if (next === 'HANG') return new Promise(() => this.hangingRead?.());
    return Promise.resolve({ data: Buffer.from(next ?? '', 'latin1'), end: true });
  }

  readStb(): number {
    return 0x42;
  }

  trigger(): void {
    this.triggers++;
  }

  clear(): void {
    this.clears++;
    this.out = [];
  }
}

describe('VXI-11 client ↔ server', { timeout: 30_000 }, () => {
  const server = new Vxi11Server({
    maxRecvSize: 16,
    devices: (name) => (name === 'inst0' || name === 'inst1' ? new ScriptedDevice() : undefined),
  });
  const transports: Vxi11Transport[] = [];
  let portmapperPort = 0;

  const open = async (device = 'inst0', options: ConstructorParameters<typeof Vxi11Transport>[1] = {}) => {
    const t = new Vxi11Transport(`TCPIP::127.0.0.1::${device}::INSTR`, {
      portmapperPort,
      timeout_ms: 2000,
      ...options,
    });
    transports.push(t);
    await t.open();
    return t;
  };
  const query = async (t: Vxi11Transport, command: string) => {
    await t.write(command);
    return text(await t.read());
  };

  before(async () => {
    portmapperPort = (await server.start()).portmapperPort;
  });
  after(async () => {
    for (const t of transports) await t.close();
    await server.close();
  });

  it('finds the core channel through the portmapper and round-trips a query', async () => {
    const t = await open();
    assert.equal(t.maxRecvSize, 16);
    assert.equal(await query(t, '*IDN?\n'), 'NUDGED,VXI11-TEST,0,1\n');
  });

  it('splits writes at maxRecvSize and sets END only on the last chunk (device_write)', async () => {
    const t = await open();
    const device = ScriptedDevice.instances.at(-1)!;
    const command = 'SOUR:VOLT 1.25;:SOUR:CURR:LIM 0.001\n'; // 36 bytes → 16 + 16 + 4
    await t.write(command);
    assert.deepEqual(device.writes, [
      { data: command.slice(0, 16), end: false },
      { data: command.slice(16, 32), end: false },
      { data: command.slice(32), end: true },
    ]);
  });

  it('returns a long response across several device_reads, reasons REQCNT then END', async () => {
    const t = await open();
    await t.write('LONG?\n');
    // Straight on the core channel: requestSize 300 must yield 300, 300, 300, 101 bytes.
    const rpc = await RpcTcpClient.connect(
      'raw',
      { host: '127.0.0.1', port: server.address.corePort, ...DEVICE_CORE },
      2000,
      'raw',
    );
    after(() => rpc.close());
    const link = decode.createLinkResp(
      await rpc.call(
        CoreProcedure.create_link,
        encode.createLinkParms({ clientId: 1, lockDevice: false, lockTimeout: 0, device: 'inst0' }),
        2000,
        'create_link',
      ),
    );
    await rpc.call(
      CoreProcedure.device_write,
      encode.writeParms({
        lid: link.lid,
        ioTimeout: 1000,
        lockTimeout: 0,
        flags: Flag.END,
        data: Buffer.from('LONG?\n'),
      }),
      2000,
      'w',
    );
    const reads = [];
    for (let i = 0; i < 4; i++) {
      const resp = decode.readResp(
        await rpc.call(
          CoreProcedure.device_read,
          encode.readParms({
            lid: link.lid,
            requestSize: 300,
            ioTimeout: 1000,
            lockTimeout: 0,
            flags: 0,
            termChar: 0,
          }),
          2000,
          'r',
        ),
      );
      reads.push([resp.error, resp.reason, resp.data.length]);
    }
    assert.deepEqual(reads, [
      [0, Reason.REQCNT, 300],
      [0, Reason.REQCNT, 300],
      [0, Reason.REQCNT, 300],
      [0, Reason.END, 101],
    ]);
    // And the transport's read() loops until END with a small requestSize.
    const small = await open('inst0', { readChunkSize: 64 });
    await small.write('LONG?\n');
    assert.equal(text(await small.read()), LONG);
    assert.equal(text(await t.read()), LONG);
  });

  it('readBytes takes exactly the requested bytes, as an IEEE 488.2 block read does', async () => {
    const t = await open();
    await t.write('BLOCK?\n');
    assert.equal(text(await t.readBytes(2)), '#1');
    assert.equal(text(await t.readBytes(1)), '5');
    assert.equal(text(await t.readBytes(5)), 'ab\ncd');
    assert.equal(text(await t.read()), '\n');
    await t.write('*IDN?\n');
    await assert.rejects(
      t.readBytes(100),
      (e: unknown) => e instanceof TransportError && /ended \(END\) after 22 of 100/.test(e.message),
    );
  });

  it('a block query costs one device_read: the bytes beyond a readBytes are kept for the next call', async () => {
    const t = await open();
    const procedures: number[] = [];
    const original = RpcTcpClient.prototype.call;
    RpcTcpClient.prototype.call = function (this: RpcTcpClient, ...args: Parameters<typeof original>) {
      procedures.push(args[0]);
      return original.apply(this, args);
    };
    try {
      await t.write('BLOCK?\n');
      const parts = [await t.readBytes(2), await t.readBytes(1), await t.readBytes(5), await t.read()];
      assert.deepEqual(parts.map(text), ['#1', '5', 'ab\ncd', '\n']);
      // Kept bytes never leak into the next response.
      await t.write('LONG?\n');
      assert.equal(text(await t.readBytes(3)), 'LLL');
      assert.equal(await query(t, '*IDN?\n'), 'NUDGED,VXI11-TEST,0,1\n');
    } finally {
      RpcTcpClient.prototype.call = original;
    }
    const { device_write, device_read } = CoreProcedure;
    assert.deepEqual(procedures, [
      device_write,
      device_read,
      device_write,
      device_read,
      device_write,
      device_read,
    ]);
  });

  it('stops a read at the termChar when one is set (reason CHR)', async () => {
    const t = await open('inst0', { termChar: 0x0a });
    await t.write('LINES?\n');
    assert.equal(text(await t.read()), 'one\n');
    assert.equal(text(await t.read()), 'two\n');
  });

  it('device_readstb, device_trigger, device_remote/local and device_clear reach the handler', async () => {
    const t = await open();
    const device = ScriptedDevice.instances.at(-1)!;
    assert.equal(await t.readStb(), 0x42);
    await t.trigger();
    assert.equal(device.triggers, 1);
    await t.remote();
    await t.local();
    await t.write('LONG?\n');
    assert.equal(text(await t.readBytes(5)), 'LLLLL');
    await t.clear();
    assert.equal(device.clears, 1);
    // The unread rest of the long response was discarded with the clear.
    assert.equal(await query(t, '*IDN?\n'), 'NUDGED,VXI11-TEST,0,1\n');
  });

  it('queues concurrent calls on one transport instead of interleaving them', async () => {
    const t = await open();
    const results = await Promise.all([t.write('*IDN?\n'), t.read(), t.write('LINES?\n'), t.read()]);
    assert.equal(text(results[1] as Uint8Array), 'NUDGED,VXI11-TEST,0,1\n');
    assert.equal(text(results[3] as Uint8Array), 'one\ntwo\n');
  });

  it('an unknown device name fails create_link with error 3 (device not accessible)', async () => {
    await assert.rejects(
      open('gpib0,9'),
      (e: unknown) =>
        e instanceof Vxi11Error &&
        e.code === 3 &&
        /device not accessible/.test(e.message) &&
        /gpib0,9/.test(e.message),
    );
  });

  it('a locked device refuses other links with error 11, at once or after lock_timeout', async () => {
    const owner = await open('inst1');
    const other = await open('inst1');
    const patient = await open('inst1', { lockTimeout_ms: 150 });
    const waiting = await open('inst1', { lockTimeout_ms: 10_000 });
    await owner.lock();
    await assert.rejects(other.write('*IDN?\n'), (e: unknown) => e instanceof Vxi11Error && e.code === 11);
    await assert.rejects(patient.write('*IDN?\n'), (e: unknown) => e instanceof Vxi11Error && e.code === 11);
    await assert.rejects(other.unlock(), (e: unknown) => e instanceof Vxi11Error && e.code === 12);
    assert.equal(await query(owner, '*IDN?\n'), 'NUDGED,VXI11-TEST,0,1\n');
    const blocked = waiting.write('*IDN?\n'); // waits for the lock
    await owner.unlock();
    await blocked;
    assert.equal(text(await waiting.read()), 'NUDGED,VXI11-TEST,0,1\n');
    // destroy_link releases a lock the link holds.
    await other.lock();
    await other.close();
    await owner.lock();
    await owner.unlock();
  });

  it('a device that does not answer within io_timeout yields TransportTimeoutError (error 15)', async () => {
    const t = await open('inst0', { timeout_ms: 200 });
    await t.write('HANG?\n');
    await assert.rejects(t.read(), TransportTimeoutError);
    assert.equal(await query(t, '*IDN?\n'), 'NUDGED,VXI11-TEST,0,1\n');
  });

  it('device_abort on the abort channel ends a pending read with error 23', async () => {
    const t = await open('inst0', { timeout_ms: 20_000 });
    const device = ScriptedDevice.instances.at(-1)!;
    const readStarted = new Promise<void>((resolve) => (device.hangingRead = resolve));
    await t.write('HANG?\n');
    const pending = t.read();
    await readStarted;
    await t.abort();
    await assert.rejects(pending, (e: unknown) => e instanceof Vxi11Error && e.code === 23);
  });

  it('a dropped connection turns isOpen false and fails calls until close() + open() relink', async () => {
    const t = await open();
    assert.equal(await query(t, '*IDN?\n'), 'NUDGED,VXI11-TEST,0,1\n');
    const linksBefore = server.linkCount;
    const lost = new Promise<void>((resolve) => {
      const poll = () => (t.isOpen ? setImmediate(poll) : resolve());
      poll();
    });
    server.dropConnections();
    await lost;
    await assert.rejects(
      t.write('*IDN?\n'),
      (e: unknown) =>
        e instanceof TransportError &&
        /device_write: link lost \(connection closed by the server\); close and reopen/.test(e.message),
    );
    assert.ok(server.linkCount < linksBefore, 'the server destroyed the dropped links');
    await t.close();
    await t.open();
    assert.equal(await query(t, '*IDN?\n'), 'NUDGED,VXI11-TEST,0,1\n');
  });

  it('accepts the parsed resource form that createTransport passes', async () => {
    const t = new Vxi11Transport(
      { kind: 'vxi11', board: 0, host: '127.0.0.1', lanDeviceName: 'inst0' },
      { portmapperPort, timeout_ms: 2000 },
    );
    transports.push(t);
    assert.equal(t.resource, 'TCPIP0::127.0.0.1::inst0::INSTR');
    await t.open();
    assert.equal(await query(t, '*IDN?\n'), 'NUDGED,VXI11-TEST,0,1\n');
  });

  it('skips the portmapper when corePort is given', async () => {
    const t = await open('inst0', { corePort: server.address.corePort, portmapperPort: 1 });
    assert.equal(await query(t, '*IDN?\n'), 'NUDGED,VXI11-TEST,0,1\n');
  });
});

describe('VXI-11 client against a server that never replies', { timeout: 10_000 }, () => {
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => {
    sockets.add(socket);
    socket.resume();
  });
  before(() => new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve)));
  after(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('create_link times out with TransportTimeoutError naming the resource and operation', async () => {
    const port = (silent.address() as { port: number }).port;
    const t = new Vxi11Transport('TCPIP::127.0.0.1::inst0::INSTR', {
      corePort: port,
      timeout_ms: 100,
      replyGrace_ms: 100,
    });
    await assert.rejects(
      t.open(),
      (e: unknown) =>
        e instanceof TransportTimeoutError && e.operation === 'create_link' && e.resource === t.resource,
    );
    assert.equal(t.isOpen, false);
  });

  it('an unreachable portmapper is a TransportError naming GETPORT', async () => {
    const t = new Vxi11Transport('TCPIP::127.0.0.1::inst0::INSTR', { portmapperPort: 1, timeout_ms: 500 });
    await assert.rejects(
      t.open(),
      (e: unknown) => e instanceof TransportError && /portmapper GETPORT/.test(e.message),
    );
  });
});
