// The bench as the daemon holds it: the capabilities the jobs drive, the network they are wired as,
// what the status endpoint reports, and — on the simulated board — the device state the crash-safe
// resume saves with every step and restores on resume.
import { fileURLToPath } from 'node:url';
import type { BenchCapabilities, Identity } from '../capabilities/index.ts';
import { loadBenchConfig } from '../config/index.ts';
import type { BenchConfig, LevelRange, SimBenchConfig } from '../config/index.ts';
import type { NetworkLayout } from '../network/description.ts';
import { SimBoard } from '../../sim/board/index.ts';
import type { SimBoardConfigInput } from '../../sim/board/index.ts';
import { decodeDeviceState, encodeDeviceState } from './sim-state.ts';

export interface InstrumentStatus {
  name: string;
  role: string;
  kind: string;
  identity: Identity;
  healthy: boolean;
}

export interface BenchStatus {
  name: string;
  kind: 'sim' | 'instruments';
  network: {
    inputs: number;
    hidden: number[];
    outputs: number;
    inputLines: number;
    floatingNodes: number;
    arrays: { rows: number; cols: number }[];
  };
  inputRange_V: { min: number; max: number };
  instruments: InstrumentStatus[];
}

export interface DaemonBench {
  readonly name: string;
  readonly kind: 'sim' | 'instruments';
  readonly capabilities: BenchCapabilities;
  readonly layout: NetworkLayout;
  /** Input-line voltages every channel may be driven to, V (datasets are scaled inside it). */
  readonly inputRange_V: { min: number; max: number };
  /** Full mutable device state (simulated board only): saved with each step, restored on resume. */
  readonly deviceState?: { save(): Uint8Array; restore(state: Uint8Array): void };
  status(): BenchStatus;
}

/** The built-in simulated bench (`examples/sim-bench.yaml`). */
export const DEFAULT_BENCH_FILE = fileURLToPath(new URL('../../examples/sim-bench.yaml', import.meta.url));

/** Loads a bench configuration file and opens the bench it describes. */
export async function openBench(file: string = DEFAULT_BENCH_FILE): Promise<DaemonBench> {
  return benchFromConfig(await loadBenchConfig(file));
}

export function benchFromConfig(config: BenchConfig): DaemonBench {
  if (config.kind !== 'sim') {
    throw new Error(
      `bench ${config.name ?? ''}: instrument benches are assembled by src/bench, which this daemon build does not include yet`,
    );
  }
  return simBenchFromConfig(config);
}

/** One range that every channel satisfies: the intersection of per-channel ranges. */
function envelope(range: LevelRange | LevelRange[]): { min: number; max: number } {
  const list = Array.isArray(range) ? range : [range];
  return { min: Math.max(...list.map((r) => r.min)), max: Math.min(...list.map((r) => r.max)) };
}

export function simBenchFromConfig(config: SimBenchConfig): DaemonBench {
  const { limits } = config;
  const board: SimBoardConfigInput = {
    ...(config.sim as Omit<SimBoardConfigInput, 'network' | 'limits'>),
    network: config.network,
    limits: {
      inputVoltage_V: envelope(limits.inputVoltage_V),
      nudgeCurrent_A: envelope(limits.nudgeCurrent_A),
      pulseAmplitude_V: { min: 0, max: limits.pulse.amplitude_V },
      pulseWidth_s: { ...limits.pulse.width_s },
      pulseCount: { min: 1, max: limits.pulse.count },
      readVoltage_V: { min: 0, max: limits.readVoltage_V },
    },
  };
  return simBench(new SimBoard(board), config.name ?? 'sim');
}

/** Wraps a SimBoard built in code (tests, the demo). */
export function simBench(sim: SimBoard, name = 'sim'): DaemonBench {
  const layout = sim.layout;
  const identity: Identity = {
    vendor: 'nudged',
    model: 'SimBoard',
    serial: `seed-${sim.config.seed}`,
    firmware: 'in-process',
  };
  return {
    name,
    kind: 'sim',
    capabilities: sim,
    layout,
    inputRange_V: { ...sim.inputs.range },
    deviceState: {
      save: () => encodeDeviceState(sim.devices.snapshot()),
      restore: (bytes) => {
        const state = decodeDeviceState(bytes);
        // ideal.write tells the circuit its conductances changed; restore then puts back the rest
        // of the device state (programming history, clocks, noise generators) exactly.
        sim.ideal.write(state.g_S);
        sim.devices.restore(state);
      },
    },
    status: () => ({
      name,
      kind: 'sim',
      network: {
        inputs: layout.desc.inputs,
        hidden: [...layout.desc.hidden],
        outputs: layout.desc.outputs,
        inputLines: layout.inputLines,
        floatingNodes: layout.floatingNodes,
        arrays: layout.arrays.map((a) => ({ ...a })),
      },
      inputRange_V: { ...sim.inputs.range },
      instruments: [{ name: 'sim-board', role: 'bench', kind: 'sim', identity, healthy: true }],
    }),
  };
}
