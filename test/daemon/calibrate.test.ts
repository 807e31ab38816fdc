// Calibrations through the daemon: on a simulated bench with hidden DAC and read-out channel
// errors, `calibrate` jobs with procedure dac and adc complete with the bench's reference meters
// and store records whose fitted gains and offsets are the hidden ones; the records are listed
// with their figures (SVG) and exported as JSON. A bench without reference meters refuses those
// procedures at submit time, naming params.procedure.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { filter, firstValueFrom } from 'rxjs';
import { parse, stringify } from 'yaml';
import { importRecord } from '../../calibration/index.ts';
import type { DaemonBench } from '../../src/daemon/bench.ts';
import { referenceMeters } from '../../src/daemon/calibrations.ts';
import { Daemon } from '../../src/daemon/daemon.ts';
import { DaemonError } from '../../src/daemon/errors.ts';
import type { LiveEvent } from '../../src/daemon/events.ts';
import { makeCalibrateKind } from '../../src/daemon/jobs/calibrate.ts';
import { TempDirs } from './helpers.ts';

const dirs = new TempDirs();
after(() => dirs.cleanup());
const quiet = {
  level: 'warn',
  pretty: false,
  destination: new Writable({ write: (_c, _e, done) => done() }),
};

const dacGain = [1.01, 0.992, 1.004, 0.997];
const dacOffset_V = [0.01, -0.005, 0.002, 0];
const readoutGain = [1.012, 0.9915];

/** The built-in sim bench cut to 4 input lines and 2 nodes, with hidden channel errors. */
function benchFile(dir: string): string {
  const file = fileURLToPath(new URL('../../examples/sim-bench.yaml', import.meta.url));
  const config = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  config.name = 'sim-hidden-errors';
  config.network = { inputs: 2, outputs: 1, conductance: { min_S: 1e-6, max_S: 1e-4 } };
  config.sim = {
    devices: 'ideal-linear',
    seed: 3,
    dacErrors: { gain: dacGain, offset_V: dacOffset_V },
    readoutChannels: { gain: readoutGain, offset_V: [2e-3, -1.5e-3] },
    chain: { adc: { noiseRms_V: 1e-4 } },
  };
  const out = join(dir, 'hidden-errors.yaml');
  writeFileSync(out, stringify(config));
  return out;
}

const ended = (job: number) => (e: LiveEvent) =>
  e.type === 'job' && e.job === job && ['done', 'failed', 'aborted'].includes(e.state);

async function runJob(daemon: Daemon, params: object): Promise<number> {
  const job = daemon.submit('calibrate', params);
  const end = await firstValueFrom(daemon.events$.pipe(filter(ended(job.id))));
  assert.ok(end.type === 'job' && end.state === 'done', JSON.stringify(end));
  return daemon.getRun(job.id).result!.calibration as number;
}

test('dac and adc calibrations run through the daemon and recover the hidden channel errors', async () => {
  const dir = dirs.make('nudged-calplots-');
  const daemon = await Daemon.open({
    dataDir: dir,
    benchFile: benchFile(dir),
    durability: 'normal',
    logger: quiet,
    referenceMeters: { noiseRms_V: 2e-5, seed: 7 },
  });
  try {
    const dacId = await runJob(daemon, { procedure: 'dac' });
    const adcId = await runJob(daemon, { procedure: 'adc', averages: 16 });

    const dac = importRecord(JSON.stringify(daemon.getCalibration(dacId)));
    assert.ok(dac.kind === 'dac');
    assert.equal(dac.result.channels.length, 4);
    for (const c of dac.result.channels) {
      assert.ok(Math.abs(c.gain / dacGain[c.line] - 1) < 1e-3, `line ${c.line}: gain ${c.gain}`);
      assert.ok(
        Math.abs(c.offset_V - dacOffset_V[c.line]) < 1e-3 * dac.result.fullScale_V,
        `line ${c.line}: offset ${c.offset_V}`,
      );
    }
    assert.ok(dac.instruments.some((i) => i.model === 'SimMeter' && i.role === 'reference meter on line 0'));

    const adc = importRecord(JSON.stringify(daemon.getCalibration(adcId)));
    assert.ok(adc.kind === 'adc');
    assert.equal(adc.result.channels.length, 2);
    for (const c of adc.result.channels) {
      assert.ok(Math.abs(c.gain / readoutGain[c.node] - 1) < 1e-3, `node ${c.node}: gain ${c.gain}`);
    }

    const listed = daemon.listCalibrations();
    assert.deepEqual(
      listed.map((c) => [c.id, c.kind]),
      [
        [adcId, 'adc'],
        [dacId, 'dac'],
      ],
    );
    const [adcSummary, dacSummary] = listed;
    assert.equal(dacSummary.bench, 'sim-hidden-errors');
    assert.match(dacSummary.run ?? '', /^run-\d+$/);
    assert.deepEqual(dacSummary.warnings, [], 'fresh, and taken with this bench and its meters');
    assert.deepEqual(
      dacSummary.figures.map((f) => f.name),
      ['dac-residuals'],
    );
    assert.equal(adcSummary.fit.channels, 2);
    for (const id of [dacId, adcId]) {
      const figures = daemon.calibrationFigures(id);
      assert.ok(figures.length > 0);
      for (const f of figures) assert.match(f.svg, /^<svg/, f.name);
    }
    assert.throws(
      () => daemon.getCalibration(9999),
      (e: unknown) => e instanceof DaemonError && e.status === 404 && e.field === 'id',
    );
  } finally {
    await daemon.close();
  }
});

test('a bench without reference meters refuses dac and adc at submit time', () => {
  const kind = makeCalibrateKind(referenceMeters);
  const lab = { name: 'lab', kind: 'instruments' } as DaemonBench;
  for (const procedure of ['dac', 'adc'] as const) {
    assert.throws(
      () => kind.check?.(kind.params.parse({ procedure }), lab),
      (e: unknown) =>
        e instanceof DaemonError &&
        e.status === 400 &&
        e.field === 'params.procedure' &&
        new RegExp(`'${procedure}' needs reference voltmeters.*bench 'lab' has none`).test(e.reason),
    );
  }
  assert.doesNotThrow(() => kind.check?.(kind.params.parse({ procedure: 'map' }), lab));
});
