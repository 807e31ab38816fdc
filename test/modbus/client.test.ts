// ModbusClient against modbus-serial's own servers: ServerTCP on an ephemeral loopback port, and
// ServerSerial (RTU) on one end of a socat pty pair.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import modbusSerial from 'modbus-serial';
import type * as ModbusSerialNamespace from 'modbus-serial';
import { ModbusClient } from '../../drivers/modbus/client.ts';
import { ModbusExceptionError } from '../../drivers/modbus/errors.ts';
import { TransportError, TransportTimeoutError } from '../../drivers/transports/transport.ts';
import { startPtyPair, type PtyPair } from '../transports/helpers/pty-pair.ts';

// modbus-serial's typings declare an ES default export for a CommonJS module; the servers are
// properties of module.exports, typed here as the namespace's named exports.
type ModbusSerialModule = typeof modbusSerial & typeof ModbusSerialNamespace;
const { ServerTCP, ServerSerial } = modbusSerial as unknown as ModbusSerialModule;
type IServiceVector = ConstructorParameters<typeof ServerTCP>[0];

const UNIT = 7;
/** Registers ≥ 100 do not exist (exception 2); register 50 never answers (a stuck device). */
function deviceVector(registers: number[], coils: boolean[], reads: { count: number }): IServiceVector {
  const check = (addr: number) => {
    if (addr >= 100) throw { modbusErrorCode: 0x02 };
  };
  return {
    getHoldingRegister: (addr: number, _unit: number, cb: (err: Error | null, value: number) => void) => {
      reads.count++;
      if (addr === 50) return;
      check(addr);
      cb(null, registers[addr]);
    },
    setRegister: (addr: number, value: number, _unit: number, cb: (err: Error | null) => void) => {
      check(addr);
      registers[addr] = value;
      cb(null);
    },
    getCoil: (addr: number, _unit: number, cb: (err: Error | null, value: boolean) => void) => {
      check(addr);
      cb(null, coils[addr]);
    },
    setCoil: (addr: number, value: boolean, _unit: number, cb: (err: Error | null) => void) => {
      check(addr);
      coils[addr] = value;
      cb(null);
    },
  };
}

/** ServerTCP treats port 0 as "use 502", so an ephemeral port is found first. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('ModbusClient over Modbus TCP', { timeout: 30_000 }, () => {
  const registers = Array.from({ length: 100 }, (_, i) => i);
  const coils = Array.from({ length: 100 }, () => false);
  const reads = { count: 0 };
  let server: InstanceType<typeof ServerTCP>;
  let port: number;
  const clients: ModbusClient[] = [];

  before(async () => {
    port = await freePort();
    server = new ServerTCP(deviceVector(registers, coils, reads), { host: '127.0.0.1', port, unitID: UNIT });
    await new Promise<void>((resolve, reject) => {
      server.on('initialized', () => resolve());
      server.on('serverError', reject);
    });
  });
  after(async () => {
    for (const c of clients) await c.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  async function connect(options = {}, unit = UNIT) {
    const client = await ModbusClient.connect(`modbus-tcp://127.0.0.1:${port}?unit=${unit}`, {
      timeout_ms: 300,
      ...options,
    });
    clients.push(client);
    return client;
  }

  test('reads and writes holding registers (FC3, FC6, FC16)', async () => {
    const client = await connect();
    assert.equal(client.resource, `modbus-tcp://127.0.0.1:${port}?unit=${UNIT}`);
    assert.deepEqual(await client.readHoldingRegisters(10, 3), [10, 11, 12]);
    await client.writeRegisters(20, [0xbeef]);
    await client.writeRegisters(21, [1, 2, 65535]);
    assert.deepEqual(await client.readHoldingRegisters(20, 4), [0xbeef, 1, 2, 65535]);
    await assert.rejects(
      client.writeRegisters(20, [70000]),
      /register value 70000 at 20 is not in 0\.\.65535/,
    );
  });

  test('reads and writes coils (FC1, FC5, FC15)', async () => {
    const client = await connect();
    await client.writeCoils(3, [true]);
    await client.writeCoils(5, [true, false, true]);
    assert.deepEqual(await client.readCoils(2, 7), [false, true, false, true, false, true, false]);
  });

  test('32-bit values in every word order round-trip and land in the registers as documented', async () => {
    const client = await connect();
    await client.writeValues(30, 'float32', [1.5, -2.25], 'ABCD');
    assert.deepEqual(await client.readHoldingRegisters(30, 4), [0x3fc0, 0x0000, 0xc010, 0x0000]);
    await client.writeValues(40, 'int32', [-2], 'CDAB');
    assert.deepEqual(await client.readHoldingRegisters(40, 2), [0xfffe, 0xffff]);
    await client.writeValues(40, 'uint32', [0x11223344], 'BADC');
    assert.deepEqual(await client.readHoldingRegisters(40, 2), [0x2211, 0x4433]);
    await client.writeValues(40, 'uint32', [0x11223344], 'DCBA');
    assert.deepEqual(await client.readHoldingRegisters(40, 2), [0x4433, 0x2211]);
    assert.deepEqual(await client.readValues(40, 'uint32', 1, 'DCBA'), [0x11223344]);
    assert.deepEqual(await client.readValues(30, 'float32', 2), [1.5, -2.25]);
    const cdab = await connect({ wordOrder: 'CDAB' });
    await cdab.writeValues(44, 'float32', [3.75]);
    assert.deepEqual(await cdab.readValues(44, 'float32', 1), [3.75]);
    assert.deepEqual(await cdab.readHoldingRegisters(44, 2), [0x0000, 0x4070]);
  });

  test('an exception response is a ModbusExceptionError naming the register and the code', async () => {
    const client = await connect();
    await assert.rejects(client.readHoldingRegisters(120, 2), (error: unknown) => {
      assert.ok(error instanceof ModbusExceptionError);
      assert.equal(error.exceptionCode, 2);
      assert.equal(error.address, 120);
      assert.equal(
        error.message,
        `modbus-tcp://127.0.0.1:${port}?unit=${UNIT}: read holding registers 120..121 (unit ${UNIT}): Modbus exception 2 (illegal data address)`,
      );
      return true;
    });
    await assert.rejects(
      client.writeRegisters(150, [1]),
      /write register 150 \(unit 7\): Modbus exception 2/,
    );
    assert.deepEqual(await client.readHoldingRegisters(0, 1), [0], 'the connection is still usable');
  });

  test('a request that is never answered is retried, then fails with TransportTimeoutError', async () => {
    const client = await connect({ retries: 2, timeout_ms: 150 });
    const before = reads.count;
    await assert.rejects(client.readHoldingRegisters(50, 1), (error: unknown) => {
      assert.ok(error instanceof TransportTimeoutError);
      assert.match(
        error.message,
        /read holding registers 50 \(unit 7\) after 3 attempts: timed out after 150 ms$/,
      );
      return true;
    });
    assert.equal(reads.count - before, 3, 'one request and two retries reached the device');
    assert.deepEqual(await client.readHoldingRegisters(1, 1), [1]);
  });

  test('concurrent requests are queued, so each caller gets its own reply', async () => {
    const client = await connect();
    const addresses = Array.from({ length: 20 }, (_, i) => i * 3);
    const results = await Promise.all(addresses.map((a) => client.readHoldingRegisters(a, 1)));
    assert.deepEqual(
      results.map((r) => r[0]),
      addresses.map((a) => registers[a]),
    );
  });

  test('out-of-range typed values are refused before anything is sent', async () => {
    const client = await connect();
    await assert.rejects(
      client.writeValues(60, 'int16', [40000]),
      /register 60: int16 value 40000 is not an integer/,
    );
  });

  test('after the server drops the connection, the next request reconnects', async () => {
    const client = await connect({ reconnect: { initialDelay_ms: 10 } });
    for (const socket of server.socks.keys()) socket.destroy();
    // modbus-serial notices the close asynchronously (bounded by the suite timeout).
    while (client.isOpen) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepEqual(await client.readHoldingRegisters(2, 1), [2]);
  });

  test('a refused connection and a closed client are TransportErrors naming the resource', async () => {
    const dead = await freePort();
    await assert.rejects(ModbusClient.connect(`modbus-tcp://127.0.0.1:${dead}?unit=1`), (error: unknown) => {
      assert.ok(error instanceof TransportError);
      assert.match(error.message, new RegExp(`^modbus-tcp://127\\.0\\.0\\.1:${dead}\\?unit=1: connect: `));
      return true;
    });
    const client = await connect();
    await client.close();
    await assert.rejects(client.readCoils(0, 1), /read coils 0 \(unit 7\): not open/);
  });
});

describe('ModbusClient over Modbus RTU on a pty pair', { timeout: 30_000 }, () => {
  let pty: PtyPair;
  let server: InstanceType<typeof ServerSerial>;
  let client: ModbusClient;
  const registers = Array.from({ length: 100 }, (_, i) => 1000 + i);

  before(async () => {
    pty = await startPtyPair();
    server = new ServerSerial(deviceVector(registers, [], { count: 0 }), {
      path: pty.b,
      baudRate: 19200,
      unitID: UNIT,
    });
    await new Promise<void>((resolve, reject) => {
      server.on('initialized', () => resolve());
      server.on('error', reject);
    });
    client = await ModbusClient.connect(`MODBUS-RTU::${pty.a}::${UNIT}`, {
      baudRate: 19200,
      timeout_ms: 500,
    });
  });
  after(async () => {
    await client?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await pty?.close();
  });

  test('reads, writes and exception responses work over RTU framing (CRC, unit address)', async () => {
    assert.deepEqual(await client.readHoldingRegisters(5, 2), [1005, 1006]);
    await client.writeValues(8, 'float32', [0.5], 'CDAB');
    assert.deepEqual(await client.readValues(8, 'float32', 1, 'CDAB'), [0.5]);
    await assert.rejects(client.readHoldingRegisters(200, 1), (error: unknown) => {
      assert.ok(error instanceof ModbusExceptionError);
      assert.equal(error.exceptionCode, 2);
      return true;
    });
  });
});
