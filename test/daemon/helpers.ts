// Shared by the daemon tests: temp data directories, the built-in simulated bench, and spawning
// `nudge serve`.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
/** The built-in simulated bench (ADC noise on, as by default). */
export const SIM_BENCH = fileURLToPath(new URL('../../examples/sim-bench.yaml', import.meta.url));

export class TempDirs {
  readonly #dirs: string[] = [];

  make(prefix = 'nudged-daemon-'): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.#dirs.push(dir);
    return dir;
  }

  cleanup(): void {
    for (const d of this.#dirs) rmSync(d, { recursive: true, force: true });
  }
}

export interface ServeResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `nudge serve --port 0 --exit-when-idle` with extra arguments and environment. */
export function serveOnce(
  args: string[],
  env: Record<string, string> = {},
  timeout_ms = 120_000,
): Promise<ServeResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', MAIN, 'serve', '--port', '0', '--exit-when-idle', ...args],
      {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not finish within ${timeout_ms} ms:\n${stdout}\n${stderr}`));
    }, timeout_ms);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
