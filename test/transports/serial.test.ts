import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseResource, type SerialResource } from '../../drivers/transports/resource-string.ts';
import { SerialTransport, serialDevicePath } from '../../drivers/transports/serial.ts';
import { TransportError, TransportTimeoutError } from '../../drivers/transports/transport.ts';
import { startPtyPair, type PtyPair } from './helpers/pty-pair.ts';
import { startResponder } from './helpers/line-responder.ts';

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

describe('SerialTransport over a socat pty pair', { timeout: 30_000 }, () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  async function setup(reply: (line: string) => string | Buffer | null, options = {}) {
    const pty: PtyPair = await startPtyPair();
    cleanups.push(() => pty.close());
    const responder = await startResponder(pty.b, reply);
    cleanups.push(
      () => new Promise<void>((resolve) => (responder.isOpen ? responder.close(() => resolve()) : resolve())),
    );
    const transport = new SerialTransport(`ASRL${pty.a}::INSTR`, {
      baudRate: 115200,
      dataBits: 8,
      parity: 'none',
      stopBits: 1,
      flowControl: 'none',
      timeout_ms: 1000,
      ...options,
    });
    cleanups.push(() => transport.close());
    await transport.open();
    return { pty, responder, transport };
  }

  test('a query round-trips through the line with terminators added and removed', async () => {
    const { transport, pty } = await setup((line) => (line === '*IDN?' ? 'ACME,MODEL 2400,7,C30\n' : null));
    assert.equal(transport.resource, `ASRL${pty.a}::INSTR`);
    assert.equal(transport.path, pty.a);
    await transport.write('*IDN?');
    assert.equal(text(await transport.read()), 'ACME,MODEL 2400,7,C30');
  });

  test('CR-LF terminators both ways', async () => {
    const { transport } = await setup((line) => `got ${line}\r\n`, {
      readTermination: '\r\n',
      writeTermination: '\r\n',
    });
    await transport.write(':MEAS:VOLT?');
    assert.equal(text(await transport.read()), 'got :MEAS:VOLT?');
  });

  test('readBytes reads a binary block whose payload holds the terminator', async () => {
    const payload = Buffer.from([0x00, 0x0a, 0x7f, 0x0a]);
    const { transport } = await setup(() => Buffer.concat([Buffer.from('#14'), payload, Buffer.from('\n')]));
    await transport.write('TRAC:DATA?');
    assert.equal(text(await transport.readBytes(3)), '#14');
    assert.deepEqual([...(await transport.readBytes(4))], [...payload]);
    assert.equal((await transport.read()).length, 0);
  });

  test('a silent instrument times out with TransportTimeoutError and the link stays usable', async () => {
    const { transport } = await setup((line) => (line === 'PING' ? 'PONG\n' : null));
    await transport.write('IGNORED');
    await assert.rejects(transport.read({ timeout_ms: 150 }), (error: unknown) => {
      assert.ok(error instanceof TransportTimeoutError);
      assert.match(error.message, /^ASRL.*::INSTR: read: timed out after 150 ms$/);
      return true;
    });
    await transport.write('PING');
    assert.equal(text(await transport.read()), 'PONG');
  });

  test('clear() drops what was received but not read', async () => {
    const { transport } = await setup((line) => (line === 'TWO' ? 'first\nstale\n' : `${line}!\n`));
    await transport.write('TWO');
    assert.equal(text(await transport.read()), 'first');
    await transport.clear();
    await transport.write('again');
    assert.equal(text(await transport.read()), 'again!');
  });

  test('opening a missing device is a TransportError naming the resource and the path', async () => {
    const transport = new SerialTransport('ASRL/dev/nudged-no-such-tty::INSTR');
    await assert.rejects(transport.open(), (error: unknown) => {
      assert.ok(error instanceof TransportError);
      assert.match(error.message, /^ASRL\/dev\/nudged-no-such-tty::INSTR: open: \/dev\/nudged-no-such-tty: /);
      return true;
    });
    assert.equal(transport.isOpen, false);
  });

  test('I/O on a transport that is not open is refused', async () => {
    const transport = new SerialTransport('ASRL/dev/null::INSTR');
    await assert.rejects(transport.write('X'), /write: not open/);
    await assert.rejects(transport.read(), /read: not open/);
  });
});

test('ASRL<n> maps to VISA numbering (ASRL1 = /dev/ttyS0); paths pass through', () => {
  const serial = (s: string) => parseResource(s) as SerialResource;
  assert.equal(serialDevicePath(serial('ASRL1::INSTR')), '/dev/ttyS0');
  assert.equal(serialDevicePath(serial('ASRL4::INSTR')), '/dev/ttyS3');
  assert.equal(serialDevicePath(serial('ASRL/dev/ttyACM0::INSTR')), '/dev/ttyACM0');
  assert.throws(
    () => serialDevicePath(serial('ASRL0::INSTR')),
    /ASRL0::INSTR: open: ASRL port numbers start at 1/,
  );
});
