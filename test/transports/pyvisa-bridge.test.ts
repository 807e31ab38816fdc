// PyvisaBridgeTransport driving /usr/bin/python3 + pyvisa-py against a small newline-terminated
// SCPI-ish TCP responder, opened as `TCPIP::127.0.0.1::<port>::SOCKET`.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { PyvisaBridgeError, PyvisaBridgeTransport } from '../../drivers/transports/pyvisa-bridge.ts';
import { TransportError, TransportTimeoutError } from '../../drivers/transports/transport.ts';

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function waitForExit(pid: number): Promise<void> {
  return new Promise((resolve) => {
    const poll = () => (processExists(pid) ? setTimeout(poll, 20) : resolve());
    poll();
  });
}

describe('pyvisa bridge (JSON lines to a pyvisa-py helper)', { timeout: 60_000 }, () => {
  const sockets = new Set<Socket>();
  const received: string[] = [];
  const responder = createServer((socket) => {
    sockets.add(socket);
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      let end: number;
      while ((end = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 1);
        received.push(line);
        if (line === '*IDN?') socket.write('NUDGED,SOCKET-TEST,0,1\n');
        else if (line === 'BLOCK?') socket.write('#15ab\ncd\n');
        // SILENT? gets no answer.
      }
    });
    socket.on('error', () => socket.destroy());
  });
  const transports: PyvisaBridgeTransport[] = [];
  let resource = '';

  const open = async (options: ConstructorParameters<typeof PyvisaBridgeTransport>[1] = {}) => {
    const t = new PyvisaBridgeTransport(resource, { timeout_ms: 3000, ...options });
    transports.push(t);
    await t.open();
    return t;
  };

  before(async () => {
    await new Promise<void>((resolve) => responder.listen(0, '127.0.0.1', resolve));
    resource = `TCPIP::127.0.0.1::${(responder.address() as { port: number }).port}::SOCKET`;
  });
  after(async () => {
    for (const t of transports) await t.close();
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => responder.close(() => resolve()));
  });

  it('writes with the newline terminator and reads a response with it stripped', async () => {
    const t = await open();
    await t.write('*IDN?');
    assert.equal(text(await t.read()), 'NUDGED,SOCKET-TEST,0,1');
    assert.equal(received.at(-1), '*IDN?');
  });

  it('readBytes reads a definite-length block whose payload holds the terminator', async () => {
    const t = await open();
    await t.write('BLOCK?');
    assert.equal(text(await t.readBytes(2)), '#1');
    assert.equal(text(await t.readBytes(1)), '5');
    assert.equal(text(await t.readBytes(5)), 'ab\ncd');
    assert.equal(text(await t.read()), '');
  });

  it('a VISA timeout is a TransportTimeoutError and the session stays usable; clear works', async () => {
    const t = await open();
    await t.write('SILENT?');
    await assert.rejects(
      t.read({ timeout_ms: 200 }),
      (e: unknown) => e instanceof TransportTimeoutError && e.operation === 'read',
    );
    await t.clear();
    await t.write('*IDN?');
    assert.equal(text(await t.read()), 'NUDGED,SOCKET-TEST,0,1');
  });

  it('reports pyvisa exceptions by class name (GPIB without linux-gpib installed)', async () => {
    const t = new PyvisaBridgeTransport('GPIB0::5::INSTR', { timeout_ms: 3000 });
    transports.push(t);
    await assert.rejects(
      t.open(),
      (e: unknown) =>
        e instanceof PyvisaBridgeError &&
        e.pyvisaError === 'ValueError' &&
        /GPIB0::5::INSTR: open: ValueError/.test(e.message),
    );
    assert.equal(t.isOpen, false);
  });

  it('a crashed helper fails the pending call with a TransportError and leaves the transport closed', async () => {
    const t = await open();
    await t.write('SILENT?');
    const pending = t.read({ timeout_ms: 20_000 });
    process.kill(t.pid!, 'SIGKILL');
    await assert.rejects(
      pending,
      (e: unknown) => e instanceof TransportError && /exited \(SIGKILL\)/.test(e.message),
    );
    assert.equal(t.isOpen, false);
    await assert.rejects(t.write('*IDN?'), /transport is not open/);
  });

  it('close ends the helper process', async () => {
    const t = await open();
    const pid = t.pid!;
    assert.ok(processExists(pid));
    await t.close();
    await waitForExit(pid);
    assert.equal(t.isOpen, false);
    await t.close(); // idempotent
  });

  it('an interpreter that cannot run is a TransportError on open', async () => {
    const t = new PyvisaBridgeTransport(resource, { python: '/nonexistent/python3' });
    transports.push(t);
    await assert.rejects(
      t.open(),
      (e: unknown) => e instanceof TransportError && /could not run/.test(e.message),
    );
  });
});
