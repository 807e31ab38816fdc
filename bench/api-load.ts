// API load during training: does serving 50 WebSocket subscribers and steady REST polling slow the
// training loop? The daemon runs as a child process (`nudge serve` on the built-in simulated bench,
// loopback, ephemeral port, temporary data directory); a long Iris training run is queued; its step
// rate is measured from the run's step count over alternating windows without load and with load
// (50 subscribers to every event + GET /api/runs/:id at a fixed rate). Peak RSS is the child's
// VmHWM from /proc. Everything is bounded: window count and length, subscriber count, request rate.
// Each loaded window is bracketed by unloaded ones (U L U L … U) and compared with their mean; the
// ratio is the median over rounds, so a machine whose other load drifts or swings (2 shared cores)
// moves it less than a plain mean of rates would; many short rounds (9 × 3 s by default) give the
// median more samples than a few long ones. The machine's load average is printed with the figures.
// Usage: npm run bench -- api-load [windowSeconds=3] [rounds=9] [subscribers=50] [pollHz=10] [types]
// [poll=since]
// (`types`: the subscribers' event filter, e.g. the dashboard's `job,metrics,epoch,pulses,nodes,
// snapshot,result,log,estop`; default (or '') every event, the heaviest case. `pollHz` 0: no REST
// polling. `poll`: `since` polls like a monitor that keeps what it has — GET /api/runs/:id, then
// ?sinceStep=<last>&sinceEpoch=<last> for the new rows only; `full` fetches the whole decimated run
// (1000 points) every time.) API_LOAD_NODE_ARGS adds node options to the daemon, e.g.
// `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it under load; API_LOAD_CLIENT_NICE lowers the
// load generator's priority (below).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';

const WINDOW_S = Number(process.argv[2] ?? 3);
const ROUNDS = Number(process.argv[3] ?? 9);
const SUBSCRIBERS = Number(process.argv[4] ?? 50);
const POLL_HZ = Number(process.argv[5] ?? 10);
const TYPES = process.argv[6] || undefined;
const POLL = process.argv[7] ?? 'since';
if (POLL !== 'since' && POLL !== 'full') throw new Error(`poll must be since or full, got ${POLL}`);

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
// By default the load generator runs at the daemon's priority. API_LOAD_CLIENT_NICE=10 lowers its
// own (set after the daemon was spawned), as if the subscribers ran on other machines, as they do
// on a real bench; whether the load still arrives in full is printed either way (every subscriber
// gets the same messages in a window, no `dropped` notice, the polls keep their rate).
const CLIENT_NICE = Number(process.env.API_LOAD_CLIENT_NICE ?? 0);
if (CLIENT_NICE !== 0) setPriority(CLIENT_NICE);

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

interface RunDetailBody {
  steps: { step: number }[];
  epochs: { epoch: number }[];
}
/** The incremental poller's position: the last step and epoch it has (the first poll has none,
 * so it gets the whole decimated series, like a dashboard opening the run). */
const poll = {
  step: null as number | null,
  epoch: null as number | null,
  query(): string {
    const q = [
      this.step === null ? null : `sinceStep=${this.step}`,
      this.epoch === null ? null : `sinceEpoch=${this.epoch}`,
    ].filter(Boolean);
    return q.length === 0 ? '' : `?${q.join('&')}`;
  },
  seen(body: RunDetailBody): void {
    // Polls may overlap (see below), so answers may come back out of order.
    const later = (a: number | null, b: number | undefined) => (b === undefined ? a : Math.max(a ?? -1, b));
    this.step = later(this.step, body.steps.at(-1)?.step);
    this.epoch = later(this.epoch, body.epochs.at(-1)?.epoch);
  },
};

let messages = 0;
let bytes = 0;
let requests = 0;
/** Over the loaded windows: the largest gap, within one window, between the subscriber that
 * received the most messages and the one that received the fewest, relative to the most (0: all
 * kept up alike), and the `dropped` notices the daemon sent (one when a subscriber fell behind). */
let subscriberGap = 0;
let droppedNotices = 0;
const DROPPED = Buffer.from('{"type":"dropped"');
/** Polls in flight at most: a slow answer delays the next poll only beyond this. */
const MAX_IN_FLIGHT = 4;

async function pollOnce(): Promise<void> {
  const res = await fetch(`${base}/api/runs/${job}${POLL === 'since' ? poll.query() : ''}`);
  if (!res.ok) throw new Error(`GET /api/runs/${job}: HTTP ${res.status}`);
  // A full poll's body is read but not parsed: the daemon's cost is what is measured.
  if (POLL === 'since') poll.seen((await res.json()) as RunDetailBody);
  else await res.arrayBuffer();
  requests++;
}

async function loaded(): Promise<number> {
  const counts = new Array<number>(SUBSCRIBERS).fill(0);
  const sockets = await Promise.all(
    counts.map(
      (_, i) =>
        new Promise<ClientSocket>((resolve, reject) => {
          const ws = new WebSocket(
            `${base.replace('http', 'ws')}/api/events${TYPES ? `?types=${TYPES}` : ''}`,
            CLIENT,
          );
          ws.on('open', () => resolve(ws));
          ws.on('error', reject);
          ws.on('message', (data) => {
            messages++;
            counts[i]++;
            bytes += data.length;
            if (data.subarray(0, DROPPED.length).equals(DROPPED)) droppedNotices++;
          });
        }),
    ),
  );
  // Polls go out on a fixed schedule (pollHz 0: none), up to MAX_IN_FLIGHT at once, so the rate
  // holds when an answer waits for a training step to finish.
  let polling = POLL_HZ > 0;
  let failure: unknown = null;
  const inFlight = new Set<Promise<void>>();
  const poller = (async () => {
    const t0 = performance.now();
    for (let k = 0; polling; k++) {
      await sleep(Math.max(0, t0 + (k * 1000) / POLL_HZ - performance.now()));
      if (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
      if (!polling) break;
      const p: Promise<void> = pollOnce()
        .catch((error: unknown) => void (failure ??= error))
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await Promise.all(inFlight);
  })();
  const atStart = [...counts];
  const rate = await window('loaded');
  const inWindow = counts.map((c, i) => c - atStart[i]);
  polling = false;
  await poller;
  if (failure !== null) throw failure;
  for (const ws of sockets) ws.terminate();
  subscriberGap = Math.max(subscriberGap, 1 - Math.min(...inWindow) / Math.max(1, ...inWindow));
  await sleep(500);
  return rate;
}

/** The machine's 1-minute load average at the start, to read the figures against. */
const loadBefore = loadavg()[0];
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
    `training step rate, ${SUBSCRIBERS} WebSocket subscribers (${TYPES ?? 'every event'}) + ${POLL_HZ} req/s (${POLL}): ${load.toFixed(1)} steps/s (median ratio ${ratio.toFixed(3)}, target >= 0.9)`,
  );
  console.log(
    `delivered ${messages} event messages (${(bytes / 1e6).toFixed(1)} MB, ${messagesPerS.toFixed(0)} msg/s across subscribers), ${requests} REST polls (${(requests / (WINDOW_S * ROUNDS)).toFixed(1)}/s of loaded time, set ${POLL_HZ}/s)`,
  );
  console.log(
    `subscribers kept up alike: in a window the slowest received at most ${(100 * subscriberGap).toFixed(1)} % fewer messages than the busiest; 'dropped' notices (a subscriber fell behind): ${droppedNotices}`,
  );
  console.log(
    `daemon CPU per training step: ${mean(cpuMsPerStep.unloaded).toFixed(1)} ms unloaded, ${mean(cpuMsPerStep.loaded).toFixed(1)} ms loaded (the API's share: the difference; ratio ${(mean(cpuMsPerStep.unloaded) / mean(cpuMsPerStep.loaded)).toFixed(3)}, the load's CPU cost free of how other processes share the cores)`,
  );
  console.log(
    `load generator (this process, niceness ${CLIENT_NICE}) CPU while loading: ${(100 * mean(clientCpu)).toFixed(0)} % of a core`,
  );
  console.log(`daemon peak RSS (VmHWM): ${peak.toFixed(1)} MiB (target <= 300)`);
  console.log(
    `machine load average (1 min): ${loadBefore.toFixed(2)} at the start, ${loadavg()[0].toFixed(2)} at the end, on ${cpus().length} cores`,
  );
  console.log(
    JSON.stringify({
      bench: 'api-load',
      step_rate_ratio: Number(ratio.toFixed(3)),
      peak_rss_mb: Number(peak.toFixed(1)),
    }),
  );
}
