// EqProp training throughput on the in-process simulated board: the digits network of the
// dataset preset (784 pixels and the preset's bias line, doubled; 100 hidden, 10 differential
// outputs → 20 nodes; about 159,000 devices), the centered estimator (thesis Eq. 2.10: free, +β and −β phases per
// sample), the preset's training configuration, the whole Trainer pipeline (rxjs phases, events,
// capability calls with timeouts, estimate, accumulation, programming per mini-batch).
//
// Per mode, after a warm-up, `repeats` blocks of `samples` training samples are timed; the median
// block gives ms per sample and the extrapolated time of an epoch of 8,000 samples (issue 4 §5),
// in wall-clock time and in process CPU time (the one-core figure on a shared machine).
// The stage breakdown (median block) charges the time between marks to the innermost running
// stage, from the board's capability calls and the pipeline's events; the stages add up to the
// total:
//   solve     DC operating points (LayeredCircuit: the input-array pass, Newton iterations) and
//             the slowest time constant
//   sampling  sample-and-hold and ADC conversions (sampleAndRead without its solve)
//   sources   DAC quantisation and limit checks of the input and nudge sources
//   estimate  the sample's estimate (release phase-ended → next event): the fused centered
//             estimate and accumulation (pulses mode), or keeping the ±β states (ideal mode)
//   update    programming arithmetic: mini-batch mean, sign-SGD plan, ideal step sizes
//   devices   pulses through the device models, or the ideal step on the conductances (which
//             forms the ideal mode's estimate inside its pass, sim/board/ideal-step.ts)
//   overhead  the rest: rxjs pipeline, events, promises, timeouts
// Usage: npm run bench -- train-throughput [--samples N] [--repeats R] [--warmup W]
//        [--pulses-samples N] [--batch B] [--modes ideal,pulses]
import { parseArgs } from 'node:util';
import { lastValueFrom, tap } from 'rxjs';
import type { BenchCapabilities } from '../src/capabilities/index.ts';
import { Trainer } from '../src/training/index.ts';
import type { TrainingConfigInput, TrainingEvent } from '../src/training/index.ts';
import { datasetPreset, presetBoard, presetDataset } from '../src/presets/datasets.ts';
import type { TrainingMode } from '../src/presets/datasets.ts';
import { Rng } from '../src/util/random.ts';
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

/** Exclusive stage accounting in wall-clock time (process CPU time costs microseconds per
 * query, so it is taken per block only): the time between two marks goes to the innermost
 * running stage (a stack of wrapped calls over a base stage that the pipeline's events switch),
 * so the stages partition the total. */
class StageClock {
  readonly wall = zeroTimes();
  base: Stage = 'overhead';
  private readonly stack: Stage[] = [];
  private last = performance.now();

  /** Charges the time since the last mark to the running stage. */
  mark(): void {
    const now = performance.now();
    const stage = this.stack.length > 0 ? this.stack[this.stack.length - 1] : this.base;
    this.wall[stage] += now - this.last;
    this.last = now;
  }

  wrap<A extends unknown[], R>(stage: Stage, f: (...a: A) => R): (...a: A) => R {
    return (...a: A): R => {
      this.mark();
      this.stack.push(stage);
      try {
        return f(...a);
      } finally {
        this.mark();
        this.stack.pop();
      }
    };
  }

  reset(): void {
    this.mark();
    Object.assign(this.wall, zeroTimes());
  }
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** The board's capabilities with their calls charged to stages (a solve inside a call counts as
 * solve). The capability methods run synchronously up to their returned Promise. */
function instrument(board: SimBoard, clock: StageClock): BenchCapabilities {
  const circuit = board.circuit;
  circuit.prepare = clock.wrap('solve', circuit.prepare.bind(circuit));
  circuit.solveDc = clock.wrap('solve', circuit.solveDc.bind(circuit));
  circuit.settle = clock.wrap('solve', circuit.settle.bind(circuit));
  circuit.slowestTimeConstant = clock.wrap('solve', circuit.slowestTimeConstant.bind(circuit));
  circuit.timeConstantBound = clock.wrap('solve', circuit.timeConstantBound.bind(circuit));
  const ideal = board.ideal;
  return {
    inputs: { ...board.inputs, setVoltages: clock.wrap('sources', board.inputs.setVoltages) },
    nudge: { ...board.nudge, setCurrents: clock.wrap('sources', board.nudge.setCurrents) },
    sampler: { ...board.sampler, sampleAndRead: clock.wrap('sampling', board.sampler.sampleAndRead) },
    programmer: { ...board.programmer, applyPulses: clock.wrap('devices', board.programmer.applyPulses) },
    reader: board.reader,
    timebase: board.timebase,
    ideal: {
      ...ideal,
      read: clock.wrap('devices', ideal.read),
      write: clock.wrap('devices', ideal.write),
      step: clock.wrap('devices', ideal.step),
    },
    safeState: () => board.safeState(),
  };
}

interface Block {
  wallMs: number;
  cpuMs: number;
  wall: Times;
  pulses: number;
  /** Newton iterations per DC solve over the block. */
  iterationsPerSolve: number;
}

interface ModeResult {
  mode: TrainingMode;
  batchSize: number;
  devices: string;
  samples: number;
  /** Blocks sorted by wall time; `median` is the middle one. */
  blocks: Block[];
  median: Block;
  transientIntegrations: number;
}

async function runMode(mode: TrainingMode, samples: number): Promise<ModeResult> {
  const preset = datasetPreset('digits');
  const data = presetDataset(preset, 0);
  const board = new SimBoard({ ...presetBoard(preset, mode, data), seed: 1 });
  const clock = new StageClock();
  const bench = instrument(board, clock);
  const config: TrainingConfigInput = {
    ...preset.training[mode],
    ...(args.batch === undefined ? {} : { batchSize: Number(args.batch) }),
    // Each timed block is one train$ call, which the trainer counts as one more epoch: without
    // this every block after the warm-up ran at the decay's end (3 % of η in pulses mode, so
    // about a hundredth of the pulses an epoch sends). The blocks run at the preset's initial η.
    epochs: 1,
    learningRateEndFactor: 1,
    shuffle: false,
    seed: 0,
  };
  const trainer = new Trainer(bench, board.layout, config);
  const { batchSize } = trainer.config;
  const n = Math.ceil(samples / batchSize) * batchSize;
  // The training set is stored class by class: the samples are taken in a seeded shuffled order,
  // as an epoch takes them (consecutive samples would make every early mini-batch one digit).
  const order = Array.from(data.train.x.keys());
  new Rng(0).shuffle(order);
  let next = 0;
  const take = (count: number) => {
    const picks = order.slice(next, next + count);
    next += count;
    return { x: picks.map((i) => data.train.x[i]), y: picks.map((i) => data.train.y[i]) };
  };

  // The base stage: the estimate runs from the release phase's end to the next event, the
  // programming arithmetic inside the program phase (its device calls and solves are charged to
  // those stages by the wrappers); everything else is pipeline overhead.
  const onEvent = (e: TrainingEvent) => {
    clock.mark();
    clock.base = 'overhead';
    if (e.type === 'phase-ended' && e.phase === 'release') clock.base = 'estimate';
    if (e.type === 'phase-started' && e.phase === 'program') clock.base = 'update';
  };
  const run = async (count: number) => {
    await lastValueFrom(trainer.train$(take(count)).pipe(tap(onEvent)), { defaultValue: null });
    clock.mark();
    clock.base = 'overhead';
  };

  await run(Math.ceil(warmup / batchSize) * batchSize);
  const blocks: Block[] = [];
  for (let r = 0; r < repeats; r++) {
    const pulses0 = board.statistics.pulsesApplied;
    const solves0 = board.statistics.dcSolves;
    const iterations0 = board.statistics.newtonIterations;
    clock.reset();
    const w0 = performance.now();
    const c0 = cpuMs();
    await run(n);
    blocks.push({
      wallMs: performance.now() - w0,
      cpuMs: cpuMs() - c0,
      wall: { ...clock.wall },
      pulses: board.statistics.pulsesApplied - pulses0,
      iterationsPerSolve:
        (board.statistics.newtonIterations - iterations0) / Math.max(1, board.statistics.dcSolves - solves0),
    });
  }
  blocks.sort((a, b) => a.wallMs - b.wallMs);
  return {
    mode,
    batchSize,
    devices: preset.devices[mode],
    samples: n,
    blocks,
    median: blocks[Math.floor(blocks.length / 2)],
    transientIntegrations: board.statistics.transientIntegrations,
  };
}

const perEpoch = (msPerSample: number) => (msPerSample * EPOCH_SAMPLES) / 1000;

const modes = args.modes.split(',') as TrainingMode[];
const results: ModeResult[] = [];
for (const mode of modes) {
  const r = await runMode(mode, Number(mode === 'pulses' ? args['pulses-samples'] : args.samples));
  results.push(r);
  const { median: m, samples: n } = r;
  const wall = m.wallMs / n;
  const cpu = m.cpuMs / n;
  console.log(
    `${mode} (devices ${r.devices}, batch ${r.batchSize}, ${n} samples × ${repeats}): ` +
      `${wall.toFixed(3)} ms/sample wall (blocks: ${r.blocks.map((b) => (b.wallMs / n).toFixed(3)).join(', ')}), ` +
      `${cpu.toFixed(3)} ms/sample process CPU; ${perEpoch(wall).toFixed(1)} s per epoch of ${EPOCH_SAMPLES} ` +
      `(${perEpoch(cpu).toFixed(1)} s CPU)` +
      `, ${m.iterationsPerSolve.toFixed(2)} Newton iterations/solve` +
      (mode === 'pulses' ? `, ${(m.pulses / n).toFixed(0)} pulses/sample` : '') +
      (r.transientIntegrations > 0 ? `, ${r.transientIntegrations} transient integrations` : ''),
  );
  for (const s of STAGES) {
    const w = m.wall[s] / n;
    console.log(
      `  ${s.padEnd(9)} ${w.toFixed(3).padStart(8)} ms/sample ${((100 * w) / wall).toFixed(1).padStart(5)} %`,
    );
  }
}

// Wall-clock figures (the measure); `cpu_*` are the process's CPU time per sample, the
// one-core figure when the machine is shared.
const summary: Record<string, number | string> = { bench: 'train-throughput' };
for (const r of results) {
  const wall = r.median.wallMs / r.samples;
  const cpu = r.median.cpuMs / r.samples;
  const suffix = r.mode === 'ideal' ? '' : `_${r.mode}`;
  summary[`samples_per_s${suffix}`] = Number((1000 / wall).toFixed(1));
  summary[`s_per_epoch${suffix}`] = Number(perEpoch(wall).toFixed(2));
  summary[`cpu_s_per_epoch${suffix}`] = Number(perEpoch(cpu).toFixed(2));
  summary[`newton_iterations_per_solve${suffix}`] = Number(r.median.iterationsPerSolve.toFixed(2));
  if (r.mode === 'pulses') summary.pulses_per_sample = Math.round(r.median.pulses / r.samples);
}
console.log(JSON.stringify(summary));
