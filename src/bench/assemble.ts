// The bench layer's entry points: openBenchFromFile(path) and assembleBench(config). `kind: sim`
// builds the in-process SimBoard; `kind: instruments` connects, identifies and configures every
// instrument and composes them by the wiring (assemble-instruments.ts). Either way the configured
// calibration is applied through the caller's hook and the result is wrapped in the SafeBench
// interlock — every bench, the simulated one included — and driven to its safe state before it
// is handed out.
import { fileURLToPath } from 'node:url';
import type { BenchConfig, Finding, SimBenchConfig } from '../config/index.ts';
import { checkBenchConfig, configError, loadBenchConfig, zodFindings } from '../config/index.ts';
import { layoutNetwork } from '../network/description.ts';
import type { TwinConfig } from '../../calibration/index.ts';
import { parseDeviceParams } from '../../sim/devices/index.ts';
import { SimBoard, simBoardConfigSchema, type SimBoardConfigInput } from '../../sim/board/index.ts';
import { assembleInstruments } from './assemble-instruments.ts';
import type { AssembledBench, AssembleOptions } from './assembled.ts';
import { describe } from './errors.ts';
import { guardedBench } from './guarded.ts';
import { twinOf } from './twin.ts';
import { expand } from './safe-bench.ts';
import { benchStatus, type InstrumentStatus } from './status.ts';

/** The built-in simulated bench, the daemon's default. */
export const DEFAULT_BENCH_FILE = fileURLToPath(new URL('../../examples/sim-bench.yaml', import.meta.url));

/** Loads, validates and assembles the bench file at `path` (ConfigError: nothing was opened). */
export async function openBenchFromFile(
  path: string = DEFAULT_BENCH_FILE,
  options: AssembleOptions = {},
): Promise<AssembledBench> {
  return assembleBench(await loadBenchConfig(path), options);
}

export async function assembleBench(
  config: BenchConfig,
  options: AssembleOptions = {},
): Promise<AssembledBench> {
  const findings = checkBenchConfig(config);
  if (findings.length > 0) throw configError(config, findings);
  return config.kind === 'sim' ? assembleSim(config, options) : assembleInstruments(config, options);
}

async function assembleSim(config: SimBenchConfig, options: AssembleOptions): Promise<AssembledBench> {
  let twin: TwinConfig | undefined;
  try {
    twin = await twinOf(config, options.storedCalibration);
  } catch (error) {
    throw configError(config, [{ path: ['sim', 'fromCalibration'], message: describe(error) }]);
  }
  const input = simBoardConfig(config, twin);
  let board: SimBoard;
  try {
    board = new SimBoard(input);
  } catch (error) {
    throw configError(config, [{ path: ['sim'], message: describe(error) }]);
  }
  const identity = {
    vendor: 'nudged',
    model: 'SimBoard',
    serial: `seed ${board.config.seed}`,
    firmware: 'in-process',
  };
  const { capabilities, calibration } = await guardedBench(board, config, board.layout, options, [identity]);
  const name = config.name ?? 'sim';
  let status: InstrumentStatus = {
    name: 'sim-board',
    kind: 'sim',
    roles: ['bench'],
    identity,
    health: { ok: true, checkedAt: new Date() },
  };
  return {
    name,
    kind: 'sim',
    config,
    layout: board.layout,
    capabilities,
    get instruments() {
      return [status];
    },
    calibration,
    deviceState: {
      snapshot: () => {
        const velocity = board.idealVelocity();
        return {
          ...board.devices.snapshot(),
          readoutRngState: board.readoutRngState(),
          ...(velocity === undefined ? {} : { idealVelocity_S: velocity }),
        };
      },
      restore: (state) => {
        // ideal.write tells the circuit its conductances changed (and zeroes the momentum
        // velocity); restore then puts back the rest of the device state (programming history,
        // clocks, noise generators) exactly, and the velocity when the state has one.
        board.ideal.write(state.g_S);
        board.devices.restore(state);
        if (state.readoutRngState !== undefined) board.restoreReadoutRng(state.readoutRngState);
        board.restoreIdealVelocity(state.idealVelocity_S);
      },
    },
    trueVoltages: {
      inputLines: () => board.appliedInputs(),
      nodes: () => board.trueNodeVoltages(),
    },
    status: () => benchStatus(name, config, board.layout, capabilities, [status], calibration),
    checkHealth: async () => {
      const fault = capabilities.fault;
      status = {
        ...status,
        health: {
          ok: fault === undefined,
          checkedAt: new Date(),
          ...(fault === undefined ? {} : { message: describe(fault.error) }),
        },
      };
      return [status];
    },
    safeState: () => capabilities.safeState(),
    close: () => capabilities.safeState(),
  };
}

/** The SimBoard configuration: the `sim` section with the bench's network and limits; with a
 * digital `twin` (twin.ts), its fitted parameters in place of the section's own. */
export function simBoardConfig(config: SimBenchConfig, twin?: TwinConfig): SimBoardConfigInput {
  const layout = layoutNetwork(config.network);
  const { limits } = config;
  const { fromCalibration: _twinSource, ...own } = config.sim;
  const envelope = (ranges: readonly { min: number; max: number }[]) => ({
    min: Math.min(...ranges.map((r) => r.min)),
    max: Math.max(...ranges.map((r) => r.max)),
  });
  const input = {
    ...own,
    ...twin,
    network: twin?.network ?? config.network,
    limits: {
      inputVoltage_V: envelope(expand(limits.inputVoltage_V, layout.inputLines)),
      nudgeCurrent_A: envelope(expand(limits.nudgeCurrent_A, layout.outputNodes)),
      pulseAmplitude_V: { min: 0, max: limits.pulse.amplitude_V },
      pulseWidth_s: limits.pulse.width_s,
      pulseCount: { min: 1, max: limits.pulse.count },
      readVoltage_V: { min: 0, max: limits.readVoltage_V },
    },
  };
  const findings: Finding[] = (['network', 'limits'] as const)
    .filter((key) => key in own)
    .map((key) => ({
      path: ['sim', key],
      message: `set the ${key} at the top level of the file`,
      atKey: true,
    }));
  const parsed = simBoardConfigSchema.safeParse(input);
  if (!parsed.success) {
    findings.push(
      ...zodFindings(parsed.error, input, (path) =>
        path[0] === 'network' || path[0] === 'limits' ? path : ['sim', ...path],
      ),
    );
  } else {
    try {
      parseDeviceParams(parsed.data.devices as Parameters<typeof parseDeviceParams>[0]);
    } catch (error) {
      findings.push({ path: ['sim', 'devices'], message: describe(error) });
    }
  }
  if (findings.length > 0) throw configError(config, findings);
  return input;
}
