import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { pino } from 'pino';
import { ScpiClient } from '../../drivers/scpi/client.ts';
import { backoffDelay, resolveReconnectPolicy } from '../../drivers/transports/backoff.ts';
import { createTransport, openSession } from '../../drivers/transports/open-transport.ts';
import { SerialTransport } from '../../drivers/transports/serial.ts';
import { preview, type InstrumentSession } from '../../drivers/transports/session.ts';
import { TcpSocketTransport } from '../../drivers/transports/tcp-socket.ts';
import { TransportError, TransportTimeoutError } from '../../drivers/transports/transport.ts';
import { UsbtmcTransport } from '../../drivers/transports/usbtmc.ts';
import { Rng } from '../../src/util/random.ts';
import { startTcpPeer, type TcpPeer } from './helpers/tcp-peer.ts';

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

/** A line-based instrument: `answer(line, socket)` may reply at once, later, or never. */
function lineInstrument(answer: (line: string, socket: Socket) => void) {
  const pending = new Map<Socket, string>();
  return (socket: Socket, data: Buffer) => {
    let buffered = (pending.get(socket) ?? '') + data.toString('latin1');
    let at: number;
    while ((at = buffered.indexOf('\n')) >= 0) {
      answer(buffered.slice(0, at), socket);
      buffered = buffered.slice(at + 1);
    }
    pending.set(socket, buffered);
  };
}

describe('InstrumentSession over a TCP socket', { timeout: 20_000 }, () => {
  const peers: TcpPeer[] = [];
  const sessions: InstrumentSession[] = [];
  after(async () => {
    for (const s of sessions) await s.close().catch(() => undefined);
    for (const p of peers) await p.close();
  });

  async function setup(answer: (line: string, socket: Socket) => void, options = {}) {
    const peer = await startTcpPeer(lineInstrument(answer));
    peers.push(peer);
    const session = await openSession(`TCPIP::127.0.0.1::${peer.port}::SOCKET`, {
      transport: { timeout_ms: 2000 },
      ...options,
    });
    sessions.push(session);
    return { peer, session };
  }

  test('concurrent queries run one at a time in call order, each getting its own reply', async () => {
    const wire: string[] = [];
    const { session } = await setup((line, socket) => {
      wire.push(`rx ${line}`);
      // The first reply is slow: without the queue, Q2 would be sent before A1 and could take it.
      setTimeout(
        () => {
          wire.push(`tx A${line.slice(1)}`);
          socket.write(`A${line.slice(1)}\n`);
        },
        line === 'Q1' ? 80 : 0,
      );
    });
    const results = await Promise.all([session.query('Q1'), session.query('Q2'), session.query('Q3')]);
    assert.deepEqual(results.map(text), ['A1', 'A2', 'A3']);
    assert.deepEqual(wire, ['rx Q1', 'tx A1', 'rx Q2', 'tx A2', 'rx Q3', 'tx A3']);
  });

  test('a transaction keeps its steps together; session calls inside it are not queued again', async () => {
    const wire: string[] = [];
    const { session } = await setup((line, socket) => {
      wire.push(line);
      if (line.endsWith('?')) setTimeout(() => socket.write(`${line.slice(0, -1)}\n`), 20);
    });
    const grouped = session.transaction(async (s) => {
      await s.write('SET 1');
      const first = text(await s.query('ONE?'));
      const second = text(await s.query('TWO?'));
      return [first, second];
    });
    const other = session.query('OTHER?');
    assert.deepEqual(await grouped, ['ONE', 'TWO']);
    assert.equal(text(await other), 'OTHER');
    assert.deepEqual(wire, ['SET 1', 'ONE?', 'TWO?', 'OTHER?']);
  });

  test('a ScpiClient runs on a session, also inside a session transaction', async () => {
    const { session } = await setup((line, socket) => {
      if (line === '*IDN?') socket.write('ACME,EMU,1,0\n');
      if (line === 'VOLT?') socket.write('+1.250000E+00\n');
    });
    const scpi = new ScpiClient(session);
    assert.equal(await scpi.query('*IDN?'), 'ACME,EMU,1,0');
    const volts = await session.transaction(() => scpi.queryNumber('VOLT?'));
    assert.equal(volts, 1.25);
  });

  test('the session default timeout applies to calls without their own', async () => {
    const { session } = await setup(() => undefined, { timeout_ms: 120 });
    await session.write('SILENT?');
    await assert.rejects(session.read(), (error: unknown) => {
      assert.ok(error instanceof TransportTimeoutError);
      assert.match(error.message, /read: timed out after 120 ms$/);
      return true;
    });
    await assert.rejects(session.read({ timeout_ms: 60 }), /timed out after 60 ms/);
    assert.ok(session.isOpen, 'a timeout is not a dropped link');
  });

  test('after the link drops, the next transaction reconnects with backoff', async () => {
    const waits: number[] = [];
    const { peer, session } = await setup(
      (line, socket) => {
        if (line === 'DROP?') socket.destroy();
        else socket.write(`echo ${line}\n`);
      },
      {
        reconnect: { initialDelay_ms: 40, factor: 2, attempts: 3 },
        wait: async (ms: number) => void waits.push(ms),
      },
    );
    const first = await peer.nextConnection();
    await assert.rejects(session.query('DROP?'), /connection closed/);
    assert.equal(session.isOpen, false);
    assert.equal(text(await session.query('AGAIN')), 'echo AGAIN');
    assert.deepEqual(waits, [40]);
    assert.notEqual(await peer.nextConnection(), first, 'a new connection was made');
  });

  test('when every reconnect attempt fails the transaction fails with the last cause, then can retry', async () => {
    const waits: number[] = [];
    const { peer, session } = await setup(
      (line, socket) => {
        if (line === 'DROP?') socket.destroy();
      },
      { reconnect: { initialDelay_ms: 10, attempts: 3 }, wait: async (ms: number) => void waits.push(ms) },
    );
    await peer.close();
    await assert.rejects(session.query('DROP?'), TransportError);
    await assert.rejects(session.write('X'), (error: unknown) => {
      assert.ok(error instanceof TransportError);
      assert.match(error.message, /write: link is down; 3 reconnect attempts failed \(last: .*ECONNREFUSED/);
      return true;
    });
    assert.deepEqual(waits, [10, 20, 40]);
  });

  test('every exchange is logged at debug level, long data cut', async () => {
    const records: Record<string, unknown>[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void records.push(JSON.parse(line)) });
    const { session } = await setup((_line, socket) => socket.write(`${'x'.repeat(300)}\n`), {
      logger,
      maxLoggedBytes: 16,
    });
    await session.query('DATA?');
    const traffic = records.filter((r) => r.op === 'write' || r.op === 'read');
    assert.deepEqual(
      traffic.map((r) => [r.op, r.bytes, r.data, r.resource]),
      [
        ['write', 5, 'DATA?', session.resource],
        ['read', 300, `${'x'.repeat(16)}…(+284 bytes)`, session.resource],
      ],
    );
  });

  test('a closed session refuses work until opened again', async () => {
    const { session } = await setup((line, socket) => socket.write(`${line}\n`));
    await session.close();
    await assert.rejects(session.query('A'), /transaction: session is not open/);
    await session.open();
    assert.equal(text(await session.query('B')), 'B');
  });
});

test('backoff: exponential and capped without jitter; seeded jitter stays in bounds and repeats', () => {
  const plain = resolveReconnectPolicy({ initialDelay_ms: 100, factor: 2, maxDelay_ms: 1000 });
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5].map((k) => backoffDelay(k, plain)),
    [100, 200, 400, 800, 1000, 1000],
  );
  const jittered = (seed: number) => {
    const rng = new Rng(seed);
    const policy = resolveReconnectPolicy({ initialDelay_ms: 100, jitter: 0.5, random: () => rng.uniform() });
    return [0, 1, 2, 3].map((k) => backoffDelay(k, policy));
  };
  const a = jittered(7);
  assert.deepEqual(a, jittered(7));
  assert.notDeepEqual(a, [100, 200, 400, 800]);
  a.forEach((d, k) => assert.ok(d >= 100 * 2 ** k * 0.5 && d <= 100 * 2 ** k * 1.5, `delay ${k} = ${d}`));
  assert.throws(() => resolveReconnectPolicy({ attempts: -1 }), /attempts must be a non-negative integer/);
  assert.throws(() => resolveReconnectPolicy({ jitter: 2 }), /jitter must be in \[0, 1\]/);
});

test('preview escapes control bytes and marks the cut', () => {
  assert.equal(preview(Buffer.from('A\r\n\t\\\x00\xff', 'latin1'), 100), 'A\\r\\n\\t\\\\\\x00\\xff');
  assert.equal(preview(Buffer.from('abcdef'), 4), 'abcd…(+2 bytes)');
});

test('createTransport picks the class from the resource string', async () => {
  assert.ok((await createTransport('TCPIP::127.0.0.1::5025::SOCKET')) instanceof TcpSocketTransport);
  assert.ok(
    (await createTransport('ASRL/dev/ttyUSB0::INSTR', { baudRate: 19200 })) instanceof SerialTransport,
  );
  assert.ok((await createTransport('USB::0x05E6::0x2450::X::INSTR')) instanceof UsbtmcTransport);
  await assert.rejects(
    createTransport('MODBUS-TCP::127.0.0.1::1'),
    /not a message transport; open it with ModbusClient/,
  );
  await assert.rejects(createTransport('GPIB::1::INSTR'), /pyvisa bridge/);
});
