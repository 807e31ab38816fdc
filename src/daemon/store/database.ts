// Opens a SQLite database with the settings the durability guarantees of docs/persistence.md
// rely on: WAL journal, synchronous FULL by default, foreign keys, a busy timeout.
import Database from 'better-sqlite3';
import { StoreError } from './errors.ts';

/**
 * `full` (default): every commit is fsynced to the WAL before it returns, so a committed row
 * survives a process kill, an OS crash and a power loss. `normal`: the WAL is fsynced only at
 * checkpoints; a committed row survives a process kill (SIGKILL) but the last transactions may be
 * rolled back by an OS crash or power loss (the database stays consistent).
 */
export type Durability = 'full' | 'normal';

export interface DatabaseOptions {
  durability?: Durability;
  /** How long a writer waits for another connection's lock before SQLITE_BUSY, ms. */
  busyTimeoutMs?: number;
  readonly?: boolean;
}

/** WAL files larger than this are truncated back after a checkpoint. */
const JOURNAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

export function openDatabase(path: string, options: DatabaseOptions = {}): Database.Database {
  const { durability = 'full', busyTimeoutMs = 5000, readonly = false } = options;
  const db = new Database(path, { readonly, fileMustExist: readonly, timeout: busyTimeoutMs });
  try {
    if (!readonly) {
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal' && path !== ':memory:') {
        throw new StoreError('journal_mode', `could not enable WAL on ${path} (got ${String(mode)})`);
      }
      db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT_BYTES}`);
    }
    db.pragma(`synchronous = ${durability === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma('foreign_keys = ON');
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
