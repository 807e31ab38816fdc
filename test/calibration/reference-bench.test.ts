// DAC and read-out calibrations through the daemon on a bench of instruments over the protocol
// emulators: the bench YAML names SMUs as reference voltmeters (`reference.meters`, each channel
// on a fixture to one input line or node; the emulated SMUs sense the true voltage there), the
// calibrate jobs run through the drivers, and the records recover the gains and offsets the test
// hides in the emulated board within 0.1 % (offsets within 0.1 % of full scale). A line without a
// meter is refused at submit time naming the field; a reference compliance above the limit fails
// the assembly; `nudge calibrate` in-process uses the same meters.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { filter, firstValueFrom } from 'rxjs';
import { importRecord } from '../../calibration/index.ts';
import type { CalibrationRecord } from '../../calibration/index.ts';
import { assembleBench, BenchAssemblyError } from '../../src/bench/index.ts';
import { parseBenchConfig } from '../../src/config/index.ts';
import { openCalibrationBench } from '../../src/cli/calibrate.ts';
import { Daemon } from '../../src/daemon/daemon.ts';
import { runCalibration } from '../../src/daemon/jobs/calibrate.ts';
import type { LiveEvent } from '../../src/daemon/events.ts';
import { startEmulatedBench, type RunningEmulatedBench } from '../../sim/emulators/index.ts';
import { NETWORK, resourceOf } from '../bench/emulated-helpers.ts';
import { referenceBenchYaml } from './reference-fixtures.ts';

const readoutGain = [1.008, 0.994, 1.003, 0.9965];
const readoutOffset_V = [1.5e-3, -2e-3, 0.5e-3, -1e-3];
const holdToRead_s = 2e-6;
const conversionInterval_s = 5e-6;
const averages = 16;

const dir = mkdtempSync(join(tmpdir(), 'nudged-reference-bench-'));
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
      seed: 21,
      devices: 'ideal-linear',
      dacErrors: { gainErrorRms: 0.01, offsetRms_V: 0.01 },
      readoutChannels: { gain: readoutGain, offset_V: readoutOffset_V },
      chain: {
        sampleAndHold: { pedestal_V: 0, pedestalSpread_V: 0, droopRate_V_per_s: 0, droopSpread_V_per_s: 0 },
        adc: { noiseRms_V: 1e-4, conversionInterval_s },
      },
      holdToRead_s,
    },
    instruments: [
      { name: 'board', kind: 'crossbar-board' },
      { name: 'smu', kind: 'keithley-2450', attach: { outputNode: 0 } },
      { name: 'refA', kind: 'keysight-b2900', channels: [{ senseLine: 0 }, { senseLine: 1 }] },
      { name: 'refB', kind: 'keysight-b2900', channels: [{ senseLine: 2 }, { senseLine: 3 }] },
      { name: 'refC', kind: 'keithley-2600b', channels: [{ senseNode: 0 }, { senseNode: 1 }] },
      { name: 'refD', kind: 'keithley-2600b', channels: [{ senseNode: 2 }, { senseNode: 3 }] },
    ],
  });
  const benchFile = join(dir, 'bench.yaml');
  writeFileSync(
    benchFile,
    referenceBenchYaml((name) => resourceOf(running, name)),
  );
  daemon = await Daemon.open({ dataDir: dir, benchFile, durability: 'normal', logger: quiet });
  daemon.start();
});

after(async () => {
  await daemon?.close();
  await running?.close();
  rmSync(dir, { recursive: true, force: true });
});

const ended = (job: number) => (e: LiveEvent) =>
  e.type === 'job' && e.job === job && ['done', 'failed'].includes(e.state);

async function calibrate(params: Record<string, unknown>): Promise<CalibrationRecord> {
  const job = daemon.submit('calibrate', params);
  const end = await firstValueFrom(daemon.events$.pipe(filter(ended(job.id))));
  assert.ok(end.type === 'job' && end.state === 'done', JSON.stringify(end));
  const id = daemon.getRun(job.id).result!.calibration as number;
  return importRecord(JSON.stringify(daemon.getCalibration(id)));
}

test('the reference SMUs are bench instruments with the reference role', () => {
  const status = daemon.benchStatus();
  const refs = status.instruments.filter((i) => i.role === 'reference');
  assert.deepEqual(
    refs.map((i) => i.name),
    ['refA', 'refB', 'refC', 'refD'],
  );
  assert.deepEqual(
    daemon.bench.referenceMeters?.attachments.map((a) => (a.kind === 'node' ? `n${a.node}` : `l${a.line}`)),
    ['l0', 'l1', 'l2', 'l3', 'n0', 'n1', 'n2', 'n3'],
  );
});

test('a DAC calibration through the daemon recovers the emulated lines within 0.1 %', async () => {
  const record = await calibrate({ procedure: 'dac', levels: 11, readings: 2 });
  assert.ok(record.kind === 'dac');
  const truth = running.bench.board.dacErrors;
  assert.ok(Math.max(...truth.gain.map((g) => Math.abs(g - 1))) > 3e-3, 'hidden gain errors that matter');
  for (const c of record.result.channels) {
    assert.ok(
      Math.abs(c.gain / truth.gain[c.line] - 1) < 1e-3,
      `line ${c.line}: gain ${c.gain} vs ${truth.gain[c.line]}`,
    );
    assert.ok(
      Math.abs(c.offset_V - truth.offset_V[c.line]) < 1e-3 * record.result.fullScale_V,
      `line ${c.line}: offset ${c.offset_V} vs ${truth.offset_V[c.line]}`,
    );
  }
  const meters = record.instruments.filter((i) => i.role.startsWith('reference meter'));
  assert.deepEqual(
    meters.map((m) => m.model),
    ['B2902A', 'B2902A', 'B2902A', 'B2902A'],
  );
  // The safe state is a plain write; a read on the same link is answered after it.
  await daemon.bench.capabilities.sampler.sampleAndRead({ averages: 1 });
  assert.deepEqual([...running.bench.board.appliedInputs()], [0, 0, 0, 0], 'the lines end safe');
});

test('a read-out calibration through the daemon recovers the emulated channels within 0.1 %', async () => {
  const record = await calibrate({ procedure: 'adc', averages, readings: 2, noiseSamples: 32 });
  assert.ok(record.kind === 'adc');
  for (const c of record.result.channels) {
    assert.ok(Math.abs(c.gain / readoutGain[c.node] - 1) < 1e-3, `node ${c.node}: gain ${c.gain}`);
    // The ADC's full scale is 20 V (±10 V).
    assert.ok(
      Math.abs(c.offset_V - readoutOffset_V[c.node]) < 1e-3 * 20,
      `node ${c.node}: offset ${c.offset_V} vs ${readoutOffset_V[c.node]}`,
    );
  }
});

test('a line without a reference meter is refused at submit time, naming the field', () => {
  assert.throws(
    () => daemon.submit('calibrate', { procedure: 'dac', lines: [0, 7] }),
    /params\.lines: input line 7 has no reference meter/,
  );
});

test('a reference compliance above the configured limit fails the assembly before it is sent', async () => {
  const text = referenceBenchYaml((name) => resourceOf(running, name)).replace(
    'name: refB, kind: keysight-b2900, resource: "' +
      resourceOf(running, 'refB') +
      '", options: { nplc: 0.1 }',
    'name: refB, kind: keysight-b2900, resource: "' +
      resourceOf(running, 'refB') +
      '", options: { nplc: 0.1, compliance: 5 }',
  );
  assert.match(text, /compliance: 5/);
  await assert.rejects(assembleBench(parseBenchConfig(text, 'bench.yaml')), (error: Error) => {
    assert.ok(error instanceof BenchAssemblyError, String(error));
    assert.match(error.message, /refB[\s\S]*compliance_V[\s\S]*5/);
    return true;
  });
});

test('nudge calibrate (in-process) uses the reference meters of an instrument bench file', async () => {
  const bench = await openCalibrationBench(join(dir, 'bench.yaml'));
  try {
    assert.ok(bench.meters, 'the bench file names reference meters');
    const record = await runCalibration(
      { procedure: 'dac', lines: [2], levels: 5, readings: 1 },
      {
        capabilities: bench.capabilities,
        bench: bench.name,
        instruments: bench.instruments,
        meters: bench.meters,
      },
    );
    assert.ok(record.kind === 'dac');
    const truth = running.bench.board.dacErrors;
    const [c] = record.result.channels;
    assert.equal(c.line, 2);
    assert.ok(Math.abs(c.gain / truth.gain[2] - 1) < 1e-3, `gain ${c.gain} vs ${truth.gain[2]}`);
  } finally {
    await bench.close();
  }
});
