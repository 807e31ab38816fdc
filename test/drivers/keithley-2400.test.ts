// Keithley 2400 driver against scripted exchanges. Expected bytes from the Series 2400
// SourceMeter User's Manual (2400S-900-01), section 18 "SCPI command reference": :SOURce
// FUNCtion / <function>:MODE FIXed / RANGe[:AUTO] / LEVel, :SENSe FUNCtion, <function>:PROTection
// (compliance), RANGe[:AUTO], NPLCycles, :FORMat:ELEMents, :OUTPut, :READ?, :SYSTem:ERRor?;
// RS-232 with the CR terminator per section 14.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScpiClient, ScpiInstrumentError } from '../../drivers/scpi/index.ts';
import { expectedProtocol } from '../../drivers/scpi/testing/index.ts';
import { Keithley2400, KEITHLEY_2400_RS232 } from '../../drivers/instruments/keithley-2400.ts';
import type { SmuConfigInput } from '../../drivers/instruments/source-meter.ts';
import type { MessageTransport } from '../../drivers/transports/transport.ts';
import { LimitError } from '../../src/capabilities/index.ts';
import { LIMITS, NO_ERROR, recordingSleep } from './fixtures.ts';

const IDN: [string, string] = [
  '*IDN?',
  'KEITHLEY INSTRUMENTS INC.,MODEL 2400,1234567,C32   Oct  4 2010 14:20:11/A02  /S/K',
];
const VOLTAGE: SmuConfigInput = {
  name: 'k2400',
  mode: 'voltage',
  channels: [{ limits: LIMITS, compliance: 1e-3 }],
};
const VOLTAGE_CONFIG =
  ':SOUR:FUNC VOLT;:SOUR:VOLT:MODE FIX;:SOUR:VOLT:RANG:AUTO ON;:SOUR:VOLT:LEV 0;:SENS:FUNC "CURR";' +
  ':SENS:CURR:PROT 0.001;:SENS:CURR:RANG:AUTO ON;:SENS:CURR:NPLC 1;:FORM:ELEM VOLT,CURR';
const CONFIGURED: [string, string | null][] = [IDN, [VOLTAGE_CONFIG, null], NO_ERROR];

const k2400 = (t: MessageTransport, config = VOLTAGE, sleep?: (s: number) => Promise<void>) =>
  new Keithley2400(new ScpiClient(t), config, { sleep });

test('configure: identity, one compound message with :SENS:CURR:PROT compliance and FORM:ELEM, error check', async () => {
  await expectedProtocol(CONFIGURED, async (t) => {
    assert.equal((await k2400(t).configure()).model, 'MODEL 2400');
  });
});

test('over RS-232 with the CR terminator: level set is one write, :READ? gives voltage and current', async () => {
  await expectedProtocol(
    [
      ...CONFIGURED,
      [':SOUR:VOLT:LEV 0.25;:OUTP ON;:SYST:ERR?', '0,"No error"'],
      [':READ?', '+2.500000E-01,+1.250000E-06'],
    ],
    async (t) => {
      const smu = k2400(t);
      await smu.configure();
      await smu.voltageSource().setVoltages(Float64Array.of(0.25));
      assert.deepEqual(await smu.read(), { voltage_V: 0.25, current_A: 1.25e-6 });
    },
    { terminator: KEITHLEY_2400_RS232.terminator },
  );
});

test('current mode: voltage compliance with :SENS:VOLT:PROT and fixed ranges', async () => {
  const config: SmuConfigInput = {
    mode: 'current',
    channels: [{ limits: LIMITS, compliance: 2, sourceRange: 1e-4, measureRange: 2, nplc: 10 }],
  };
  await expectedProtocol(
    [
      IDN,
      [
        ':SOUR:FUNC CURR;:SOUR:CURR:MODE FIX;:SOUR:CURR:RANG 0.0001;:SOUR:CURR:LEV 0;:SENS:FUNC "VOLT";' +
          ':SENS:VOLT:PROT 2;:SENS:VOLT:RANG 2;:SENS:VOLT:NPLC 10;:FORM:ELEM VOLT,CURR',
        null,
      ],
      NO_ERROR,
      [':SOUR:CURR:LEV -5E-7;:OUTP ON;:SYST:ERR?', '0,"No error"'],
    ],
    async (t) => {
      const smu = k2400(t, config);
      await smu.configure();
      await smu.currentSource().setCurrents(Float64Array.of(-5e-7));
    },
  );
});

test('limits are checked before sending; a compliance above its limit is refused before *IDN?', async () => {
  await expectedProtocol(CONFIGURED, async (t) => {
    const smu = k2400(t);
    await smu.configure();
    await assert.rejects(
      smu.setLevels(Float64Array.of(-10.001)),
      (e: unknown) => e instanceof LimitError && e.field === 'k2400.ch0.voltage_V',
    );
  });
  await expectedProtocol([], async (t) => {
    const smu = k2400(t, { mode: 'current', channels: [{ limits: LIMITS, compliance: 21 }] });
    await assert.rejects(
      smu.configure(),
      (e: unknown) => e instanceof LimitError && e.field === 'keithley2400.ch0.compliance_V',
    );
  });
});

test('the 2400 error queue (e.g. +803 Output disabled) becomes a ScpiInstrumentError', async () => {
  await expectedProtocol([...CONFIGURED, ['SYST:ERR?', '+803,"Output disabled"'], NO_ERROR], async (t) => {
    const smu = k2400(t);
    await smu.configure();
    const error = await smu.checkErrors().catch((e: unknown) => e);
    assert.ok(error instanceof ScpiInstrumentError);
    assert.equal(error.code, 803);
  });
});

test('ramp and safe state: steps of at most `step`, then level 0 and output off', async () => {
  const { sleep, pauses } = recordingSleep();
  await expectedProtocol(
    [
      ...CONFIGURED,
      [':SOUR:VOLT:LEV -0.5;:OUTP ON;:SYST:ERR?', '0,"No error"'],
      [':SOUR:VOLT:LEV -1;:SYST:ERR?', '0,"No error"'],
      [':SOUR:VOLT:LEV 0;:OUTP OFF', null],
    ],
    async (t) => {
      const smu = k2400(t, { ...VOLTAGE, ramp: { step: 0.5, inter_delay_s: 0.2 } }, sleep);
      await smu.configure();
      await smu.setLevels(Float64Array.of(-1));
      await smu.safeState();
      assert.deepEqual(pauses, [0.2]);
    },
  );
});
