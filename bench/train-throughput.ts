// EqProp training throughput on the in-process simulated board: the digits network of the
// dataset preset (784 features → 1568 doubled input lines, 100 hidden, 10 differential outputs →
// 20 nodes; 158,800 devices), the centered estimator (thesis Eq. 2.10: free, +β and −β phases per
// sample), the preset's training configuration, the whole Trainer pipeline (rxjs phases, events,
// capability calls with timeouts, estimate, accumulation, programming per mini-batch).
//
// Per mode, after a warm-up, `repeats` blocks of `samples` training samples are timed; the median
// block gives ms per sample and the extrapolated time of an epoch of 8,000 samples (issue 4 §5).
// The stage breakdown (median block) comes from timing the board's capability calls and the
// pipeline's events in wall-clock time:
//   solve     DC operating points (LayeredCircuit.solveDc: input-array pass, Newton iterations)
//   sampling  sample-and-hold and ADC conversions (sampleAndRead without its solve)
//   sources   DAC quantisation and limit checks of the input and nudge sources
//   estimate  voltage drops, centered estimate, accumulation (release phase-ended → next event)
//   update    programming arithmetic: mini-batch mean, sign-SGD plan or ideal step
//   devices   pulses through the device models, or the ideal conductance write
//   overhead  the rest: rxjs pipeline, events, promises, timeouts
// Usage: npm run bench -- train-throughput [--samples N] [--repeats R] [--warmup W]
//        [--pulses-samples N] [--batch B] [--modes ideal,pulses]
import { parseArgs } from 'node:util';
import { lastValueFrom, tap } from 'rxjs';
import type { BenchCapabilities } from '../src/capabilities/index.ts';
import { Trainer } from '../src/training/index.ts';
import type { TrainingConfigInput, TrainingEvent } from '../src/training/index.ts';
import { datasetPreset, presetDataset, presetNetwork } from '../src/presets/datasets.ts';
import type { TrainingMode } from '../src/presets/datasets.ts';
import { SimBoard } from '../sim/board/index.ts';

const { values: args } = parseArgs({
  options: {
    samples: { type: 'string', default: '400' },
    'pulses-samples': { type: 'string', default: '150' },
    repeats: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '60' },
    batch: { type: 'string' },
    modes: { type: 'string', default: 'ideal,pulses' },
  },
});
const EPOCH_SAMPLES = 8000;
const repeats = Number(args.repeats);
const warmup = Number(args.warmup);

const STAGES = ['solve', 'sampling', 'sources', 'estimate', 'update', 'devices', 'overhead'] as const;
type Stage = (typeof STAGES)[number];
type Times = Record<Stage, number>;
const zeroTimes = (): Times => ({
  solve: 0,
  sampling: 0,
  sources: 0,
  estimate: 0,
  update: 0,
  devices: 0,
  overhead: 0,
});

/** The board's capabilities with wall-clock timing; a solve inside a call counts as solve only. */
function instrument(board: SimBoard, times: Times): BenchCapabilities {
  const circuit = board.circuit;
  const solveDc = circuit.solveDc.bind(circuit);
  const settle = circuit.settle.bind(circuit);
  let inSolve = 0;
  const clocked = <A extends unknown[], R>(f: (...a: A) => R, add: (ms: number) => void) => {
    return (...a: A): R => {
      const solveBefore = inSolve;
      const t0 = performance.now();
      const r = f(...a);
      add(performance.now() - t0 - (inSolve - solveBefore));
      return r;
    };
  };
  circuit.solveDc = clocked(solveDc, (ms) => {
    times.solve += ms;
    inSolve += ms;
  });
  circuit.settle = clocked(settle, (ms) => {
    times.solve += ms;
    inSolve += ms;
  });
  const sync =
    <A extends unknown[], R>(stage: Stage, f: (...a: A) => Promise<R>) =>
    (...a: A): Promise<R> => {
      let out!: Promise<R>;
      clocked(
        () => (out = f(...a)),
        (ms) => (times[stage] += ms),
      )();
      return out;
    };
  const ideal = board.ideal;
  return {
    inputs: { ...board.inputs, setVoltages: sync('sources', board.inputs.setVoltages) },
    nudge: { ...board.nudge, setCurrents: sync('sources', board.nudge.setCurrents) },
    sampler: { ...board.sampler, sampleAndRead: sync('sampling', board.sampler.sampleAndRead) },
    programmer: { ...board.programmer, applyPulses: sync('devices', board.programmer.applyPulses) },
    reader: board.reader,
    timebase: board.timebase,
    ideal: {
      ...ideal,
      read: clocked(ideal.read, (ms) => (times.devices += ms)),
      write: clocked(ideal.write, (ms) => (times.devices += ms)),
    },
    safeState: () => board.safeState(),
  };
}

interface ModeResult {
  mode: TrainingMode;
  batchSize: number;
  devices: string;
  msPerSample: number[];
  breakdown: Times;
  pulsesPerSample: number;
  transientIntegrations: number;
}

async function runMode(mode: TrainingMode, samples: number): Promise<ModeResult> {
  const preset = datasetPreset('digits');
  const data = presetDataset(preset, 0);
  const board = new SimBoard({
    network: presetNetwork(preset, data),
    devices: preset.devices[mode],
    seed: 1,
  });
  const times = zeroTimes();
  const bench = instrument(board, times);
  const config: TrainingConfigInput = {
    ...preset.training[mode],
    ...(args.batch === undefined ? {} : { batchSize: Number(args.batch) }),
    epochs: 1,
    shuffle: false,
    seed: 0,
  };
  const trainer = new Trainer(bench, board.layout, config);
  const { batchSize } = trainer.config;
  const n = Math.ceil(samples / batchSize) * batchSize;
  let next = 0;
  const take = (count: number) => {
    const x = data.train.x.slice(next, next + count);
    const y = data.train.y.slice(next, next + count);
    next += count;
    return { x, y };
  };

  // The programming phase's time without its device calls and solves (counted under those).
  let programStart = 0;
  let devicesAt = 0;
  let solveAt = 0;
  let releaseEnd = -1;
  const onEvent = (e: TrainingEvent) => {
    const now = performance.now();
    if (releaseEnd >= 0) {
      times.estimate += now - releaseEnd;
      releaseEnd = -1;
    }
    if (e.type === 'phase-started' && e.phase === 'program') {
      programStart = now;
      devicesAt = times.devices;
      solveAt = times.solve;
    }
    if (e.type === 'phase-ended' && e.phase === 'program') {
      times.update += now - programStart - (times.devices - devicesAt) - (times.solve - solveAt);
    }
    if (e.type === 'phase-ended' && e.phase === 'release') releaseEnd = now;
  };
  const run = async (count: number) => {
    releaseEnd = -1;
    await lastValueFrom(trainer.train$(take(count)).pipe(tap(onEvent)), { defaultValue: null });
  };

  await run(Math.ceil(warmup / batchSize) * batchSize);
  const blocks: { ms: number; times: Times; pulses: number }[] = [];
  for (let r = 0; r < repeats; r++) {
    Object.assign(times, zeroTimes());
    const pulses0 = board.statistics.pulsesApplied;
    const t0 = performance.now();
    await run(n);
    const total = performance.now() - t0;
    const t = { ...times };
    t.overhead = total - STAGES.filter((s) => s !== 'overhead').reduce((a, s) => a + t[s], 0);
    blocks.push({ ms: total, times: t, pulses: board.statistics.pulsesApplied - pulses0 });
  }
  blocks.sort((a, b) => a.ms - b.ms);
  const median = blocks[Math.floor(blocks.length / 2)];
  const breakdown = zeroTimes();
  for (const s of STAGES) breakdown[s] = median.times[s] / n;
  return {
    mode,
    batchSize,
    devices: preset.devices[mode],
    msPerSample: blocks.map((b) => b.ms / n),
    breakdown,
    pulsesPerSample: median.pulses / n,
    transientIntegrations: board.statistics.transientIntegrations,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const modes = args.modes.split(',') as TrainingMode[];
const results: ModeResult[] = [];
for (const mode of modes) {
  const samples = Number(mode === 'pulses' ? args['pulses-samples'] : args.samples);
  const r = await runMode(mode, samples);
  results.push(r);
  const ms = median(r.msPerSample);
  console.log(
    `${mode} (devices ${r.devices}, batch ${r.batchSize}): ${ms.toFixed(3)} ms/sample ` +
      `(blocks: ${r.msPerSample.map((x) => x.toFixed(3)).join(', ')}), ` +
      `${((ms * EPOCH_SAMPLES) / 1000).toFixed(1)} s per epoch of ${EPOCH_SAMPLES}` +
      (mode === 'pulses' ? `, ${r.pulsesPerSample.toFixed(0)} pulses/sample` : '') +
      (r.transientIntegrations > 0 ? `, ${r.transientIntegrations} transient integrations` : ''),
  );
  for (const s of STAGES) {
    const v = r.breakdown[s];
    console.log(
      `  ${s.padEnd(9)} ${v.toFixed(3).padStart(8)} ms/sample  ${((100 * v) / ms).toFixed(1).padStart(5)} %`,
    );
  }
}

const summary: Record<string, number | string> = { bench: 'train-throughput' };
const ideal = results.find((r) => r.mode === 'ideal');
if (ideal) {
  const ms = median(ideal.msPerSample);
  summary.samples_per_s = Number((1000 / ms).toFixed(1));
  summary.s_per_epoch = Number(((ms * EPOCH_SAMPLES) / 1000).toFixed(2));
}
const pulses = results.find((r) => r.mode === 'pulses');
if (pulses) {
  const ms = median(pulses.msPerSample);
  summary.samples_per_s_pulses = Number((1000 / ms).toFixed(1));
  summary.s_per_epoch_pulses = Number(((ms * EPOCH_SAMPLES) / 1000).toFixed(2));
  summary.pulses_per_sample = Math.round(pulses.pulsesPerSample);
}
console.log(JSON.stringify(summary));
