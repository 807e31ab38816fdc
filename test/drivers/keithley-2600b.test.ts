// Keithley 2600B driver and TSP client against scripted exchanges. Expected chunks from the
// Keithley 2600B Reference Manual (2600BS-901-01), section 7 "TSP command reference":
// smuX.source.func (smuX.OUTPUT_DCVOLTS/OUTPUT_DCAMPS), smuX.source.levelv/leveli,
// smuX.source.limiti/limitv, smuX.source.autorangeX/rangeX, smuX.measure.autorangeX/rangeX,
// smuX.measure.nplc, smuX.source.output (OUTPUT_ON/OUTPUT_OFF), smuX.measure.i()/v(), print(),
// errorqueue.count, errorqueue.next(); *IDN? from "Common commands". print() writes numbers as
// `%.5e` with the default format.asciiprecision and separates values with tabs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectedProtocol } from '../../drivers/scpi/testing/index.ts';
import { Keithley2600B } from '../../drivers/instruments/keithley-2600b.ts';
import { SafeStateError } from '../../drivers/instruments/safe-state.ts';
import type { SmuConfigInput } from '../../drivers/instruments/source-meter.ts';
import { TspClient, TspInstrumentError, TspResponseError } from '../../drivers/instruments/tsp-client.ts';
import type { MessageTransport } from '../../drivers/transports/transport.ts';
import { LimitError } from '../../src/capabilities/index.ts';
import { FlakyWriteTransport, LIMITS, recordingSleep } from './fixtures.ts';

const IDN: [string, string] = ['*IDN?', 'Keithley Instruments Inc., Model 2602B, 4321234, 3.2.2'];
const NO_ERRORS: [string, string] = ['print(errorqueue.count)', '0.00000e+00'];
const VOLTAGE: SmuConfigInput = {
  name: 'k2602',
  mode: 'voltage',
  channels: [
    { limits: LIMITS, compliance: 1e-4 },
    { limits: LIMITS, compliance: 1e-3, nplc: 0.5, sourceRange: 2, measureRange: 1e-5 },
  ],
};
const VOLTAGE_CONFIG =
  'smua.source.func = smua.OUTPUT_DCVOLTS smua.source.autorangev = smua.AUTORANGE_ON smua.source.levelv = 0 ' +
  'smua.source.limiti = 0.0001 smua.measure.autorangei = smua.AUTORANGE_ON smua.measure.nplc = 1 ' +
  'smub.source.func = smub.OUTPUT_DCVOLTS smub.source.rangev = 2 smub.source.levelv = 0 ' +
  'smub.source.limiti = 0.001 smub.measure.rangei = 0.00001 smub.measure.nplc = 0.5';
const CONFIGURED: [string, string | null][] = [IDN, [VOLTAGE_CONFIG, null], NO_ERRORS];

const k2600 = (t: MessageTransport, config = VOLTAGE, sleep?: (s: number) => Promise<void>) =>
  new Keithley2600B(new TspClient(t), config, { sleep });

test('configure: *IDN?, one chunk for both SMUs, then errorqueue.count', async () => {
  await expectedProtocol(CONFIGURED, async (t) => {
    assert.equal((await k2600(t).configure()).model, 'Model 2602B');
  });
});

test('a level change is one chunk for both channels; outputs on with the first; measure in one print()', async () => {
  await expectedProtocol(
    [
      ...CONFIGURED,
      [
        'smua.source.levelv = 0.5 smub.source.levelv = -0.5 ' +
          'smua.source.output = smua.OUTPUT_ON smub.source.output = smub.OUTPUT_ON',
        null,
      ],
      NO_ERRORS,
      ['smua.source.levelv = 1 smub.source.levelv = 0', null],
      NO_ERRORS,
      ['print(smua.measure.i(), smub.measure.i())', '1.00000e-06\t-2.50000e-07'],
    ],
    async (t) => {
      const smu = k2600(t);
      await smu.configure();
      await smu.voltageSource().setVoltages(Float64Array.of(0.5, -0.5));
      await smu.setLevels(Float64Array.of(1, 0));
      assert.deepEqual(await smu.measure(), Float64Array.of(1e-6, -2.5e-7));
    },
  );
});

test('current mode: OUTPUT_DCAMPS, leveli, limitv, measure v', async () => {
  await expectedProtocol(
    [
      IDN,
      [
        'smua.source.func = smua.OUTPUT_DCAMPS smua.source.autorangei = smua.AUTORANGE_ON smua.source.leveli = 0 ' +
          'smua.source.limitv = 10 smua.measure.autorangev = smua.AUTORANGE_ON smua.measure.nplc = 1',
        null,
      ],
      NO_ERRORS,
      ['smua.source.leveli = 0.00002 smua.source.output = smua.OUTPUT_ON', null],
      NO_ERRORS,
      ['print(smua.measure.v())', '3.30000e-01'],
    ],
    async (t) => {
      const smu = k2600(t, { mode: 'current', channels: [{ limits: LIMITS, compliance: 10 }] });
      await smu.configure();
      await smu.currentSource().setCurrents(Float64Array.of(2e-5));
      assert.deepEqual(await smu.measure(), Float64Array.of(0.33));
    },
  );
});

test('the TSP error queue becomes a TspInstrumentError with code, message, severity and node', async () => {
  await expectedProtocol(
    [
      IDN,
      [VOLTAGE_CONFIG, null],
      ['print(errorqueue.count)', '2.00000e+00'],
      [
        'print(errorqueue.next())',
        '-2.86000e+02\tTSP Runtime error at line 1: attempt to index field\t2.00000e+01\t1.00000e+00',
      ],
      ['print(errorqueue.next())', '1.10000e+03\tParameter too big\t1.00000e+01\t1.00000e+00'],
    ],
    async (t) => {
      const error = await k2600(t)
        .configure()
        .catch((e: unknown) => e);
      assert.ok(error instanceof TspInstrumentError);
      assert.equal(error.code, -286);
      assert.equal(error.command, VOLTAGE_CONFIG);
      assert.deepEqual(error.errors[1], { code: 1100, message: 'Parameter too big', severity: 10, node: 1 });
    },
  );
});

test('a malformed print() reply is a TspResponseError', async () => {
  await expectedProtocol([['print(errorqueue.count)', 'nil']], async (t) => {
    await assert.rejects(new TspClient(t).checkErrors(), TspResponseError);
  });
});

test('limits are checked before any chunk is sent', async () => {
  await expectedProtocol(CONFIGURED, async (t) => {
    const smu = k2600(t);
    await smu.configure();
    await assert.rejects(
      smu.setLevels(Float64Array.of(0, 12)),
      (e: unknown) => e instanceof LimitError && e.field === 'k2602.ch1.voltage_V',
    );
  });
});

test('ramp then safe state: level 0 and output off per SMU', async () => {
  const { sleep, pauses } = recordingSleep();
  await expectedProtocol(
    [
      ...CONFIGURED,
      [
        'smua.source.levelv = 1 smub.source.levelv = 0.5 smua.source.output = smua.OUTPUT_ON smub.source.output = smub.OUTPUT_ON',
        null,
      ],
      NO_ERRORS,
      ['smua.source.levelv = 2 smub.source.levelv = 1', null],
      NO_ERRORS,
      ['smua.source.levelv = 0 smua.source.output = smua.OUTPUT_OFF', null],
      ['smub.source.levelv = 0 smub.source.output = smub.OUTPUT_OFF', null],
    ],
    async (t) => {
      const smu = k2600(t, { ...VOLTAGE, ramp: { step: 1, inter_delay_s: 0.5 } }, sleep);
      await smu.configure();
      await smu.setLevels(Float64Array.of(2, 1));
      await smu.safeState();
      assert.deepEqual(pauses, [0.5]);
    },
  );
});

test('safe state tries smub even when smua fails', async () => {
  const transport = new FlakyWriteTransport((m) => m.startsWith('smua'));
  const error = await k2600(transport)
    .safeState()
    .catch((e: unknown) => e);
  assert.ok(error instanceof SafeStateError);
  assert.deepEqual(transport.written, ['smub.source.levelv = 0 smub.source.output = smub.OUTPUT_OFF']);
});
