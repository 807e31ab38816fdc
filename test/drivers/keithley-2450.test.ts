// Keithley 2450 driver against scripted exchanges. Expected bytes from the Model 2450 Reference
// Manual (2450-901-01 Rev. B), section 6 "SCPI command reference": :SOURce[1]:FUNCtion,
// :SOURce[1]:<function>:RANGe[:AUTO], :SOURce[1]:VOLTage:ILIMit, :SOURce[1]:CURRent:VLIMit,
// :SENSe[1]:FUNCtion, :SENSe[1]:<function>:NPLCycles, :OUTPut[1][:STATe], :READ?, :MEASure?,
// :SOURce[1]:SWEep:<function>:LINear, :SOURce[1]:LIST:<function>, :SOURce[1]:SWEep:<function>:LIST,
// :TRACe:CLEar, :TRACe:DATA?, :SYSTem:ERRor?.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScpiClient, ScpiInstrumentError } from '../../drivers/scpi/index.ts';
import { expectedProtocol } from '../../drivers/scpi/testing/index.ts';
import { Keithley2450 } from '../../drivers/instruments/keithley-2450.ts';
import { IdentityMismatchError } from '../../drivers/instruments/identity.ts';
import { SafeStateError } from '../../drivers/instruments/safe-state.ts';
import type { SmuConfigInput } from '../../drivers/instruments/source-meter.ts';
import { LimitError } from '../../src/capabilities/index.ts';
import { FlakyWriteTransport, LIMITS, NO_ERROR, recordingSleep } from './fixtures.ts';
import type { MessageTransport } from '../../drivers/transports/transport.ts';

const IDN: [string, string] = ['*IDN?', 'KEITHLEY INSTRUMENTS,MODEL 2450,04000001,1.7.12b'];
const VOLTAGE_CONFIG =
  ':SOUR:FUNC VOLT;:SOUR:VOLT:RANG:AUTO ON;:SOUR:VOLT:ILIM 0.0001;:SOUR:VOLT 0;' +
  ':SENS:FUNC "CURR";:SENS:CURR:RANG:AUTO ON;:SENS:CURR:NPLC 1';
const VOLTAGE: SmuConfigInput = {
  name: 'smu',
  mode: 'voltage',
  channels: [{ limits: LIMITS, compliance: 1e-4 }],
};
const CONFIGURED: [string, string | null][] = [IDN, [VOLTAGE_CONFIG, null], NO_ERROR];

const k2450 = (t: MessageTransport, config = VOLTAGE, sleep?: (s: number) => Promise<void>) =>
  new Keithley2450(new ScpiClient(t), config, { sleep });

test('configure checks *IDN?, sends the whole configuration as one message, then drains the error queue', async () => {
  await expectedProtocol(CONFIGURED, async (t) => {
    const identity = await k2450(t).configure();
    assert.equal(identity.model, 'MODEL 2450');
  });
});

test('current mode: VLIM compliance, fixed ranges, measure voltage', async () => {
  const config: SmuConfigInput = {
    mode: 'current',
    channels: [{ limits: LIMITS, compliance: 5, nplc: 0.1, sourceRange: 1e-3, measureRange: 20 }],
  };
  await expectedProtocol(
    [
      IDN,
      [
        ':SOUR:FUNC CURR;:SOUR:CURR:RANG 0.001;:SOUR:CURR:VLIM 5;:SOUR:CURR 0;' +
          ':SENS:FUNC "VOLT";:SENS:VOLT:RANG 20;:SENS:VOLT:NPLC 0.1',
        null,
      ],
      NO_ERROR,
      [':SOUR:CURR 2.5E-7;:OUTP ON;:SYST:ERR?', '0,"No error"'],
      [':MEAS:VOLT?', '+1.234500E-01'],
    ],
    async (t) => {
      const smu = k2450(t, config);
      await smu.configure();
      await smu.currentSource().setCurrents(Float64Array.of(2.5e-7));
      assert.equal(await smu.measure(), 0.12345);
    },
  );
});

test('a level change is one write; the output goes on with the first one only', async () => {
  await expectedProtocol(
    [
      ...CONFIGURED,
      [':SOUR:VOLT 0.5;:OUTP ON;:SYST:ERR?', '0,"No error"'],
      [':SOUR:VOLT -1.25;:SYST:ERR?', '0,"No error"'],
      [':READ?', '-2.500000E-06'],
    ],
    async (t) => {
      const source = k2450(t);
      await source.configure();
      const inputs = source.voltageSource();
      assert.deepEqual(inputs.range, { min: -10, max: 10 });
      await inputs.setVoltages(Float64Array.of(0.5));
      await inputs.setVoltages(Float64Array.of(-1.25));
      assert.equal(await source.read(), -2.5e-6);
    },
  );
});

test('a level outside the limit is refused before any byte is sent', async () => {
  await expectedProtocol(CONFIGURED, async (t) => {
    const smu = k2450(t);
    await smu.configure();
    await assert.rejects(smu.setLevels(Float64Array.of(10.5)), (e: unknown) => {
      assert.ok(e instanceof LimitError);
      assert.equal(e.field, 'smu.ch0.voltage_V');
      assert.equal(e.value, 10.5);
      return true;
    });
    await assert.rejects(smu.setLevels(Float64Array.of(NaN)), LimitError);
    await assert.rejects(smu.setLevels(Float64Array.of(1, 2)), /expected 1 levels, got 2/);
  });
});

test('a compliance above its limit is refused before *IDN? is sent', async () => {
  await expectedProtocol([], async (t) => {
    const smu = k2450(t, { mode: 'voltage', channels: [{ limits: LIMITS, compliance: 0.1 }] });
    await assert.rejects(
      smu.configure(),
      (e: unknown) => e instanceof LimitError && e.field === 'keithley2450.ch0.compliance_A',
    );
  });
});

test('another model is refused after *IDN? and nothing else is sent', async () => {
  await expectedProtocol([['*IDN?', 'KEITHLEY INSTRUMENTS INC.,MODEL 2400,1234567,C30']], async (t) => {
    await assert.rejects(k2450(t).configure(), IdentityMismatchError);
  });
});

test('levels are refused before configure()', async () => {
  await expectedProtocol([], async (t) => {
    await assert.rejects(k2450(t).setLevels(Float64Array.of(1)), /configure\(\) must run/);
  });
});

test('an instrument error after configuration is a ScpiInstrumentError naming the message', async () => {
  await expectedProtocol(
    [IDN, [VOLTAGE_CONFIG, null], ['SYST:ERR?', '-222,"Parameter data out of range"'], NO_ERROR],
    async (t) => {
      const error = await k2450(t)
        .configure()
        .catch((e: unknown) => e);
      assert.ok(error instanceof ScpiInstrumentError);
      assert.equal(error.code, -222);
      assert.equal(error.command, VOLTAGE_CONFIG);
    },
  );
});

test('ramping splits a change into steps of at most `step`, pausing between writes', async () => {
  const { sleep, pauses } = recordingSleep();
  const config: SmuConfigInput = { ...VOLTAGE, ramp: { step: 0.4, inter_delay_s: 0.05 } };
  await expectedProtocol(
    [
      ...CONFIGURED,
      [':SOUR:VOLT 0.3333333333333333;:OUTP ON;:SYST:ERR?', '0,"No error"'],
      [':SOUR:VOLT 0.6666666666666666;:SYST:ERR?', '0,"No error"'],
      [':SOUR:VOLT 1;:SYST:ERR?', '0,"No error"'],
      [':SOUR:VOLT 0.8;:SYST:ERR?', '0,"No error"'],
    ],
    async (t) => {
      const smu = k2450(t, config, sleep);
      await smu.configure();
      await smu.setLevels(Float64Array.of(1));
      await smu.setLevels(Float64Array.of(0.8));
      assert.deepEqual(pauses, [0.05, 0.05]);
      assert.deepEqual(smu.levels, Float64Array.of(0.8));
    },
  );
});

test('safeState sets the level to 0 then the output off, is idempotent, and re-arms the output', async () => {
  await expectedProtocol(
    [
      ...CONFIGURED,
      [':SOUR:VOLT 2;:OUTP ON;:SYST:ERR?', '0,"No error"'],
      [':SOUR:VOLT 0;:OUTP OFF', null],
      [':SOUR:VOLT 0;:OUTP OFF', null],
      [':SOUR:VOLT 1;:OUTP ON;:SYST:ERR?', '0,"No error"'],
    ],
    async (t) => {
      const smu = k2450(t);
      await smu.configure();
      await smu.setLevels(Float64Array.of(2));
      await smu.safeState();
      await smu.voltageSource().safeState();
      await smu.setLevels(Float64Array.of(1));
    },
  );
});

test('safeState reports a failed write as a SafeStateError naming the channel', async () => {
  const transport = new FlakyWriteTransport(() => true);
  const error = await k2450(transport)
    .safeState()
    .catch((e: unknown) => e);
  assert.ok(error instanceof SafeStateError);
  assert.deepEqual(
    error.failures.map((f) => f.channel),
    [0],
  );
});

test('a voltage-mode SMU is not a current source', async () => {
  await expectedProtocol([], async (t) => {
    assert.throws(() => k2450(t).currentSource(), /configured as a voltage source/);
  });
});

test('linear sweep: configured and checked in one message, run and read back in one round trip', async () => {
  await expectedProtocol(
    [
      ...CONFIGURED,
      [':TRAC:CLE "defbuffer1";:SOUR:SWE:VOLT:LIN 0,1,3,0.01', null],
      NO_ERROR,
      [':INIT;*WAI;:TRAC:DATA? 1,3,"defbuffer1",READ', '1.0E-09,5.0E-06,1.0E-05'],
      [':SOUR:VOLT 0.5;:SYST:ERR?', '0,"No error"'],
    ],
    async (t) => {
      const smu = k2450(t);
      await smu.configure();
      const readings = await smu.sweepLinear({ start: 0, stop: 1, points: 3, delay_s: 0.01 });
      assert.deepEqual(readings, Float64Array.of(1e-9, 5e-6, 1e-5));
      assert.deepEqual(smu.levels, Float64Array.of(1));
      await smu.setLevels(Float64Array.of(0.5));
    },
  );
});

test('list sweep: the list, sweep and readback; out-of-limit points refused before sending', async () => {
  await expectedProtocol(
    [
      ...CONFIGURED,
      [':TRAC:CLE "defbuffer1";:SOUR:LIST:VOLT 1,5,1;:SOUR:SWE:VOLT:LIST 1,0.2', null],
      NO_ERROR,
      [':INIT;*WAI;:TRAC:DATA? 1,3,"defbuffer1",READ', '1E-6,5E-6,1E-6'],
    ],
    async (t) => {
      const smu = k2450(t);
      await smu.configure();
      await assert.rejects(
        smu.sweepList([1, 11]),
        (e: unknown) => e instanceof LimitError && e.field === 'smu.ch0.voltage_V.list[1]',
      );
      await assert.rejects(smu.sweepLinear({ start: -11, stop: 1, points: 3 }), LimitError);
      await assert.rejects(
        smu.sweepLinear({ start: 0, stop: 1, points: 1 }),
        /points must be an integer >= 2/,
      );
      assert.deepEqual(await smu.sweepList([1, 5, 1], 0.2), Float64Array.of(1e-6, 5e-6, 1e-6));
    },
  );
});
