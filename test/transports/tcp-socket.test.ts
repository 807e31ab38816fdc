import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TcpSocketTransport } from '../../drivers/transports/tcp-socket.ts';
import { TransportError, TransportTimeoutError } from '../../drivers/transports/transport.ts';
import { startTcpPeer, receivedUntil, type TcpPeer } from './helpers/tcp-peer.ts';

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

describe('TcpSocketTransport against a scripted socket instrument', { timeout: 20_000 }, () => {
  const peers: TcpPeer[] = [];
  const transports: TcpSocketTransport[] = [];
  after(async () => {
    await Promise.all(transports.map((t) => t.close()));
    await Promise.all(peers.map((p) => p.close()));
  });

  async function setup(
    onData?: Parameters<typeof startTcpPeer>[0],
    options: ConstructorParameters<typeof TcpSocketTransport>[1] = {},
  ) {
    const peer = await startTcpPeer(onData);
    peers.push(peer);
    const transport = new TcpSocketTransport(`TCPIP::127.0.0.1::${peer.port}::SOCKET`, {
      timeout_ms: 500,
      ...options,
    });
    transports.push(transport);
    await transport.open();
    return { peer, transport, socket: await peer.nextConnection() };
  }

  test('a query gets the write terminator; a reply split across packets is reassembled', async () => {
    const { transport, socket } = await setup();
    assert.equal(transport.resource, `TCPIP0::127.0.0.1::${transport.port}::SOCKET`);
    const request = receivedUntil(socket, (t) => t.endsWith('\n'));
    await transport.write('*IDN?');
    assert.equal(await request, '*IDN?\n');
    socket.write('ACME,K2450,');
    const reply = transport.read();
    setImmediate(() => socket.write('042,1.0\n'));
    assert.equal(text(await reply), 'ACME,K2450,042,1.0');
  });

  test('two messages in one packet are two reads; bytes after the terminator stay buffered', async () => {
    const { transport, socket } = await setup();
    socket.write('1.5\n2.5\n3.');
    assert.equal(text(await transport.read()), '1.5');
    assert.equal(text(await transport.read()), '2.5');
    socket.write('5\n');
    assert.equal(text(await transport.read()), '3.5');
  });

  test('readBytes takes exact counts from the same buffer, even across the terminator byte', async () => {
    const { transport, socket } = await setup();
    socket.write(Buffer.from([0x23, 0x31, 0x35, 0x01, 0x0a, 0x02, 0x0a, 0xff, 0x0a]));
    assert.equal(text(await transport.readBytes(2)), '#1');
    assert.equal(text(await transport.readBytes(1)), '5');
    assert.deepEqual([...(await transport.readBytes(5))], [0x01, 0x0a, 0x02, 0x0a, 0xff]);
    assert.equal((await transport.read()).length, 0, 'the trailing terminator is an empty message');
  });

  test('custom terminators: CRLF reads, no write terminator', async () => {
    const { transport, socket } = await setup(undefined, { readTermination: '\r\n', writeTermination: '' });
    const request = receivedUntil(socket, (t) => t.length >= 4);
    await transport.write('MEAS');
    assert.equal(await request, 'MEAS');
    socket.write('A\nB\r\nC\r\n');
    assert.equal(text(await transport.read()), 'A\nB');
    assert.equal(text(await transport.read()), 'C');
  });

  test('a read timeout raises TransportTimeoutError and discards the partial message', async () => {
    const { transport, socket } = await setup();
    socket.write('PARTIAL');
    await assert.rejects(transport.read({ timeout_ms: 100 }), (error: unknown) => {
      assert.ok(error instanceof TransportTimeoutError);
      assert.match(error.message, /TCPIP0::127\.0\.0\.1::\d+::SOCKET: read: timed out after 100 ms/);
      return true;
    });
    socket.write('NEXT\n');
    assert.equal(text(await transport.read()), 'NEXT', 'the bytes from before the timeout are gone');
    assert.ok(transport.isOpen, 'a timeout does not close the link');
  });

  test('readBytes times out when fewer bytes arrive', async () => {
    const { transport, socket } = await setup();
    socket.write('abc');
    await assert.rejects(transport.readBytes(10, { timeout_ms: 100 }), TransportTimeoutError);
  });

  test('clear() empties the receive buffer', async () => {
    const { transport, socket } = await setup();
    // One write on loopback arrives as one chunk: once the first message is read, the second is buffered.
    socket.write('first\nstale\n');
    assert.equal(text(await transport.read()), 'first');
    await transport.clear();
    socket.write('fresh\n');
    assert.equal(text(await transport.read()), 'fresh');
  });

  test('a second concurrent read is refused', async () => {
    const { transport, socket } = await setup();
    const first = transport.read();
    await assert.rejects(transport.read(), /another read is already waiting/);
    socket.write('ok\n');
    assert.equal(text(await first), 'ok');
  });

  test('the peer closing fails the pending read; reconnect() opens a fresh link', async () => {
    const { peer, transport, socket } = await setup();
    const pending = transport.read();
    socket.destroy();
    await assert.rejects(pending, (error: unknown) => {
      assert.ok(error instanceof TransportError && !(error instanceof TransportTimeoutError));
      assert.match(error.message, /read: connection closed/);
      return true;
    });
    assert.equal(transport.isOpen, false);
    await assert.rejects(transport.write('X'), /write: not open/);
    await transport.reconnect();
    const fresh = await peer.nextConnection();
    assert.notEqual(fresh, socket);
    fresh.write('back\n');
    assert.equal(text(await transport.read()), 'back');
  });

  test('a refused connection is a TransportError naming the resource and connect', async () => {
    const peer = await startTcpPeer();
    const port = peer.port;
    await peer.close();
    const transport = new TcpSocketTransport(`TCPIP::127.0.0.1::${port}::SOCKET`);
    await assert.rejects(transport.open(), (error: unknown) => {
      assert.ok(error instanceof TransportError);
      assert.match(
        error.message,
        new RegExp(`^TCPIP0::127\\.0\\.0\\.1::${port}::SOCKET: connect: .*ECONNREFUSED`),
      );
      return true;
    });
    assert.equal(transport.isOpen, false);
  });

  test('close() is idempotent and a closed transport refuses I/O', async () => {
    const { transport } = await setup();
    await transport.close();
    await transport.close();
    await assert.rejects(transport.read(), /read: not open/);
  });

  test('the constructor refuses a resource of another kind', () => {
    assert.throws(() => new TcpSocketTransport('TCPIP::1.2.3.4::INSTR'), /needs a TCPIP::host::port::SOCKET/);
  });
});
