// Ordered schema migrations. Each runs in its own IMMEDIATE transaction together with its row in
// schema_migrations and PRAGMA user_version, so a crash mid-migration leaves the previous version
// intact, and reopening applies only what is missing. Never edit a released migration: append one.
import type Database from 'better-sqlite3';
import { StoreError } from './errors.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const RUN_KIND_CHECK = `('train', 'evaluate', 'calibrate', 'read-map', 'program-map')`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'runs as documents, metrics, job queue',
    sql: `
      CREATE TABLE jobs (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ${RUN_KIND_CHECK}),
        config_json TEXT NOT NULL CHECK (json_valid(config_json)),
        priority INTEGER NOT NULL DEFAULT 0,
        created_ms REAL NOT NULL,
        updated_ms REAL NOT NULL,
        state TEXT NOT NULL CHECK (state IN
          ('queued', 'running', 'paused', 'done', 'failed', 'aborted', 'interrupted')),
        reason TEXT
      );
      CREATE INDEX jobs_by_queue_order ON jobs (state, priority DESC, created_ms, id);

      CREATE TABLE runs (
        uid TEXT PRIMARY KEY,
        job_id INTEGER REFERENCES jobs (id) ON DELETE SET NULL,
        kind TEXT NOT NULL CHECK (kind IN ${RUN_KIND_CHECK}),
        start_ms REAL NOT NULL,
        config_json TEXT NOT NULL CHECK (json_valid(config_json)),
        versions_json TEXT NOT NULL CHECK (json_valid(versions_json)),
        bench_json TEXT NOT NULL CHECK (json_valid(bench_json)),
        status TEXT NOT NULL DEFAULT 'running'
          CHECK (status IN ('running', 'success', 'fail', 'abort', 'interrupted'))
      );
      CREATE INDEX runs_by_job ON runs (job_id);
      CREATE INDEX runs_by_status ON runs (status);

      CREATE TABLE descriptors (
        id INTEGER PRIMARY KEY,
        run TEXT NOT NULL REFERENCES runs (uid) ON DELETE CASCADE,
        name TEXT NOT NULL,
        time_ms REAL NOT NULL,
        data_keys_json TEXT NOT NULL CHECK (json_valid(data_keys_json)),
        UNIQUE (run, name)
      );

      CREATE TABLE events (
        run TEXT NOT NULL REFERENCES runs (uid) ON DELETE CASCADE,
        seq INTEGER NOT NULL CHECK (seq >= 1),
        descriptor_id INTEGER NOT NULL REFERENCES descriptors (id),
        time_ms REAL NOT NULL,
        data_json TEXT NOT NULL CHECK (json_valid(data_json)),
        timestamps_json TEXT NOT NULL CHECK (json_valid(timestamps_json)),
        PRIMARY KEY (run, seq)
      ) WITHOUT ROWID;

      -- stop and resume documents, in order; after_seq places them in the event stream
      CREATE TABLE run_lifecycle (
        id INTEGER PRIMARY KEY,
        run TEXT NOT NULL REFERENCES runs (uid) ON DELETE CASCADE,
        document TEXT NOT NULL CHECK (document IN ('stop', 'resume')),
        time_ms REAL NOT NULL,
        after_seq INTEGER NOT NULL,
        exit_status TEXT CHECK (exit_status IN ('success', 'fail', 'abort', 'interrupted')),
        reason TEXT,
        from_step INTEGER,
        CHECK ((document = 'stop') = (exit_status IS NOT NULL))
      );
      CREATE INDEX run_lifecycle_by_run ON run_lifecycle (run, id);

      CREATE TABLE step_metrics (
        run TEXT NOT NULL REFERENCES runs (uid) ON DELETE CASCADE,
        step INTEGER NOT NULL CHECK (step >= 0),
        epoch INTEGER NOT NULL CHECK (epoch >= 0),
        time_ms REAL NOT NULL,
        loss REAL NOT NULL,
        accuracy REAL,
        pulses INTEGER NOT NULL CHECK (pulses >= 0),
        phase_ms_json TEXT NOT NULL CHECK (json_valid(phase_ms_json)),
        extra_json TEXT NOT NULL CHECK (json_valid(extra_json)),
        PRIMARY KEY (run, step)
      ) WITHOUT ROWID;

      CREATE TABLE epoch_metrics (
        run TEXT NOT NULL REFERENCES runs (uid) ON DELETE CASCADE,
        epoch INTEGER NOT NULL CHECK (epoch >= 0),
        time_ms REAL NOT NULL,
        train_loss REAL NOT NULL,
        train_accuracy REAL,
        test_loss REAL,
        test_accuracy REAL,
        extra_json TEXT NOT NULL CHECK (json_valid(extra_json)),
        PRIMARY KEY (run, epoch)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: 'write-ahead pulse log, simulated device states',
    sql: `
      CREATE TABLE pulse_intents (
        id INTEGER PRIMARY KEY,
        run TEXT NOT NULL REFERENCES runs (uid) ON DELETE CASCADE,
        step INTEGER NOT NULL CHECK (step >= 0),
        digest TEXT NOT NULL,
        batch BLOB NOT NULL,
        batch_bytes INTEGER NOT NULL,
        intent_ms REAL NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'completed', 'resolved')),
        applied INTEGER CHECK (applied >= 0),
        completed_ms REAL,
        resolution TEXT,
        CHECK ((state = 'completed') = (applied IS NOT NULL)),
        CHECK ((state = 'resolved') = (resolution IS NOT NULL))
      );
      CREATE INDEX pulse_intents_by_run_state ON pulse_intents (run, state, id);

      CREATE TABLE device_states (
        run TEXT NOT NULL REFERENCES runs (uid) ON DELETE CASCADE,
        step INTEGER NOT NULL CHECK (step >= 0),
        time_ms REAL NOT NULL,
        raw_bytes INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (run, step)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 3,
    name: 'conductance snapshots, instrument identities, calibration records',
    sql: `
      CREATE TABLE conductance_snapshots (
        id INTEGER PRIMARY KEY,
        run TEXT NOT NULL REFERENCES runs (uid) ON DELETE CASCADE,
        array_name TEXT NOT NULL,
        step INTEGER NOT NULL CHECK (step >= 0),
        time_ms REAL NOT NULL,
        dtype TEXT NOT NULL CHECK (dtype IN ('float32', 'float64')),
        shape_json TEXT NOT NULL CHECK (json_valid(shape_json)),
        raw_bytes INTEGER NOT NULL,
        data BLOB NOT NULL,
        UNIQUE (run, array_name, step)
      );

      CREATE TABLE instruments (
        id INTEGER PRIMARY KEY,
        vendor TEXT NOT NULL,
        model TEXT NOT NULL,
        serial TEXT NOT NULL,
        firmware TEXT NOT NULL,
        idn TEXT NOT NULL,
        driver TEXT NOT NULL,
        resource TEXT NOT NULL,
        first_seen_ms REAL NOT NULL,
        last_seen_ms REAL NOT NULL,
        UNIQUE (vendor, model, serial, firmware)
      );

      CREATE TABLE run_instruments (
        run TEXT NOT NULL REFERENCES runs (uid) ON DELETE CASCADE,
        role TEXT NOT NULL,
        instrument_id INTEGER NOT NULL REFERENCES instruments (id),
        PRIMARY KEY (run, role)
      ) WITHOUT ROWID;

      CREATE TABLE calibrations (
        id INTEGER PRIMARY KEY,
        instrument_id INTEGER REFERENCES instruments (id),
        kind TEXT NOT NULL,
        created_ms REAL NOT NULL,
        raw_json TEXT NOT NULL CHECK (json_valid(raw_json)),
        fit_json TEXT NOT NULL CHECK (json_valid(fit_json)),
        notes TEXT
      );
      CREATE INDEX calibrations_by_kind ON calibrations (kind, instrument_id, created_ms);
    `,
  },
  {
    version: 4,
    name: 'training state (the weight-averaging running mean) per completed step',
    sql: `
      CREATE TABLE training_states (
        run TEXT NOT NULL REFERENCES runs (uid) ON DELETE CASCADE,
        step INTEGER NOT NULL CHECK (step >= 0),
        time_ms REAL NOT NULL,
        raw_bytes INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (run, step)
      ) WITHOUT ROWID;
    `,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** The schema version recorded in the database (0 for a new file). */
export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Applies the migrations above the database's version, each in its own transaction. Returns the
 * versions applied (empty when the database is current). */
export function applyMigrations(
  db: Database.Database,
  migrations: readonly Migration[] = MIGRATIONS,
  now: () => number = Date.now,
): number[] {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new StoreError(`migrations[${i}].version`, `must be ${i + 1} (versions are 1, 2, 3, … in order)`);
    }
  });
  const current = schemaVersion(db);
  const known = migrations.length;
  if (current > known) {
    throw new StoreError(
      'schema version',
      `database is at version ${current}, this nudged knows up to ${known}: upgrade nudged, do not downgrade`,
    );
  }
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_ms REAL NOT NULL
  )`);
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_ms) VALUES (?, ?, ?)');
  const applied: number[] = [];
  for (const m of migrations.slice(current)) {
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.version, m.name, now());
      // user_version lives in the database header and is covered by the transaction.
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
    applied.push(m.version);
  }
  return applied;
}
