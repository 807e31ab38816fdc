// The `calibrate` job kind in the daemon on the built-in simulated bench: a procedure runs as a
// job, its record lands in the store's calibration table with the run, and exports as JSON; a
// procedure that needs reference meters the bench does not have is refused naming the field; the
// stored record is applied by the assembly hook.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { firstValueFrom, filter } from 'rxjs';
import { Daemon } from '../../src/daemon/daemon.ts';
import type { LiveEvent } from '../../src/daemon/events.ts';
import { databasePath } from '../../src/daemon/paths.ts';
import { Store } from '../../src/daemon/store/index.ts';
import { importRecord } from '../../calibration/index.ts';
import {
  calibrateParamsSchema,
  loadCalibrationRecords,
  makeCalibrateKind,
} from '../../src/daemon/jobs/calibrate.ts';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const quiet = {
  level: 'warn',
  pretty: false,
  destination: new Writable({ write: (_c, _e, done) => done() }),
};

const ended = (job: number) => (e: LiveEvent) =>
  e.type === 'job' && e.job === job && ['done', 'failed'].includes(e.state);

test('calibrate jobs store their records with the run; meters are required where needed', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nudged-calibrate-'));
  dirs.push(dataDir);
  const daemon = await Daemon.open({ dataDir, durability: 'normal', logger: quiet });
  daemon.start();
  let mapId: number;
  try {
    const map = daemon.submit('calibrate', { procedure: 'map', reads: 4 });
    const mapEnd = await firstValueFrom(daemon.events$.pipe(filter(ended(map.id))));
    assert.ok(mapEnd.type === 'job' && mapEnd.state === 'done', JSON.stringify(mapEnd));
    const result = daemon.getRun(map.id).result!;
    mapId = result.calibration as number;
    assert.ok(mapId > 0 && result.arrays === 2, JSON.stringify(result));

    const withoutMeters = makeCalibrateKind();
    assert.throws(
      () => withoutMeters.check?.({ procedure: 'dac' }, daemon.bench),
      /params\.procedure: 'dac' needs reference voltmeters/,
    );

    assert.throws(() => daemon.submit('calibrate', { procedure: 'settle' }), /maxDelay_s/);
  } finally {
    await daemon.close();
  }
  const store = Store.open(databasePath(dataDir));
  try {
    const stored = store.calibrations.get(mapId);
    assert.equal(stored.kind, 'conductance-map');
    assert.match(stored.notes ?? '', /^run-\d+$/);
    const record = importRecord(JSON.stringify(stored.raw));
    assert.equal(record.bench, 'sim-iris');
    assert.deepEqual(
      record.instruments.map((i) => i.model),
      ['SimBoard'],
    );
    const exported = JSON.parse(store.calibrations.exportJson(mapId)) as { raw: unknown };
    assert.deepEqual(exported.raw, stored.raw);
    const [loaded] = await loadCalibrationRecords(String(mapId), store);
    assert.equal(loaded.id, record.id);
  } finally {
    store.close();
  }
  assert.equal(calibrateParamsSchema.safeParse({ procedure: 'map', colour: 'red' }).success, false);
});
