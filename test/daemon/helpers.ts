// Shared by the daemon tests: temp data directories, a noise-free copy of the built-in simulated
// bench (the ADC noise stream is not part of the saved device state, so it is off where a resumed
// run must equal an uninterrupted one), and spawning `nudge serve`.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

export const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const SIM_BENCH = fileURLToPath(new URL('../../examples/sim-bench.yaml', import.meta.url));

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

/** The built-in sim bench with the ADC noise off, written into `dir`; returns its path. */
export function quietSimBench(dir: string): string {
  const config = parse(readFileSync(SIM_BENCH, 'utf8')) as { sim: Record<string, unknown> };
  config.sim.chain = { adc: { noiseRms_V: 0 } };
  const file = join(dir, 'quiet-sim-bench.yaml');
  writeFileSync(file, stringify(config));
  return file;
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
