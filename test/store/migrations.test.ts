import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { openDatabase } from '../../src/daemon/store/database.ts';
import { applyMigrations, LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../src/daemon/store/migrations.ts';
import { Store, StoreError } from '../../src/daemon/store/index.ts';
import { TempDatabases, trainStart } from './helpers.ts';

const temp = new TempDatabases();
after(() => temp.cleanup());

const tables = (db: Database.Database) =>
  db
    .prepare<[], { name: string }>(`SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`)
    .all()
    .map((r) => r.name);

test('a new database is created at the latest version with WAL, foreign keys and the chosen sync level', () => {
  const path = temp.path();
  const store = temp.open(path, { durability: 'full' });
  assert.equal(store.schemaVersion, LATEST_SCHEMA_VERSION);
  store.close();
  const db = new Database(path);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  db.close();
  const full = openDatabase(path, { durability: 'full' });
  assert.equal(full.pragma('synchronous', { simple: true }), 2);
  assert.equal(full.pragma('foreign_keys', { simple: true }), 1);
  full.close();
  const normal = openDatabase(path, { durability: 'normal' });
  assert.equal(normal.pragma('synchronous', { simple: true }), 1);
  normal.close();
});

test('a v1 database with data migrates to the latest version, keeps its rows, and reopening is a no-op', () => {
  const path = temp.path();
  const v1 = openDatabase(path);
  assert.deepEqual(applyMigrations(v1, MIGRATIONS.slice(0, 1)), [1]);
  assert.ok(!tables(v1).includes('pulse_intents'));
  v1.prepare(
    `INSERT INTO runs (uid, kind, start_ms, config_json, versions_json, bench_json)
     VALUES ('old', 'train', 1, '{"lr":0.1}', '{"nudged":"0.0.1"}', '{}')`,
  ).run();
  v1.prepare(
    `INSERT INTO step_metrics (run, step, epoch, time_ms, loss, pulses, phase_ms_json, extra_json)
     VALUES ('old', 0, 0, 2, 0.5, 3, '{}', '{}')`,
  ).run();
  v1.close();

  const store = temp.open(path);
  assert.equal(store.schemaVersion, LATEST_SCHEMA_VERSION);
  assert.deepEqual(store.runs.get('old').config, { lr: 0.1 });
  assert.equal(store.metrics.lastCompletedStep('old'), 0);
  // A table of a later migration is usable on the migrated data.
  const id = store.pulseLog.recordPulseIntent('old', 1, 'd', new Uint8Array([1, 2]));
  assert.equal(store.pulseLog.get(id).state, 'pending');
  store.close();

  const db = openDatabase(path);
  assert.deepEqual(applyMigrations(db), []);
  const recorded = db
    .prepare<[], { version: number }>('SELECT version FROM schema_migrations ORDER BY version')
    .all();
  assert.deepEqual(
    recorded.map((r) => r.version),
    MIGRATIONS.map((m) => m.version),
  );
  db.close();
});

test('a failing migration is rolled back entirely and the version stays put', () => {
  const path = temp.path();
  const db = openDatabase(path);
  applyMigrations(db, MIGRATIONS.slice(0, 1));
  const broken = [
    ...MIGRATIONS.slice(0, 1),
    {
      version: 2,
      name: 'broken',
      sql: 'CREATE TABLE half_done (x INTEGER); INSERT INTO no_such_table VALUES (1);',
    },
  ];
  assert.throws(() => applyMigrations(db, broken), /no_such_table/);
  assert.equal(db.pragma('user_version', { simple: true }), 1);
  assert.ok(!tables(db).includes('half_done'));
  db.close();
});

test('a database newer than this code is refused, naming the versions', () => {
  const path = temp.path();
  const db = openDatabase(path);
  applyMigrations(db);
  db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
  db.close();
  assert.throws(
    () => Store.open(path),
    (e: unknown) =>
      e instanceof StoreError && e.field === 'schema version' && /upgrade nudged/.test(e.reason),
  );
});

test('migrations out of order are refused', () => {
  const db = openDatabase(':memory:');
  assert.throws(() => applyMigrations(db, [MIGRATIONS[1]]), /migrations\[0\]\.version: must be 1/);
  db.close();
});

test('foreign keys are enforced: metrics of an unknown run are refused', () => {
  const store = temp.open();
  assert.throws(
    () => store.metrics.upsertStep('nope', { step: 0, epoch: 0, loss: 1, pulses: 0, phaseMs: {} }),
    /FOREIGN KEY/,
  );
  store.runs.start(trainStart('r'));
  store.metrics.upsertStep('r', { step: 0, epoch: 0, loss: 1, pulses: 0, phaseMs: {} });
});
