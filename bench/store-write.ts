// Store write throughput on a temporary database, for both durability settings:
// - metric rows/s (upserts, 100 per transaction) and events/s (100 per transaction);
// - step commits/s: one pulse intent, then completion + metric + event in one transaction, as the
//   training loop does (two commits per step: the per-commit fsync cost under `full`);
// - conductance snapshot write MB/s (raw bytes, deflate included) for the digits network size
//   (158,800 devices, Float32), and the compression ratio;
// - the run read a GET /api/runs/:id poll makes, ms: 1000 evenly spaced steps of the `rows`
//   written, and only the 10 newest (?sinceStep=) — both by primary key, so `rows` barely moves them.
// Usage: npm run bench -- store-write [rows]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store, type Durability } from '../src/daemon/store/index.ts';
import { Rng } from '../src/util/random.ts';

const ROWS = Number(process.argv[2] ?? 20_000);
const BATCH = 100;
const STEPS = 300;
const SNAPSHOTS = 40;
const DEVICES = 158_800;

const dir = mkdtempSync(join(tmpdir(), 'nudged-bench-store-'));

function rate(count: number, fn: () => void): number {
  const t0 = performance.now();
  fn();
  return count / ((performance.now() - t0) / 1000);
}

function measure(durability: Durability) {
  const store = Store.open(join(dir, `${durability}.db`), { durability });
  const run = store.runs.start({ kind: 'train', config: {}, versions: {}, bench: { kind: 'bench' } }).uid;
  store.runs.declareDescriptor(run, {
    name: 'step',
    dataKeys: { loss: { dtype: 'number', shape: [] }, v: { dtype: 'array', shape: [20], units: 'V' } },
  });
  const v = Array.from({ length: 20 }, (_, i) => i / 20);

  const metricRowsPerS = rate(ROWS, () => {
    for (let b = 0; b < ROWS; b += BATCH) {
      store.transaction(() => {
        for (let step = b; step < b + BATCH; step++) {
          store.metrics.upsertStep(run, {
            step,
            epoch: 0,
            loss: 1 / (step + 1),
            accuracy: 0.5,
            pulses: step % 97,
            phaseMs: { free: 1.2, nudge_plus: 1.4, nudge_minus: 1.3, program: 0.8 },
          });
        }
      });
    }
  });
  // What GET /api/runs/:id reads: 1000 evenly spaced steps, or only the 10 newest.
  const POLLS = 50;
  const pollMs = (afterStep: number) =>
    1000 /
    rate(POLLS, () => {
      for (let i = 0; i < POLLS; i++) store.metrics.stepsDecimated(run, 1000, afterStep);
    });
  const decimatedPollMs = pollMs(-1);
  const incrementalPollMs = pollMs(ROWS - 11);
  const eventsPerS = rate(ROWS, () => {
    for (let b = 0; b < ROWS; b += BATCH) {
      store.transaction(() => {
        for (let i = 0; i < BATCH; i++)
          store.runs.appendEvent(run, { descriptor: 'step', data: { loss: i, v } });
      });
    }
  });
  const batch = new Uint8Array(DEVICES / 8);
  const stepCommitsPerS = rate(STEPS, () => {
    for (let i = 0; i < STEPS; i++) {
      const step = ROWS + i;
      const id = store.pulseLog.recordPulseIntent(run, step, `d${step}`, batch);
      store.transaction(() => {
        store.pulseLog.recordPulseCompletion(id, 0);
        store.metrics.upsertStep(run, { step, epoch: 1, loss: 0.1, pulses: 0, phaseMs: { free: 1 } });
        store.runs.appendEvent(run, { descriptor: 'step', data: { loss: 0.1, v } });
      });
    }
  });
  const rng = new Rng(3);
  const g = Float32Array.from({ length: DEVICES }, () => rng.range(1e-6, 1e-4));
  const snapshotMBPerS =
    rate(SNAPSHOTS, () => {
      for (let i = 0; i < SNAPSHOTS; i++) store.snapshots.write(run, { array: 'all', step: i, values: g });
    }) *
    (g.byteLength / 1e6);
  const [meta] = store.snapshots.list(run);
  store.close();
  return {
    metric_rows_per_s: Math.round(metricRowsPerS),
    decimated_poll_ms: Number(decimatedPollMs.toFixed(3)),
    incremental_poll_ms: Number(incrementalPollMs.toFixed(3)),
    events_per_s: Math.round(eventsPerS),
    step_commits_per_s: Math.round(stepCommitsPerS),
    snapshot_mb_per_s: Number(snapshotMBPerS.toFixed(1)),
    snapshot_compression: Number((meta.storedBytes / meta.rawBytes).toFixed(3)),
  };
}

try {
  const results = { full: measure('full'), normal: measure('normal') };
  for (const [mode, r] of Object.entries(results)) {
    console.log(
      `${mode.padEnd(6)} metrics ${r.metric_rows_per_s} rows/s, events ${r.events_per_s}/s (${BATCH} per transaction); ` +
        `steps (intent + commit) ${r.step_commits_per_s}/s; snapshots ${r.snapshot_mb_per_s} MB/s ` +
        `; run read of ${ROWS} steps: 1000 decimated ${r.decimated_poll_ms} ms, 10 newest ${r.incremental_poll_ms} ms ` +
        `(${DEVICES} float32, stored at ${(100 * r.snapshot_compression).toFixed(1)} % of raw)`,
    );
  }
  console.log(JSON.stringify({ bench: 'store-write', rows: ROWS, ...results }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
