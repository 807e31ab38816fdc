// Faults seen through the drivers, over each transport kind, against emulators that inject them
// (sim/emulators/faults.ts): a timeout (a stuck instrument), a dropped link and an instrument
// error each surface as a typed error, the link recovers (InstrumentSession / ModbusClient
// reconnect), the next operation works, and nothing hangs (every test has a timeout).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ModbusClient } from '../../drivers/modbus/client.ts';
import { ModbusExceptionError } from '../../drivers/modbus/errors.ts';
import { ScpiClient, ScpiInstrumentError } from '../../drivers/scpi/index.ts';
import { openSession } from '../../drivers/transports/open-transport.ts';
import { TransportError, TransportTimeoutError } from '../../drivers/transports/transport.ts';
import type { InstrumentSession } from '../../drivers/transports/session.ts';
import { CrossbarBoard } from '../../drivers/instruments/crossbar-board.ts';
import { DAC_PRESETS } from '../../drivers/instruments/dac-presets.ts';
import { Keithley2450 } from '../../drivers/instruments/keithley-2450.ts';
import { ModbusDac } from '../../drivers/instruments/modbus-dac.ts';
import {
  startEmulatedBench,
  type EmulatedBenchConfigInput,
  type FaultsConfigInput,
  type RunningEmulatedBench,
} from '../../sim/emulators/index.ts';
import { boardConfigFor, LIMITS } from './fixtures.ts';

const TIMEOUT_MS = 400;
/** Messages a 2450 driver's configure() sends: *IDN?, the configuration, SYST:ERR?. */
const SMU_CONFIGURE = 3;
/** The crossbar board's: *IDN?, the counts, the array sizes, the configuration, SYST:ERR?. */
const BOARD_CONFIGURE = 5;

type Link = 'socket' | 'vxi11';
type InstrumentConfig = EmulatedBenchConfigInput['instruments'][number];
const LINKS: Link[] = ['socket', 'vxi11'];

let running: RunningEmulatedBench;
const closers: (() => Promise<void>)[] = [];

function smu(name: string, line: number, link: Link, faults: FaultsConfigInput): InstrumentConfig {
  return {
    name,
    kind: 'keithley-2450',
    attach: { inputLine: line },
    serve: { socket: link === 'socket', serial: false, vxi11: link === 'vxi11' },
    faults,
  };
}

before(async () => {
  const instruments: InstrumentConfig[] = [];
  LINKS.forEach((link, k) => {
    instruments.push(
      smu(`${link}-stuck`, 3 * k, link, { stuck: { after: SMU_CONFIGURE + 1, count: 1 } }),
      smu(`${link}-drop`, 3 * k + 1, link, { drop: { after: SMU_CONFIGURE + 1, count: 1 } }),
      smu(`${link}-error`, 3 * k + 2, link, {
        scpiError: { after: SMU_CONFIGURE, count: 1, code: -222, message: 'injected' },
      }),
      {
        name: `${link}-board`,
        kind: 'crossbar-board',
        serve: { socket: link === 'socket', serial: false, vxi11: link === 'vxi11' },
        faults: { stuck: { after: BOARD_CONFIGURE, count: 1 } },
      },
    );
  });
  instruments.push(
    {
      name: 'dac-exception',
      kind: 'modbus-dac',
      lines: [6],
      faults: { modbusException: { after: 1, count: 1, code: 4 } },
    },
    { name: 'dac-stuck', kind: 'modbus-dac', lines: [7], faults: { stuck: { after: 1, count: 1 } } },
    { name: 'dac-drop', kind: 'modbus-dac', lines: [8], faults: { drop: { after: 1, count: 1 } } },
  );
  running = await startEmulatedBench({
    board: { network: { inputs: 6, hidden: [4], outputs: 2 }, seed: 21 },
    instruments,
  });
});

after(async () => {
  await Promise.allSettled(closers.map((c) => c()));
  await running?.close();
});

function entry(name: string) {
  const found = running.resources.find((r) => r.name === name);
  assert.ok(found, `the bench serves ${name}`);
  return found;
}

/** A reconnecting session (quick backoff) to an emulated SCPI instrument. */
async function session(name: string): Promise<InstrumentSession> {
  const { resource, portmapperPort } = entry(name);
  const s = await openSession(resource, {
    timeout_ms: TIMEOUT_MS,
    reconnect: { attempts: 3, initialDelay_ms: 10 },
    transport: { portmapperPort },
  });
  closers.push(() => s.close());
  return s;
}

async function configureSmu(name: string): Promise<Keithley2450> {
  const k2450 = new Keithley2450(new ScpiClient(await session(name)), {
    mode: 'voltage',
    channels: [{ limits: LIMITS, compliance: 1e-3 }],
  });
  await k2450.configure();
  return k2450;
}

/** Configured, with a level set (one confirmed message: `:SOUR:VOLT 0.2;:OUTP ON;:SYST:ERR?`). */
async function configuredSmu(name: string): Promise<Keithley2450> {
  const k2450 = await configureSmu(name);
  await k2450.voltageSource().setVoltages(Float64Array.of(0.2));
  return k2450;
}

const isReading = (value: number) => Number.isFinite(value) && value !== 0;

for (const link of LINKS) {
  describe(`over ${link === 'socket' ? 'a raw socket' : 'VXI-11'}`, () => {
    test(
      'a stuck SMU: the read times out (TransportTimeoutError), the next read is answered',
      { timeout: 20000 },
      async () => {
        const k2450 = await configuredSmu(`${link}-stuck`);
        await assert.rejects(k2450.read(), TransportTimeoutError);
        assert.ok(isReading(await k2450.read()));
        await k2450.safeState();
      },
    );

    test(
      'a dropped link: a TransportError, then the session reconnects and the read works',
      { timeout: 20000 },
      async () => {
        const k2450 = await configuredSmu(`${link}-drop`);
        await assert.rejects(
          k2450.read(),
          (e: unknown) => e instanceof TransportError && !(e instanceof TransportTimeoutError),
        );
        assert.ok(isReading(await k2450.read()));
        await k2450.safeState();
      },
    );

    test(
      'an instrument error: the confirmed level write throws ScpiInstrumentError, then a clean queue',
      { timeout: 20000 },
      async () => {
        const k2450 = await configureSmu(`${link}-error`);
        const source = k2450.voltageSource();
        const error = await source.setVoltages(Float64Array.of(0.2)).catch((e: unknown) => e);
        assert.ok(error instanceof ScpiInstrumentError, String(error));
        assert.equal(error.code, -222);
        await k2450.checkErrors();
        await source.setVoltages(Float64Array.of(0.2));
        assert.ok(isReading(await k2450.read()));
        await k2450.safeState();
      },
    );

    test(
      'a stuck board: the pulse batch times out unapplied, the next batch is applied',
      { timeout: 20000 },
      async () => {
        const config = { ...boardConfigFor(running, `${link}-board`), pulseTimeout_ms: TIMEOUT_MS };
        const board = new CrossbarBoard(new ScpiClient(await session(`${link}-board`)), config);
        await board.configure();
        const { statistics } = running.bench.board;
        const before = statistics.pulsesApplied;
        const pulse = {
          array: 0,
          row: 0,
          col: 0,
          polarity: 'set' as const,
          amplitude_V: config.limits.pulse.amplitude_V,
          width_s: config.limits.pulse.width_s.max,
        };
        await assert.rejects(board.applyPulses([pulse]), TransportTimeoutError);
        assert.equal(statistics.pulsesApplied, before, 'the swallowed batch was not applied');
        assert.deepEqual(await board.applyPulses([pulse]), { applied: 1 });
        assert.equal(statistics.pulsesApplied, before + 1);
        await board.safeState();
      },
    );
  });
}

describe('Modbus TCP (DAC module)', () => {
  const dacFor = async (name: string) => {
    const link = await ModbusClient.connect(entry(name).resource, {
      timeout_ms: TIMEOUT_MS,
      retries: 0,
      reconnect: { attempts: 3, initialDelay_ms: 10 },
    });
    closers.push(() => link.close());
    const dac = new ModbusDac(link, {
      registers: { ...DAC_PRESETS['adam-6224'], channels: 1 },
      channels: [{ limits: { voltage_V: { min: -2, max: 2 } } }],
    });
    await dac.configure();
    return dac;
  };
  const line = (name: string) =>
    running.config.instruments.find((i) => i.name === name) as { lines: number[] };
  const settled = (name: string, volts: number) =>
    assert.ok(Math.abs(running.bench.lineVoltage(line(name).lines[0]) - volts) < 0.01);

  test(
    'an exception response is a ModbusExceptionError with its code; the next write works',
    { timeout: 20000 },
    async () => {
      const dac = await dacFor('dac-exception');
      const error = await dac.setVoltages(Float64Array.of(1)).catch((e: unknown) => e);
      assert.ok(error instanceof ModbusExceptionError, String(error));
      assert.equal(error.exceptionCode, 4);
      await dac.setVoltages(Float64Array.of(1));
      settled('dac-exception', 1);
      await dac.safeState();
    },
  );

  test(
    'an unanswered request times out (TransportTimeoutError); the next write works',
    { timeout: 20000 },
    async () => {
      const dac = await dacFor('dac-stuck');
      await assert.rejects(dac.setVoltages(Float64Array.of(-1)), TransportTimeoutError);
      await dac.setVoltages(Float64Array.of(-1));
      settled('dac-stuck', -1);
      await dac.safeState();
    },
  );

  test('a dropped connection is a TransportError; the client reconnects', { timeout: 20000 }, async () => {
    const dac = await dacFor('dac-drop');
    await assert.rejects(dac.setVoltages(Float64Array.of(0.5)), TransportError);
    await dac.setVoltages(Float64Array.of(0.5));
    settled('dac-drop', 0.5);
    await dac.safeState();
  });
});
