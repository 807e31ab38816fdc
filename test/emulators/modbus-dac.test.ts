// The emulated Modbus TCP DAC module with a modbus-serial client: register writes move the wired
// input lines by the documented code scaling, and exceptions reach the client.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import modbusSerial from 'modbus-serial';
import { startEmulatedBench } from '../../sim/emulators/index.ts';
import type { RunningEmulatedBench } from '../../sim/emulators/index.ts';
import { irisBoard, portOf } from './helpers.ts';

let bench: RunningEmulatedBench;
// The CommonJS module's default export is the client class (typed through its `default`).
const ModbusClient = modbusSerial.default;
let client: InstanceType<typeof ModbusClient>;
const lines = [7, 6, 5, 4, 3, 2, 1, 0];
// The board's own 16-bit line DAC re-quantises: within one LSB (its top code is +10 V − 1 LSB).
const boardLsb = 20 / 2 ** 16;

before(async () => {
  bench = await startEmulatedBench({
    board: irisBoard,
    instruments: [{ name: 'dac', kind: 'modbus-dac', lines, unitId: 3 }],
  });
  assert.match(bench.resources[0].resource, /^modbus-tcp:\/\/127\.0\.0\.1:\d+\?unit=3$/);
  client = new ModbusClient();
  await client.connectTCP('127.0.0.1', { port: portOf(bench.resources[0].resource) });
  client.setID(3);
  client.setTimeout(2000);
});

after(async () => {
  await new Promise<void>((resolve) => client.close(() => resolve()));
  await bench?.close();
});

test(
  'one write-multiple-registers moves every wired line by V = -10 + 20·code/4095',
  { timeout: 5000 },
  async () => {
    const codes = [0, 4095, 2048, 1024, 3071, 100, 4000, 2047];
    await client.writeRegisters(0, codes);
    const applied = bench.bench.board.appliedInputs();
    codes.forEach((code, k) => {
      const expected = -10 + (20 * code) / 4095;
      assert.ok(Math.abs(applied[lines[k]] - expected) <= boardLsb, `channel ${k} → line ${lines[k]}`);
    });
    assert.deepEqual((await client.readHoldingRegisters(0, 8)).data, codes);
    const readBack = (await client.readInputRegisters(0, 2)).data.map((r: number) => (r << 16) >> 16);
    assert.deepEqual(readBack, [-10000, 10000]);
  },
);

test('a range register switches channel 0 to 0..10 V unipolar', { timeout: 5000 }, async () => {
  await client.writeRegister(100, 1);
  await client.writeRegister(0, 1000);
  const expected = (10 * 1000) / 4095;
  assert.ok(Math.abs(bench.bench.board.appliedInputs()[lines[0]] - expected) <= boardLsb / 2);
  assert.deepEqual((await client.readHoldingRegisters(200, 1)).data, [0x6224]);
  await client.writeRegister(100, 0);
});

test(
  'illegal values and addresses answer exceptions 3 and 2 and change nothing',
  { timeout: 5000 },
  async () => {
    const before = bench.bench.board.appliedInputs();
    await assert.rejects(
      client.writeRegisters(0, [5000]),
      (e: { modbusCode?: number }) => e.modbusCode === 3,
    );
    await assert.rejects(
      client.readHoldingRegisters(50, 1),
      (e: { modbusCode?: number }) => e.modbusCode === 2,
    );
    assert.deepEqual(bench.bench.board.appliedInputs(), before);
  },
);
