// The CLI's client commands against a daemon with its API on an ephemeral loopback port:
// runs, watch (of a finished run), export to a file, a refused pause, estop and clear-fault, a
// refused reconnect, and the message when no daemon answers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { filter, firstValueFrom } from 'rxjs';
import { startApi, type RunningApi } from '../../src/api/index.ts';
import { Daemon } from '../../src/daemon/daemon.ts';
import { MAIN, TempDirs } from '../daemon/helpers.ts';

const run = promisify(execFile);
const temp = new TempDirs();
const quiet = {
  level: 'fatal',
  pretty: false,
  destination: new Writable({ write: (_c, _e, done) => done() }),
};
let daemon: Daemon;
let api: RunningApi;
let dir: string;

before(async () => {
  dir = temp.make();
  daemon = await Daemon.open({ dataDir: dir, durability: 'normal', logger: quiet });
  api = await startApi(daemon, { port: 0 });
  const job = daemon.submit('train', { epochs: 1, batchSize: 1, maxTrainSamples: 6, maxTestSamples: 3 });
  await firstValueFrom(
    daemon.events$.pipe(filter((e) => e.type === 'job' && e.job === job.id && e.state === 'done')),
  );
});

after(async () => {
  await api?.close();
  await daemon?.close();
  temp.cleanup();
});

async function nudge(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', MAIN, ...args], {
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('runs, watch and export talk to the daemon', async () => {
  const file = join(dir, 'run-1.csv');
  const [runs, watch, exported] = await Promise.all([
    nudge('runs', '--url', api.url),
    nudge('watch', '1', '--url', api.url),
    nudge('export', '1', '--format', 'csv', '-o', file, '--url', api.url),
  ]);
  assert.equal(runs.code, 0, runs.stderr);
  assert.match(runs.stdout, /^\s+1\s+train\s+done\s/m);
  assert.equal(watch.code, 0, watch.stderr);
  assert.match(watch.stdout, /job 1 is done/);
  assert.equal(exported.code, 0, exported.stderr);
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  assert.equal(lines.length, 1 + 6, 'a header and one row per step');
  assert.match(lines[0], /step/);
});

test('a refused request and an unreachable daemon are one clear line and exit code 1', async () => {
  const [pause, away] = await Promise.all([
    nudge('pause', '1', '--url', api.url),
    nudge('runs', '--url', 'http://127.0.0.1:9'),
  ]);
  assert.equal(pause.code, 1);
  assert.match(pause.stderr, /409 id: job 1 is done/);
  assert.equal(away.code, 1);
  assert.match(away.stderr, /cannot reach the daemon at http:\/\/127\.0\.0\.1:9/);
});

test('estop drives the bench safe and latches the fault until clear-fault', async () => {
  const estop = await nudge('estop', '--reason', 'cli test', '--url', api.url);
  assert.equal(estop.code, 0, estop.stderr);
  assert.match(daemon.health().fault ?? '', /cli test/);
  const clear = await nudge('clear-fault', '--url', api.url);
  assert.equal(clear.code, 0, clear.stderr);
  assert.equal(daemon.health().fault, null);
});

test('reconnect on the simulated bench is refused in one line (it has no instrument links)', async () => {
  const r = await nudge('reconnect', '--url', api.url);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /^nudge: POST \/api\/bench\/reconnect: 409 bench: the sim bench has no instrument links to reconnect\n$/,
  );
  assert.equal(r.stdout, '');
});
