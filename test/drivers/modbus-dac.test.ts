// Modbus DAC driver against scripted register exchanges. Register maps from the manuals cited in
// drivers/instruments/dac-presets.ts (ADAM-6200 User Manual App. A.1.3: 40001–40004 AO value;
// ADAM-4000 User Manual App. G table 5: 40001–40004, module name 40211 = 0x4024; ioLogik E1200
// User's Manual, E1241 mapping: 41025–41028 AO raw value). Expected codes are worked out here
// from the transfer functions: ±10 V 12-bit V = −10 + 20·code/4095; 0–10 V V = 10·code/4095.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ModbusDac, ModuleIdentityError, type RegisterLink } from '../../drivers/instruments/modbus-dac.ts';
import { SafeStateError } from '../../drivers/instruments/safe-state.ts';
import { LimitError } from '../../src/capabilities/index.ts';
import { recordingSleep } from './fixtures.ts';

type Expected =
  | readonly ['read', number, number, number[]]
  | readonly ['write', number, number[]]
  | readonly ['fail write', number, number[]];

/** A RegisterLink following a script of requests; any other request fails the test. */
class ScriptedRegisters implements RegisterLink {
  readonly resource = 'modbus-tcp://scripted:502?unit=1';
  #next = 0;
  constructor(readonly script: readonly Expected[]) {}

  async readHoldingRegisters(address: number, count: number): Promise<number[]> {
    const step = this.#take(`read ${address}+${count}`);
    assert.deepEqual(step.slice(0, 3), ['read', address, count]);
    return (step as readonly ['read', number, number, number[]])[3];
  }

  async writeRegisters(address: number, values: readonly number[]): Promise<void> {
    const step = this.#take(`write ${address} ${values.join(',')}`);
    assert.deepEqual([step[1], step[2]], [address, [...values]], `request ${this.#next - 1}`);
    if (step[0] === 'fail write') throw new Error(`exception 4 at ${address}`);
    assert.equal(step[0], 'write');
  }

  #take(what: string): Expected {
    const step = this.script[this.#next++];
    assert.ok(step !== undefined, `unexpected request ${what}: the script has ${this.script.length}`);
    return step;
  }

  assertDone(): void {
    assert.equal(this.#next, this.script.length, 'every scripted request happened');
  }
}

const ch = (min: number, max: number) => ({ limits: { voltage_V: { min, max } } });
const FOUR = [ch(-10, 10), ch(-10, 10), ch(-10, 10), ch(-5, 5)];

test('ADAM-6224 preset: read back on configure, then all channels in one write-multiple-registers', async () => {
  const link = new ScriptedRegisters([
    ['read', 0, 4, [2048, 2048, 2048, 2048]],
    // 0 V → 2047.5 → 2048; 5 V → 3071.25 → 3071; −10 V → 0; 4.5 V → 2968.875 → 2969
    ['write', 0, [2048, 3071, 0, 2969]],
  ]);
  const dac = new ModbusDac(link, { registers: 'adam-6224', channels: FOUR });
  assert.deepEqual(dac.outputRange, { min: -10, max: 10 });
  assert.deepEqual(dac.range, { min: -5, max: 5 });
  await dac.configure();
  assert.ok(Math.abs(dac.levels[0] - 20 / 4095 / 2) < 1e-12, 'code 2048 is +2.4 mV');
  await dac.setVoltages(Float64Array.of(0, 5, -10, 4.5));
  link.assertDone();
});

test('ioLogik E1241 preset: unipolar 0–10 V raw codes at 0x0400', async () => {
  const link = new ScriptedRegisters([
    ['read', 0x400, 2, [0, 0]],
    // 2.5 V → 1023.75 → 1024; 10 V → 4095
    ['write', 0x400, [1024, 4095]],
  ]);
  const dac = new ModbusDac(link, { registers: 'iologik-e1241', channels: [ch(0, 10), ch(0, 10)] });
  await dac.configure();
  await dac.setVoltages(Float64Array.of(2.5, 10));
  link.assertDone();
});

test('ADAM-4024 preset: the module-name register is checked; another module is refused', async () => {
  const ok = new ScriptedRegisters([
    ['read', 210, 1, [0x4024]],
    ['read', 0, 1, [4095]],
  ]);
  const dac = new ModbusDac(ok, { registers: 'adam-4024', channels: [ch(-10, 10)] });
  await dac.configure();
  assert.deepEqual(dac.levels, Float64Array.of(10));
  ok.assertDone();
  const wrong = new ScriptedRegisters([['read', 210, 1, [0x4017]]]);
  const error = await new ModbusDac(wrong, { registers: 'adam-4024', channels: [ch(-10, 10)] })
    .configure()
    .catch((e: unknown) => e);
  assert.ok(error instanceof ModuleIdentityError);
  assert.equal(error.field, 'dac.registers.identity');
  wrong.assertDone();
});

test('levels outside a channel limit are refused before any request', async () => {
  const link = new ScriptedRegisters([['read', 0, 4, [2048, 2048, 2048, 2048]]]);
  const dac = new ModbusDac(link, { name: 'lines', registers: 'adam-6224', channels: FOUR });
  await dac.configure();
  await assert.rejects(
    dac.setVoltages(Float64Array.of(0, 0, 0, 6)),
    (e: unknown) => e instanceof LimitError && e.field === 'lines.ch3.voltage_V',
  );
  await assert.rejects(dac.setVoltages(Float64Array.of(0, 0)), /expected 4 levels, got 2/);
  link.assertDone();
});

test('configuration errors name the field', () => {
  const link = new ScriptedRegisters([]);
  assert.throws(
    () => new ModbusDac(link, { registers: 'adam-6224', channels: [ch(0, 12)] }),
    /dac\.channels\[0\]\.limits\.voltage_V \[0, 12\] exceeds the output range/,
  );
  assert.throws(
    () => new ModbusDac(link, { registers: 'adam-6224', channels: [...FOUR, ch(0, 1)] }),
    /dac\.channels: 5 configured, the module has 4/,
  );
  assert.throws(
    () => new ModbusDac(link, { registers: 'adam-9999' as 'adam-6224', channels: FOUR }),
    /invalid Modbus DAC configuration: registers/,
  );
});

test('ramping: equal steps of at most `step`, one write each, pauses between', async () => {
  const { sleep, pauses } = recordingSleep();
  const link = new ScriptedRegisters([
    ['read', 0x400, 1, [0]],
    // 0 → 10 V in steps ≤ 4 V: 3.333 V → 1365, 6.667 V → 2730, 10 V → 4095
    ['write', 0x400, [1365]],
    ['write', 0x400, [2730]],
    ['write', 0x400, [4095]],
  ]);
  const dac = new ModbusDac(
    link,
    { registers: 'iologik-e1241', channels: [ch(0, 10)], ramp: { step: 4, inter_delay_s: 0.1 } },
    { sleep },
  );
  await dac.configure();
  await dac.setVoltages(Float64Array.of(10));
  assert.deepEqual(pauses, [0.1, 0.1]);
  link.assertDone();
});

test('safeState: 0 V on every channel in one write; idempotent', async () => {
  const link = new ScriptedRegisters([
    ['write', 0, [2048, 2048, 2048, 2048]],
    ['write', 0, [2048, 2048, 2048, 2048]],
  ]);
  const dac = new ModbusDac(link, { registers: 'adam-6224', channels: FOUR });
  await dac.safeState();
  await dac.safeState();
  link.assertDone();
});

test('safeState falls back to channel-by-channel writes, tries every channel, reports the failures', async () => {
  const link = new ScriptedRegisters([
    ['fail write', 0, [2048, 2048, 2048]],
    ['write', 0, [2048]],
    ['fail write', 1, [2048]],
    ['write', 2, [2048]],
  ]);
  const dac = new ModbusDac(link, { registers: 'adam-6224', channels: FOUR.slice(0, 3) });
  const error = await dac.safeState().catch((e: unknown) => e);
  assert.ok(error instanceof SafeStateError);
  assert.deepEqual(
    error.failures.map((f) => f.channel),
    [1],
  );
  link.assertDone();
});

test('custom maps: int32 codes with word swap (CDAB), 16-bit codes with swapped bytes (BADC)', async () => {
  const wide = new ScriptedRegisters([
    ['read', 100, 2, [0x86a0, 0x0001]],
    // offset −10 V, 10 µV/code: 1.5 V → 1150000 − 1000000 = 150000 = 0x0002_49F0 → CDAB [0x49F0, 0x0002]
    ['write', 100, [0x49f0, 0x0002]],
  ]);
  const int32 = new ModbusDac(wide, {
    registers: {
      base: 100,
      channels: 1,
      type: 'int32',
      wordOrder: 'CDAB',
      codes: { min: -1000000, max: 1000000 },
      polarity: 'bipolar',
      voltsPerCode: 1e-5,
    },
    channels: [ch(-10, 10)],
  });
  await int32.configure();
  // 0x0001_86A0 = 100000 → −10 + 1100000·1e-5 = 1 V
  assert.ok(Math.abs(int32.levels[0] - 1) < 1e-9);
  await int32.setVoltages(Float64Array.of(1.5));
  wide.assertDone();

  const swapped = new ScriptedRegisters([
    ['read', 0, 1, [0]],
    // 10 V → code 0x0FFF, bytes swapped → 0xFF0F
    ['write', 0, [0xff0f]],
  ]);
  const bytes = new ModbusDac(swapped, {
    registers: {
      base: 0,
      channels: 1,
      type: 'uint16',
      wordOrder: 'BADC',
      codes: { min: 0, max: 4095 },
      polarity: 'unipolar',
      voltsPerCode: 10 / 4095,
    },
    channels: [ch(0, 10)],
  });
  await bytes.configure();
  await bytes.setVoltages(Float64Array.of(10));
  swapped.assertDone();
});
