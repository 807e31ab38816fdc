// Faults through the Keithley 2400 driver on its RS-232 link (a socat pty, CR terminator) and the
// Keithley 2600B driver over TSP (raw socket), against emulators that inject them: a stuck
// instrument → TransportTimeoutError and the next query answered; a dropped TSP link →
// TransportError and the session reconnects; an instrument error → the typed error of the
// protocol (ScpiInstrumentError, TspInstrumentError). A serial line cannot drop like a socket:
// its `drop` fault discards the input, which the client sees as a timeout.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ScpiClient, ScpiInstrumentError } from '../../drivers/scpi/index.ts';
import { openSession } from '../../drivers/transports/open-transport.ts';
import type { InstrumentSession } from '../../drivers/transports/session.ts';
import { TransportError, TransportTimeoutError } from '../../drivers/transports/transport.ts';
import { Keithley2400, KEITHLEY_2400_RS232 } from '../../drivers/instruments/keithley-2400.ts';
import { Keithley2600B } from '../../drivers/instruments/keithley-2600b.ts';
import { TspClient, TspInstrumentError } from '../../drivers/instruments/tsp-client.ts';
import {
  startEmulatedBench,
  type EmulatedBenchConfigInput,
  type FaultsConfigInput,
  type RunningEmulatedBench,
} from '../../sim/emulators/index.ts';
import { LIMITS } from './fixtures.ts';

const TIMEOUT_MS = 400;
/** Messages configure() sends: *IDN?, the configuration, the error-queue read (SYST:ERR? on the
 * 2400, print(errorqueue.count) on the 2600B). The confirmed level write is message 4 on the 2400
 * (`...;:SYST:ERR?` in one message) and messages 4 and 5 on the 2600B (the chunk, then
 * print(errorqueue.count)); the query follows it. */
const CONFIGURE = 3;
const QUERY = CONFIGURE + 1;
const TSP_QUERY = CONFIGURE + 2;

let running: RunningEmulatedBench;
const closers: (() => Promise<void>)[] = [];

type InstrumentInput = EmulatedBenchConfigInput['instruments'][number];

const k2400 = (name: string, line: number, faults: FaultsConfigInput): InstrumentInput => ({
  name,
  kind: 'keithley-2400',
  attach: { inputLine: line },
  faults,
});
const k2601 = (name: string, line: number, faults: FaultsConfigInput): InstrumentInput => ({
  name,
  kind: 'keithley-2600b',
  channels: [{ inputLine: line }],
  serve: { socket: true, vxi11: false },
  faults,
});

before(async () => {
  running = await startEmulatedBench({
    board: { network: { inputs: 3, hidden: [3], outputs: 1 }, seed: 4 },
    instruments: [
      k2400('serial-stuck', 0, { stuck: { after: QUERY, count: 1 } }),
      k2400('serial-error', 1, { scpiError: { after: CONFIGURE, count: 1, code: -222 } }),
      k2601('tsp-stuck', 2, { stuck: { after: TSP_QUERY, count: 1 } }),
      k2601('tsp-drop', 3, { drop: { after: TSP_QUERY, count: 1 } }),
      k2601('tsp-error', 4, { scpiError: { after: CONFIGURE, count: 1, code: -222 } }),
    ],
  });
});

after(async () => {
  await Promise.allSettled(closers.map((c) => c()));
  await running?.close();
});

async function session(name: string, transport: Record<string, unknown> = {}): Promise<InstrumentSession> {
  const entry = running.resources.find((r) => r.name === name);
  assert.ok(entry, `the bench serves ${name}`);
  const s = await openSession(entry.resource, {
    timeout_ms: TIMEOUT_MS,
    reconnect: { attempts: 3, initialDelay_ms: 10 },
    transport,
  });
  closers.push(() => s.close());
  return s;
}

const near = (got: number, want: number) =>
  assert.ok(Math.abs(got - want) <= 0.01 * Math.abs(want), `read ${got}, circuit ${want}`);

describe('Keithley 2400 over RS-232 (socat pty, CR)', () => {
  const configure = async (name: string) => {
    const { baud, dataBits, parity, stopBits, flowControl, terminator } = KEITHLEY_2400_RS232;
    const link = await session(name, {
      baudRate: baud,
      dataBits,
      parity,
      stopBits,
      flowControl,
      readTermination: terminator,
      writeTermination: terminator,
    });
    const smu = new Keithley2400(new ScpiClient(link), {
      mode: 'voltage',
      channels: [{ limits: LIMITS, compliance: 1e-3 }],
    });
    await smu.configure();
    return smu;
  };
  const configured = async (name: string) => {
    const smu = await configure(name);
    await smu.voltageSource().setVoltages(Float64Array.of(0.3));
    return smu;
  };

  test(
    'a stuck instrument: TransportTimeoutError, then the next :READ? is answered',
    { timeout: 20000 },
    async () => {
      const smu = await configured('serial-stuck');
      await assert.rejects(smu.read(), TransportTimeoutError);
      const { current_A } = await smu.read();
      near(current_A, running.bench.lineCurrent(0));
      await smu.safeState();
    },
  );

  test(
    'an instrument error: the confirmed level write throws ScpiInstrumentError, then a clean queue',
    { timeout: 20000 },
    async () => {
      const smu = await configure('serial-error');
      const error = await smu
        .voltageSource()
        .setVoltages(Float64Array.of(0.3))
        .catch((e: unknown) => e);
      assert.ok(error instanceof ScpiInstrumentError, String(error));
      assert.equal(error.code, -222);
      await smu.checkErrors();
      await smu.voltageSource().setVoltages(Float64Array.of(0.3));
      near((await smu.read()).current_A, running.bench.lineCurrent(1));
      await smu.safeState();
    },
  );
});

describe('Keithley 2600B over TSP (raw socket)', () => {
  const configure = async (name: string) => {
    const smu = new Keithley2600B(new TspClient(await session(name)), {
      mode: 'voltage',
      channels: [{ limits: LIMITS, compliance: 1e-3 }],
    });
    await smu.configure();
    return smu;
  };
  const configured = async (name: string) => {
    const smu = await configure(name);
    await smu.voltageSource().setVoltages(Float64Array.of(-0.3));
    return smu;
  };
  const line = (name: string) => (name === 'tsp-stuck' ? 2 : name === 'tsp-drop' ? 3 : 4);

  test(
    'a stuck instrument: TransportTimeoutError, then print() is answered',
    { timeout: 20000 },
    async () => {
      const smu = await configured('tsp-stuck');
      await assert.rejects(smu.measure(), TransportTimeoutError);
      near((await smu.measure())[0], running.bench.lineCurrent(line('tsp-stuck')));
      await smu.safeState();
    },
  );

  test('a dropped link: TransportError, then the session reconnects', { timeout: 20000 }, async () => {
    const smu = await configured('tsp-drop');
    await assert.rejects(
      smu.measure(),
      (e: unknown) => e instanceof TransportError && !(e instanceof TransportTimeoutError),
    );
    near((await smu.measure())[0], running.bench.lineCurrent(line('tsp-drop')));
    await smu.safeState();
  });

  test(
    'an instrument error: the confirmed level write throws TspInstrumentError, then a clean queue',
    { timeout: 20000 },
    async () => {
      const smu = await configure('tsp-error');
      const error = await smu
        .voltageSource()
        .setVoltages(Float64Array.of(-0.3))
        .catch((e: unknown) => e);
      assert.ok(error instanceof TspInstrumentError, String(error));
      assert.equal(error.code, -222);
      await smu.checkErrors();
      await smu.voltageSource().setVoltages(Float64Array.of(-0.3));
      near((await smu.measure())[0], running.bench.lineCurrent(line('tsp-error')));
      await smu.safeState();
    },
  );
});
