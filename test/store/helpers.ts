// Temporary databases for the store tests; every directory made here is removed by cleanup().
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store, type StoreOptions } from '../../src/daemon/store/index.ts';

export class TempDatabases {
  private readonly dirs: string[] = [];
  private readonly stores: Store[] = [];

  /** A fresh database path in a new temporary directory. */
  path(name = 'nudged.db'): string {
    const dir = mkdtempSync(join(tmpdir(), 'nudged-store-'));
    this.dirs.push(dir);
    return join(dir, name);
  }

  /** Opens a store (closed by cleanup if the test does not close it). */
  open(path = this.path(), options: StoreOptions = {}): Store {
    const store = Store.open(path, { durability: 'normal', ...options });
    this.stores.push(store);
    return store;
  }

  cleanup(): void {
    for (const s of this.stores) s.close();
    for (const d of this.dirs) rmSync(d, { recursive: true, force: true });
  }
}

export const trainStart = (uid?: string) => ({
  ...(uid === undefined ? {} : { uid }),
  kind: 'train' as const,
  config: { network: { inputs: 2, hidden: [4], outputs: 1 }, lr: 0.1 },
  versions: { nudged: '0.1.0', node: process.version },
  bench: { kind: 'sim', seed: 1 },
});
