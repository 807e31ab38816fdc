// The read-out calibration with the SMUs *sourcing* known voltages, on a bench of instruments over
// the protocol emulators: the bench YAML makes refC and refD reference sources (`mode: source`),
// the emulated 2600Bs are wired through the board's calibration relays to the read-out inputs of
// nodes 0-3 (`sourceNode`), and the daemon's `adc` job picks the sourced method from those
// entries. The record recovers the read-out gains the test hides in the emulated board within
// 0.1 % and the offsets within 0.1 % of full scale; a source level beyond the bench's limits is
// refused before anything is sent (at submit time, and by the procedure itself on the in-process
// path of `nudge calibrate`); an aborted job leaves the SMU outputs off.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { filter, firstValueFrom } from 'rxjs';
import { importRecord } from '../../calibration/index.ts';
import type { CalibrationRecord } from '../../calibration/index.ts';
import { LimitError } from '../../src/capabilities/index.ts';
import { calibrateCommand, openCalibrationBench } from '../../src/cli/calibrate.ts';
import { Daemon } from '../../src/daemon/daemon.ts';
import { runCalibration } from '../../src/daemon/jobs/calibrate.ts';
import type { LiveEvent } from '../../src/daemon/events.ts';
import { startEmulatedBench, type RunningEmulatedBench } from '../../sim/emulators/index.ts';
import type { SmuChannel } from '../../sim/emulators/smu-channel.ts';
import { NETWORK, resourceOf } from '../bench/emulated-helpers.ts';
import { sourcedBenchYaml } from './reference-fixtures.ts';

const readoutGain = [1.008, 0.994, 1.003, 0.9965];
const readoutOffset_V = [1.5e-3, -2e-3, 0.5e-3, -1e-3];

const dir = mkdtempSync(join(tmpdir(), 'nudged-reference-sourced-'));
const quiet = {
  level: 'warn',
  pretty: false,
  destination: new Writable({ write: (_c, _e, done) => done() }),
};
let running: RunningEmulatedBench;
let daemon: Daemon;

before(async () => {
  running = await startEmulatedBench({
    board: {
      network: NETWORK,
      seed: 23,
      devices: 'ideal-linear',
      readoutChannels: { gain: readoutGain, offset_V: readoutOffset_V },
      chain: {
        sampleAndHold: { pedestal_V: 0, pedestalSpread_V: 0, droopRate_V_per_s: 0, droopSpread_V_per_s: 0 },
        adc: { noiseRms_V: 1e-4, conversionInterval_s: 5e-6 },
      },
      holdToRead_s: 2e-6,
    },
    instruments: [
      { name: 'board', kind: 'crossbar-board' },
      { name: 'smu', kind: 'keithley-2450', attach: { outputNode: 0 } },
      { name: 'refA', kind: 'keysight-b2900', channels: [{ senseLine: 0 }, { senseLine: 1 }] },
      { name: 'refB', kind: 'keysight-b2900', channels: [{ senseLine: 2 }, { senseLine: 3 }] },
      { name: 'refC', kind: 'keithley-2600b', channels: [{ sourceNode: 0 }, { sourceNode: 1 }] },
      { name: 'refD', kind: 'keithley-2600b', channels: [{ sourceNode: 2 }, { sourceNode: 3 }] },
    ],
  });
  const benchFile = join(dir, 'bench.yaml');
  writeFileSync(
    benchFile,
    sourcedBenchYaml((name) => resourceOf(running, name)),
  );
  daemon = await Daemon.open({ dataDir: dir, benchFile, durability: 'normal', logger: quiet });
  daemon.start();
});

after(async () => {
  await daemon?.close();
  await running?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The emulated channels of the reference sources, nodes 0-3 in order. */
function sourceChannels(): SmuChannel[] {
  return ['refC', 'refD'].flatMap(
    (name) => (running.instruments.get(name) as { channels: SmuChannel[] }).channels,
  );
}

/** Records every state the source channels are put into (output, voltage level). */
function watchSources(): { output: boolean; level_V: number }[] {
  const seen: { output: boolean; level_V: number }[] = [];
  for (const channel of sourceChannels()) {
    const apply = channel.apply.bind(channel);
    channel.apply = () => {
      seen.push({ output: channel.output, level_V: channel.voltageLevel_V });
      return apply();
    };
  }
  return seen;
}

const ended = (job: number) => (e: LiveEvent) =>
  e.type === 'job' && e.job === job && ['done', 'failed', 'aborted'].includes(e.state);

async function calibrate(params: Record<string, unknown>): Promise<CalibrationRecord> {
  const job = daemon.submit('calibrate', params);
  const end = await firstValueFrom(daemon.events$.pipe(filter(ended(job.id))));
  assert.ok(end.type === 'job' && end.state === 'done', JSON.stringify(end));
  const id = daemon.getRun(job.id).result!.calibration as number;
  return importRecord(JSON.stringify(daemon.getCalibration(id)));
}

test('a sourced read-out calibration through the daemon recovers the hidden gains and offsets', async () => {
  const record = await calibrate({
    procedure: 'adc',
    min_V: -0.9,
    max_V: 0.9,
    averages: 16,
    readings: 1,
    noiseSamples: 32,
  });
  assert.ok(record.kind === 'adc');
  assert.equal(record.result.method, 'sourced');
  assert.equal(record.result.channels.length, 4);
  for (const c of record.result.channels) {
    assert.ok(Math.abs(c.gain / readoutGain[c.node] - 1) < 1e-3, `node ${c.node}: gain ${c.gain}`);
    // The ADC's full scale is 20 V (±10 V).
    assert.ok(
      Math.abs(c.offset_V - readoutOffset_V[c.node]) < 1e-3 * 20,
      `node ${c.node}: offset ${c.offset_V} vs ${readoutOffset_V[c.node]}`,
    );
    // The truth is the SMU's read-back: the levels it sourced.
    assert.ok(Math.abs(c.meter_V[0] + 0.9) < 1e-9 && Math.abs(c.meter_V.at(-1)! - 0.9) < 1e-9);
    assert.ok(c.noiseRms_V > 0 && c.noiseRms_V < 1e-3, `node ${c.node}: noise ${c.noiseRms_V}`);
  }
  assert.deepEqual(
    record.instruments.filter((i) => i.role.startsWith('reference source')).map((i) => i.role),
    [
      'reference source on node 0',
      'reference source on node 1',
      'reference source on node 2',
      'reference source on node 3',
    ],
  );
  await sourcesOff();
});

test('a source level beyond the limits is refused at submit time, naming the field', () => {
  assert.throws(
    () => daemon.submit('calibrate', { procedure: 'adc', max_V: 1.5 }),
    /params\.max_V: 1\.5 V is outside the reference sources' limit \[-1, 1\] V/,
  );
});

test('nudge calibrate refuses an over-limit source level before sending, and sources in range', async () => {
  await daemon.idle();
  const bench = await openCalibrationBench(join(dir, 'bench.yaml'));
  try {
    const env = {
      capabilities: bench.capabilities,
      bench: bench.name,
      instruments: bench.instruments,
      meters: bench.meters,
    };
    const seen = watchSources();
    await assert.rejects(
      runCalibration({ procedure: 'adc', nodes: [1], min_V: -1.2, max_V: 0.5 }, env),
      (error: Error) => error instanceof LimitError && error.field === 'min_V',
    );
    assert.ok(
      seen.every((s) => !s.output && s.level_V === 0),
      `nothing was sourced: ${JSON.stringify(seen)}`,
    );
  } finally {
    await bench.close();
  }
  // `nudge calibrate adc --bench <file>`: the same bench file, the method from its reference entries.
  const output = join(dir, 'adc-sourced.json');
  await calibrateCommand('adc', {
    bench: join(dir, 'bench.yaml'),
    params: JSON.stringify({ nodes: [1], levels: 5, averages: 8, readings: 1, noiseSamples: 8 }),
    output,
  });
  const record = importRecord(readFileSync(output, 'utf8'));
  assert.ok(record.kind === 'adc' && record.result.method === 'sourced');
  assert.ok(Math.abs(record.result.channels[0].gain / readoutGain[1] - 1) < 1e-3);
});

test(
  'an aborted sourced calibration (in-process) leaves the SMU outputs off',
  { timeout: 20_000 },
  async () => {
    await daemon.idle();
    const bench = await openCalibrationBench(join(dir, 'bench.yaml'));
    try {
      const controller = new AbortController();
      let on = false;
      await assert.rejects(
        runCalibration(
          { procedure: 'adc', levels: 50, averages: 4, readings: 1, noiseSamples: 4 },
          {
            capabilities: bench.capabilities,
            bench: bench.name,
            instruments: bench.instruments,
            meters: bench.meters,
            signal: controller.signal,
            onProgress: (done) => {
              if (done !== 2) return;
              on = sourceChannels().every((c) => c.output);
              controller.abort(new Error('stop here'));
            },
          },
        ),
        /stop here/,
      );
      assert.ok(on, 'the sources were on when the abort came');
      await sourcesOff();
    } finally {
      await bench.close();
    }
  },
);

test(
  'an emergency stop during a sourced calibration job leaves the SMU outputs off',
  { timeout: 20_000 },
  async () => {
    await daemon.idle();
    const job = daemon.submit('calibrate', {
      procedure: 'adc',
      levels: 200,
      averages: 4,
      readings: 1,
      noiseSamples: 4,
    });
    const second = firstValueFrom(
      daemon.events$.pipe(
        filter((e) => e.type === 'log' && e.job === job.id && /calibrate adc: 2\//.test(e.msg)),
      ),
    );
    const end = firstValueFrom(daemon.events$.pipe(filter(ended(job.id))));
    await second;
    await daemon.estop('test: stop the sourced calibration');
    const last = await end;
    assert.ok(last.type === 'job' && last.state === 'failed', JSON.stringify(last));
    await sourcesOff();
    daemon.clearFault();
  },
);

/** Resolves once every source channel is off at 0 V: the safe state of an abort is sent after
 * the abort rejects, so the test waits for the emulated instruments to receive it (a safe state
 * that never comes fails the test on its timeout). */
function sourcesOff(): Promise<void> {
  const off = () => sourceChannels().every((c) => !c.output && c.voltageLevel_V === 0);
  return new Promise((resolve) => {
    const check = () => {
      if (!off()) return;
      stopWatching.forEach((stop) => stop());
      resolve();
    };
    const stopWatching = sourceChannels().map((channel) => {
      const apply = channel.apply;
      channel.apply = async () => {
        await apply.call(channel);
        check();
      };
      return () => void (channel.apply = apply);
    });
    check();
  });
}
