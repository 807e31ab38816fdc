// USBTMC: the sysfs lookup against a fake /sys tree, and the read/write framing against a pty
// standing in for /dev/usbtmcN (a read returns what the "device" sent, a short read ends it).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SerialPort } from 'serialport';
import { parseResource, type UsbtmcResource } from '../../drivers/transports/resource-string.ts';
import { TransportError, TransportTimeoutError } from '../../drivers/transports/transport.ts';
import { UsbtmcTransport } from '../../drivers/transports/usbtmc.ts';
import { findUsbtmcDevice, listUsbtmcDevices } from '../../drivers/transports/usbtmc-sysfs.ts';
import { startResponder } from './helpers/line-responder.ts';
import { startPtyPair, type PtyPair } from './helpers/pty-pair.ts';

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');
const K2450 = 'USB0::0x05E6::0x2450::04096331::INSTR';

/** A /sys with two usbtmc devices laid out as the kernel does (device → interface dir symlink). */
function fakeSysfs(root: string): void {
  const device = (name: string, busPath: string, ids: Record<string, string>) => {
    const usbDevice = join(root, 'sys', 'devices', 'pci0000:00', busPath);
    const usbInterface = join(usbDevice, `${busPath}:1.0`);
    mkdirSync(usbInterface, { recursive: true });
    for (const [file, value] of Object.entries(ids)) writeFileSync(join(usbDevice, file), `${value}\n`);
    writeFileSync(join(usbInterface, 'bInterfaceNumber'), '00\n');
    const classDir = join(root, 'sys', 'class', 'usbmisc', name);
    mkdirSync(classDir, { recursive: true });
    symlinkSync(usbInterface, join(classDir, 'device'));
  };
  device('usbtmc0', '1-1', { idVendor: '0957', idProduct: '1796', serial: 'MY52490012' });
  device('usbtmc1', '1-2', { idVendor: '05e6', idProduct: '2450', serial: '04096331' });
  mkdirSync(join(root, 'sys', 'class', 'usbmisc', 'hiddev0'), { recursive: true });
}

describe('usbtmc sysfs lookup', () => {
  const root = mkdtempSync(join(tmpdir(), 'nudged-sysfs-'));
  before(() => fakeSysfs(root));
  after(() => rmSync(root, { recursive: true, force: true }));
  const location = () => ({ sysfsRoot: join(root, 'sys'), devRoot: join(root, 'dev') });

  test('lists usbtmc devices with their USB identity, ignoring other usbmisc nodes', async () => {
    const devices = await listUsbtmcDevices(location());
    assert.deepEqual(
      devices.map((d) => [d.name, d.vendorId, d.productId, d.serial, d.usbInterface, d.devicePath]),
      [
        ['usbtmc0', 0x0957, 0x1796, 'MY52490012', 0, join(root, 'dev', 'usbtmc0')],
        ['usbtmc1', 0x05e6, 0x2450, '04096331', 0, join(root, 'dev', 'usbtmc1')],
      ],
    );
  });

  test('resolves vendor, product and serial to the device node', async () => {
    const resource = parseResource(K2450) as UsbtmcResource;
    assert.equal(await findUsbtmcDevice(resource, location()), join(root, 'dev', 'usbtmc1'));
  });

  test('no match is a TransportError that lists what was found', async () => {
    const resource = parseResource('USB::0x05E6::0x2450::OTHER::INSTR') as UsbtmcResource;
    await assert.rejects(findUsbtmcDevice(resource, location()), (error: unknown) => {
      assert.ok(error instanceof TransportError);
      assert.match(error.message, /^USB0::0x05E6::0x2450::OTHER::0::INSTR: open: no usbtmc device/);
      assert.match(error.message, /usbtmc1 = 0x05e6:0x2450 serial 04096331/);
      return true;
    });
  });

  test('a missing sysfs class directory means no devices', async () => {
    assert.deepEqual(await listUsbtmcDevices({ sysfsRoot: join(root, 'nowhere') }), []);
  });
});

describe(
  'UsbtmcTransport framing over a pty standing in for the character device',
  { timeout: 30_000 },
  () => {
    const root = mkdtempSync(join(tmpdir(), 'nudged-usbtmc-'));
    let pty: PtyPair;
    let responder: SerialPort;
    const transports: UsbtmcTransport[] = [];
    let handle: (line: string) => string | Buffer | null = () => null;

    before(async () => {
      fakeSysfs(root);
      pty = await startPtyPair();
      mkdirSync(join(root, 'dev'));
      symlinkSync(pty.a, join(root, 'dev', 'usbtmc1'));
      responder = await startResponder(pty.b, (line) => handle(line));
    });
    after(async () => {
      for (const t of transports) await t.close();
      await new Promise<void>((resolve) => responder.close(() => resolve()));
      await pty.close();
      rmSync(root, { recursive: true, force: true });
    });

    async function open(options: ConstructorParameters<typeof UsbtmcTransport>[1] = {}) {
      const transport = new UsbtmcTransport(K2450, {
        sysfsRoot: join(root, 'sys'),
        devRoot: join(root, 'dev'),
        timeout_ms: 1000,
        ...options,
      });
      transports.push(transport);
      await transport.open();
      return transport;
    }

    test('open() finds the node through sysfs; a query is one write and one read', async () => {
      handle = (line) => (line === '*IDN?' ? 'KEITHLEY INSTRUMENTS,MODEL 2450,04096331,1.7\n' : null);
      const transport = await open();
      assert.equal(transport.devicePath, join(root, 'dev', 'usbtmc1'));
      assert.equal(transport.resource, 'USB0::0x05E6::0x2450::04096331::0::INSTR');
      await transport.write('*IDN?');
      assert.equal(text(await transport.read()), 'KEITHLEY INSTRUMENTS,MODEL 2450,04096331,1.7');
    });

    test('a message longer than the read size is collected over several reads', async () => {
      handle = () => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ\n';
      const transport = await open({ readChunkSize: 8 });
      await transport.write('ALPHA?');
      assert.equal(text(await transport.read()), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ');
    });

    test('without a term char, a short read is the end of the message', async () => {
      handle = () => '0123456789';
      const transport = await open({ readChunkSize: 8, readTermination: '' });
      await transport.write('DIGITS?');
      assert.equal(text(await transport.read()), '0123456789');
    });

    test('readBytes reads a definite-length block piecewise', async () => {
      handle = () =>
        Buffer.concat([Buffer.from('#15'), Buffer.from([0x0a, 1, 2, 3, 0x0a]), Buffer.from('\n')]);
      const transport = await open();
      await transport.write('TRAC:DATA?');
      assert.equal(text(await transport.readBytes(2)), '#1');
      assert.equal(text(await transport.readBytes(1)), '5');
      assert.deepEqual([...(await transport.readBytes(5))], [0x0a, 1, 2, 3, 0x0a]);
      assert.equal((await transport.read()).length, 0);
    });

    test('a timeout raises TransportTimeoutError; the late reply is dropped, not given to the next query', async () => {
      handle = (line) => {
        if (line === 'SLOW?') setTimeout(() => responder.write('late\n'), 300);
        return line === 'FAST?' ? 'fast\n' : null;
      };
      const transport = await open();
      await transport.write('SLOW?');
      await assert.rejects(transport.read({ timeout_ms: 100 }), (error: unknown) => {
        assert.ok(error instanceof TransportTimeoutError);
        assert.equal(error.message, `${transport.resource}: read: timed out after 100 ms`);
        return true;
      });
      await transport.write('FAST?');
      assert.equal(text(await transport.read()), 'fast');
    });

    test('clear() reopens the device node and the link keeps working', async () => {
      handle = (line) => `${line}=ok\n`;
      const transport = await open();
      await transport.clear();
      assert.ok(transport.isOpen);
      await transport.write('X');
      assert.equal(text(await transport.read()), 'X=ok');
    });

    test('a node that does not exist is a TransportError naming resource and path', async () => {
      const transport = new UsbtmcTransport(K2450, { devicePath: join(root, 'dev', 'usbtmc9') });
      await assert.rejects(
        transport.open(),
        /^TransportError: USB0::0x05E6::0x2450::04096331::0::INSTR: open: .*usbtmc9: ENOENT/,
      );
      await assert.rejects(transport.read(), /read: not open/);
    });
  },
);
