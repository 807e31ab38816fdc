// The process guard in a real child process driving emulated instruments over loopback: SIGTERM,
// SIGINT, an uncaught exception and an unhandled rejection each leave the emulated circuit with
// every source at zero and the SMU output off — observed here, in the parent, in the emulators'
// own state — and the child exits non-zero (143, 130, 1, 1) after the safe state and the cleanup.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Keithley2450Emulator, type RunningEmulatedBench } from '../../sim/emulators/index.ts';
import { emulatedBenchYaml, startXorEmulators } from './emulated-helpers.ts';

const CHILD = fileURLToPath(new URL('guard-child.ts', import.meta.url));
const lineLsb = 20 / 4095;
let running: RunningEmulatedBench;
let file: string;

before(async () => {
  running = await startXorEmulators();
  file = join(await mkdtemp(join(tmpdir(), 'nudged-guard-')), 'bench.yaml');
  await writeFile(file, emulatedBenchYaml(running));
});

after(() => running?.close());

function smu(): Keithley2450Emulator {
  const emulator = running.instruments.get('smu');
  assert.ok(emulator instanceof Keithley2450Emulator);
  return emulator;
}

const linesAt = () => [0, 1, 2, 3].map((line) => running.bench.lineVoltage(line));

async function runChild(end: string, signal?: NodeJS.Signals) {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, file, end], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let live: { line0: number; nudge: number; output: boolean } | undefined;
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (live === undefined && stdout.includes('READY\n')) {
        live = {
          line0: running.bench.lineVoltage(0),
          nudge: running.bench.nudgeCurrent(0),
          output: smu().channel.output,
        };
        if (signal !== undefined) child.kill(signal);
        else child.stdin.write('GO\n');
        resolve();
      }
    });
    void exited.then(() => reject(new Error(`the child exited before READY:\n${stderr}`)));
  });
  // The outputs were live in the emulated circuit before the end came.
  assert.ok(Math.abs(live!.line0 - 0.5) <= lineLsb, 'line 0 was driven');
  assert.equal(live!.nudge, 1e-5);
  assert.equal(live!.output, true);
  const code = await exited;
  const messages = stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => (JSON.parse(line) as { msg: string }).msg);
  return { code, stdout, messages };
}

function assertSafe(result: { stdout: string; messages: string[] }, cause: string) {
  for (const v of linesAt()) assert.ok(Math.abs(v) <= lineLsb, `every input line at 0 V: ${linesAt()}`);
  assert.equal(running.bench.nudgeCurrent(0), 0);
  assert.equal(smu().channel.output, false, 'the SMU output is off');
  const first = result.messages.findIndex((m) =>
    m.startsWith(`${cause}: driving the bench to its safe state`),
  );
  const safe = result.messages.indexOf('bench in its safe state');
  const exiting = result.messages.indexOf('exiting');
  assert.ok(first >= 0 && safe > first && exiting > safe, JSON.stringify(result.messages));
  assert.match(result.stdout, /CLOSED\n/, 'the cleanup ran after the safe state');
}

test('SIGTERM: safe state, cleanup, exit 143', async () => {
  const result = await runChild('wait', 'SIGTERM');
  assert.equal(result.code, 143);
  assertSafe(result, 'SIGTERM');
});

test('SIGINT: safe state, cleanup, exit 130', async () => {
  const result = await runChild('wait', 'SIGINT');
  assert.equal(result.code, 130);
  assertSafe(result, 'SIGINT');
});

test('an uncaught exception: safe state, cleanup, exit 1', async () => {
  const result = await runChild('throw');
  assert.equal(result.code, 1);
  assertSafe(result, 'uncaughtException');
});

test('an unhandled rejection: safe state, cleanup, exit 1', async () => {
  const result = await runChild('reject');
  assert.equal(result.code, 1);
  assertSafe(result, 'unhandledRejection');
});
