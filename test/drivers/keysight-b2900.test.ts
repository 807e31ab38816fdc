// Keysight B2900 driver against scripted exchanges. Expected bytes from the Keysight B2900 SCPI
// Command Reference: :SOURce<c>:FUNCtion:MODE, :SOURce<c>:<function>[:LEVel], :SOURce<c>:
// <function>:RANGe[:AUTO], :SENSe<c>:FUNCtion, :SENSe<c>:<function>:PROTection, :SENSe<c>:
// <function>:RANGe[:AUTO], :SENSe<c>:<function>:NPLCycles, :OUTPut<c>, :MEASure:<function>?
// with a channel list, :SYSTem:ERRor? (`+0,"No error"`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScpiClient, ScpiInstrumentError } from '../../drivers/scpi/index.ts';
import { expectedProtocol } from '../../drivers/scpi/testing/index.ts';
import { KeysightB2900 } from '../../drivers/instruments/keysight-b2900.ts';
import { SafeStateError } from '../../drivers/instruments/safe-state.ts';
import type { SmuConfigInput } from '../../drivers/instruments/source-meter.ts';
import type { MessageTransport } from '../../drivers/transports/transport.ts';
import { LimitError } from '../../src/capabilities/index.ts';
import { FlakyWriteTransport, LIMITS, recordingSleep } from './fixtures.ts';

const IDN: [string, string] = ['*IDN?', 'Keysight Technologies,B2902A,MY51140001,3.4.2011.5100'];
const NO_ERROR: [string, string] = ['SYST:ERR?', '+0,"No error"'];
const NARROW = { ...LIMITS, current_A: { min: -1e-3, max: 1e-3 } };
const CURRENT: SmuConfigInput = {
  name: 'nudge',
  mode: 'current',
  channels: [
    { limits: LIMITS, compliance: 5 },
    { limits: NARROW, compliance: 2, nplc: 0.1, measureRange: 2 },
  ],
};
const CURRENT_CONFIG =
  ':SOUR1:FUNC:MODE CURR;:SOUR1:CURR:RANG:AUTO ON;:SOUR1:CURR 0;:SENS1:FUNC "VOLT";:SENS1:VOLT:PROT 5;' +
  ':SENS1:VOLT:RANG:AUTO ON;:SENS1:VOLT:NPLC 1;' +
  ':SOUR2:FUNC:MODE CURR;:SOUR2:CURR:RANG:AUTO ON;:SOUR2:CURR 0;:SENS2:FUNC "VOLT";:SENS2:VOLT:PROT 2;' +
  ':SENS2:VOLT:RANG 2;:SENS2:VOLT:NPLC 0.1';
const CONFIGURED: [string, string | null][] = [IDN, [CURRENT_CONFIG, null], NO_ERROR];

const b2900 = (t: MessageTransport, config = CURRENT, sleep?: (s: number) => Promise<void>) =>
  new KeysightB2900(new ScpiClient(t), config, { sleep });

test('configure: both channels in one message, then the error queue', async () => {
  await expectedProtocol(CONFIGURED, async (t) => {
    assert.equal((await b2900(t).configure()).model, 'B2902A');
  });
});

test('both channels are set in one message; the outputs go on with the first one', async () => {
  await expectedProtocol(
    [
      ...CONFIGURED,
      [':SOUR1:CURR 0.000001;:SOUR2:CURR -0.000002;:OUTP1 ON;:OUTP2 ON;:SYST:ERR?', '0,"No error"'],
      [':SOUR1:CURR 0.0001;:SOUR2:CURR 0;:SYST:ERR?', '0,"No error"'],
      [':MEAS:VOLT? (@1,2)', '+1.000000E-01,-2.000000E-01'],
    ],
    async (t) => {
      const smu = b2900(t);
      await smu.configure();
      const nudge = smu.currentSource();
      assert.equal(nudge.channels, 2);
      assert.deepEqual(nudge.range, { min: -1e-3, max: 1e-3 });
      await nudge.setCurrents(Float64Array.of(1e-6, -2e-6));
      await nudge.setCurrents(Float64Array.of(1e-4, 0));
      assert.deepEqual(await smu.measure(), Float64Array.of(0.1, -0.2));
    },
  );
});

test("a level outside one channel's limit is refused before any byte is sent", async () => {
  await expectedProtocol(CONFIGURED, async (t) => {
    const smu = b2900(t);
    await smu.configure();
    await assert.rejects(smu.setLevels(Float64Array.of(5e-3, 2e-3)), (e: unknown) => {
      assert.ok(e instanceof LimitError);
      assert.equal(e.field, 'nudge.ch1.current_A');
      assert.deepEqual(e.limit, { min: -1e-3, max: 1e-3 });
      return true;
    });
  });
});

test('too many channels for the model is a configuration error naming the field', () => {
  const three = { ...CURRENT, channels: [...CURRENT.channels, CURRENT.channels[0]] };
  assert.throws(
    () => b2900(new FlakyWriteTransport(() => false), three),
    /nudge\.channels: 3 configured, the model has 2/,
  );
  assert.throws(
    () =>
      b2900(new FlakyWriteTransport(() => false), {
        mode: 'current',
        channels: [{ limits: LIMITS, compliance: -1 }],
      }),
    /invalid keysightB2900 configuration: channels\.0\.compliance/,
  );
});

test('ramping moves both channels together, no channel more than `step` per message', async () => {
  const { sleep, pauses } = recordingSleep();
  await expectedProtocol(
    [
      ...CONFIGURED,
      [':SOUR1:CURR 0.0005;:SOUR2:CURR -0.0001;:OUTP1 ON;:OUTP2 ON;:SYST:ERR?', '0,"No error"'],
      [':SOUR1:CURR 0.001;:SOUR2:CURR -0.0002;:SYST:ERR?', '0,"No error"'],
    ],
    async (t) => {
      const smu = b2900(t, { ...CURRENT, ramp: { step: 5e-4, inter_delay_s: 0.01 } }, sleep);
      await smu.configure();
      await smu.setLevels(Float64Array.of(1e-3, -2e-4));
      assert.deepEqual(pauses, [0.01]);
    },
  );
});

test('safeState: each channel level 0 then output off, in channel order', async () => {
  await expectedProtocol(
    [...CONFIGURED, [':SOUR1:CURR 0;:OUTP1 OFF', null], [':SOUR2:CURR 0;:OUTP2 OFF', null]],
    async (t) => {
      const smu = b2900(t);
      await smu.configure();
      await smu.safeState();
    },
  );
});

test('safeState still tries channel 2 when channel 1 fails, then reports channel 0', async () => {
  const transport = new FlakyWriteTransport((m) => m.includes('OUTP1'));
  const error = await b2900(transport)
    .safeState()
    .catch((e: unknown) => e);
  assert.ok(error instanceof SafeStateError);
  assert.deepEqual(transport.written, [':SOUR2:CURR 0;:OUTP2 OFF']);
  assert.deepEqual(
    error.failures.map((f) => f.channel),
    [0],
  );
});

test('an instrument error in the queue is a ScpiInstrumentError with every entry', async () => {
  await expectedProtocol(
    [
      IDN,
      [CURRENT_CONFIG, null],
      ['SYST:ERR?', '-222,"Data out of range"'],
      ['SYST:ERR?', '-113,"Undefined header"'],
      NO_ERROR,
    ],
    async (t) => {
      const error = await b2900(t)
        .configure()
        .catch((e: unknown) => e);
      assert.ok(error instanceof ScpiInstrumentError);
      assert.deepEqual(
        error.errors.map((e) => e.code),
        [-222, -113],
      );
    },
  );
});
