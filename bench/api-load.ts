// API load during training: does serving 50 WebSocket subscribers and steady REST polling slow the
// training loop? The daemon runs as a child process (`nudge serve` on the built-in simulated bench,
// loopback, ephemeral port, temporary data directory); a long Iris training run is queued; its step
// rate is measured from the run's step count over alternating windows without load and with load
// (50 subscribers to every event + GET /api/runs/:id at a fixed rate). Peak RSS is the child's
// VmHWM from /proc. Everything is bounded: window count and length, subscriber count, request rate.
// Each loaded window is bracketed by unloaded ones (U L U L … U) and compared with their mean; the
// ratio is the median over rounds, so a machine whose other load drifts or swings (2 shared cores)
// moves it less than a plain mean of rates would.
// Usage: npm run bench -- api-load [windowSeconds=5] [rounds=5] [subscribers=50] [pollHz=10] [types]
// (`types`: the subscribers' event filter, e.g. the dashboard's `job,metrics,epoch,pulses,nodes,
// snapshot,result,log,estop`; default every event, the heaviest case). API_LOAD_NODE_ARGS adds node
// options to the daemon, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it under load.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const WINDOW_S = Number(process.argv[2] ?? 5);
const ROUNDS = Number(process.argv[3] ?? 5);
const SUBSCRIBERS = Number(process.argv[4] ?? 50);
const POLL_HZ = Number(process.argv[5] ?? 10);
const TYPES = process.argv[6];

interface ClientSocket {
  on(event: 'open', listener: () => void): this;
  on(event: 'message', listener: (data: Buffer) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  terminate(): void;
}
interface ClientOptions {
  perMessageDeflate: boolean;
  skipUTF8Validation: boolean;
}
const WebSocket = createRequire(import.meta.url)('ws') as new (
  url: string,
  options: ClientOptions,
) => ClientSocket;
/** The subscribers do the least a client can per message (no compression, no UTF-8 check, no
 * parse: they count it), so that on 2 cores the load generator takes as little CPU as it can
 * from the daemon it measures; a dashboard receives far fewer events (it filters out `phase`). */
const CLIENT: ClientOptions = { perMessageDeflate: false, skipUTF8Validation: true };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dir = mkdtempSync(join(tmpdir(), 'nudged-bench-api-'));

const child = spawn(
  process.execPath,
  [
    ...(process.env.API_LOAD_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
    '--import',
    'tsx',
    'src/cli/main.ts',
    'serve',
    '--port',
    '0',
    '--data',
    join(dir, 'data'),
    '--log-level',
    'warn',
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const base = await new Promise<string>((resolve, reject) => {
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
    const m = /API (http:\/\/127\.0\.0\.1:\d+)\/api/.exec(out);
    if (m) resolve(m[1]);
  });
  child.on('exit', (code) => reject(new Error(`daemon exited (${code}) before listening:\n${out}`)));
  setTimeout(() => reject(new Error(`daemon did not listen within 60 s:\n${out}`)), 60_000);
});
child.stdout.resume();

/** Peak resident set of the daemon so far, MiB (VmHWM). */
function peakRssMb(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function json(path: string, init?: RequestInit): Promise<Record<string, unknown>> {
  const res = await fetch(base + path, init);
  const body = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${JSON.stringify(body)}`);
  return body;
}
const post = (path: string, body: unknown) =>
  json(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

const job = (
  await post('/api/runs', { kind: 'train', params: { dataset: 'iris', epochs: 10_000, snapshotEvery: 10 } })
).id as number;
const step = async () =>
  ((await json(`/api/runs/${job}?maxPoints=1`)).latest as { step: number } | null)?.step ?? -1;
while ((await step()) < 20) await sleep(200);

/** CPU time the daemon process has used, s (utime + stime from /proc, clock ticks of 10 ms). */
function daemonCpuS(): number {
  const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Daemon CPU ms per training step, per kind of window. */
const cpuMsPerStep = { unloaded: [] as number[], loaded: [] as number[] };
/** CPU the load generator (this process) used per second of loaded window, s/s. */
const clientCpu: number[] = [];

/** Steps per second over one window, measured by the run's own step count. */
async function window(kind: 'unloaded' | 'loaded' = 'unloaded'): Promise<number> {
  const s0 = await step();
  const c0 = daemonCpuS();
  const own0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep(WINDOW_S * 1000);
  const s1 = await step();
  const elapsed_s = (performance.now() - t0) / 1000;
  cpuMsPerStep[kind].push(((daemonCpuS() - c0) * 1000) / Math.max(1, s1 - s0));
  const own = process.cpuUsage(own0);
  if (kind === 'loaded') clientCpu.push((own.user + own.system) / 1e6 / elapsed_s);
  return (s1 - s0) / elapsed_s;
}

let messages = 0;
let bytes = 0;
let requests = 0;
async function loaded(): Promise<number> {
  const sockets = await Promise.all(
    Array.from(
      { length: SUBSCRIBERS },
      () =>
        new Promise<ClientSocket>((resolve, reject) => {
          const ws = new WebSocket(
            `${base.replace('http', 'ws')}/api/events${TYPES ? `?types=${TYPES}` : ''}`,
            CLIENT,
          );
          ws.on('open', () => resolve(ws));
          ws.on('error', reject);
          ws.on('message', (data) => {
            messages++;
            bytes += data.length;
          });
        }),
    ),
  );
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const t = performance.now();
      // The body is read but not parsed: the daemon's cost is what is measured.
      const res = await fetch(`${base}/api/runs/${job}`);
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`GET /api/runs/${job}: HTTP ${res.status}`);
      requests++;
      await sleep(Math.max(0, 1000 / POLL_HZ - (performance.now() - t)));
    }
  })();
  const rate = await window('loaded');
  polling = false;
  await poller;
  for (const ws of sockets) ws.terminate();
  await sleep(500);
  return rate;
}

const unloadedRates: number[] = [];
const loadedRates: number[] = [];
let messagesPerS = 0;
try {
  for (let r = 0; r < ROUNDS; r++) {
    unloadedRates.push(await window());
    const m0 = messages;
    loadedRates.push(await loaded());
    messagesPerS += (messages - m0) / WINDOW_S / ROUNDS;
    console.log(
      `round ${r + 1}: unloaded ${unloadedRates[r].toFixed(1)} steps/s, loaded ${loadedRates[r].toFixed(1)} steps/s`,
    );
  }
  unloadedRates.push(await window());
  await post(`/api/runs/${job}/abort`, { reason: 'benchmark over' });
} finally {
  const peak = peakRssMb();
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const unloaded = mean(unloadedRates);
  const load = mean(loadedRates);
  const perRound = loadedRates
    .map((l, r) => l / ((unloadedRates[r] + unloadedRates[r + 1]) / 2))
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  const ratio = (perRound[(perRound.length - 1) >> 1] + perRound[perRound.length >> 1]) / 2;
  console.log(
    `ratio per round (loaded / mean of the unloaded windows around it): ${perRound.map((x) => x.toFixed(3)).join(' ')}`,
  );
  console.log(`training step rate, unloaded: ${unloaded.toFixed(1)} steps/s`);
  console.log(
    `training step rate, ${SUBSCRIBERS} WebSocket subscribers (${TYPES ?? 'every event'}) + ${POLL_HZ} req/s: ${load.toFixed(1)} steps/s (median ratio ${ratio.toFixed(3)}, target >= 0.9)`,
  );
  console.log(
    `delivered ${messages} event messages (${(bytes / 1e6).toFixed(1)} MB, ${messagesPerS.toFixed(0)} msg/s across subscribers), ${requests} REST polls`,
  );
  console.log(
    `daemon CPU per training step: ${mean(cpuMsPerStep.unloaded).toFixed(1)} ms unloaded, ${mean(cpuMsPerStep.loaded).toFixed(1)} ms loaded (the API's share: the difference)`,
  );
  console.log(
    `load generator (this process) CPU while loading: ${(100 * mean(clientCpu)).toFixed(0)} % of a core`,
  );
  console.log(`daemon peak RSS (VmHWM): ${peak.toFixed(1)} MiB (target <= 300)`);
  console.log(
    JSON.stringify({
      bench: 'api-load',
      step_rate_ratio: Number(ratio.toFixed(3)),
      peak_rss_mb: Number(peak.toFixed(1)),
    }),
  );
}
