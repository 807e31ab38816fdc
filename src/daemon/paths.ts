// Where the daemon keeps its data: `--data <dir>`, else $NUDGED_DATA, else
// $XDG_DATA_HOME/nudged, else ~/.local/share/nudged. The database is `<dir>/nudged.db`.
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export function dataDir(option?: string): string {
  if (option !== undefined && option.length > 0) return resolve(option);
  const env = process.env.NUDGED_DATA;
  if (env !== undefined && env.length > 0) return resolve(env);
  const xdg = process.env.XDG_DATA_HOME;
  return join(xdg !== undefined && xdg.length > 0 ? xdg : join(homedir(), '.local', 'share'), 'nudged');
}

/** Creates the data directory if needed and returns the database path in it. */
export function databasePath(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return join(dir, 'nudged.db');
}
