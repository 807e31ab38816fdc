// assembleBench: from a validated bench configuration to BenchCapabilities behind the safety
// interlock. `kind: sim` builds the in-process SimBoard. `kind: instruments` plans every
// instrument first (resource strings parsed, drivers constructed: any refused option is a
// located ConfigError and nothing has been opened), then opens, identifies and configures them
// all in parallel (any failure closes everything again), composes the capabilities from the
// wiring and drives the bench to its safe state before handing it out.
import type { Logger } from 'pino';
import type { BenchCapabilities, CurrentSource, Identity, VoltageSource } from '../capabilities/index.ts';
import type { BenchConfig, Finding, InstrumentBenchConfig, SimBenchConfig } from '../config/index.ts';
import { checkBenchConfig, configError, zodFindings } from '../config/index.ts';
import { layoutNetwork } from '../network/description.ts';
import { ResourceStringError } from '../../drivers/transports/resource-string.ts';
import { parseDeviceParams } from '../../sim/devices/index.ts';
import { SimBoard, simBoardConfigSchema, type SimBoardConfigInput } from '../../sim/board/index.ts';
import { composeCapabilities, type ChannelMap } from './compose.ts';
import { BenchAssemblyError, describe } from './errors.ts';
import { instrumentUses, planInstrument, type PlannedInstrument } from './instruments.ts';
import { expand, SafeBench } from './safe-bench.ts';

export interface InstrumentHealth {
  ok: boolean;
  checkedAt: Date;
  /** What the last check found wrong. */
  message?: string;
}

export interface InstrumentStatus {
  name: string;
  kind: string;
  identity: Identity;
  health: InstrumentHealth;
}

export interface AssembledBench {
  /** The bench behind the safety interlock: the only way to drive it. */
  readonly capabilities: SafeBench;
  /** Identity and health of each instrument as of the last check. */
  readonly instruments: readonly InstrumentStatus[];
  /** Asks every instrument for errors (or a register read-back) and updates `instruments`. */
  checkHealth(): Promise<readonly InstrumentStatus[]>;
  /** Safe state, then every link closed. Idempotent. */
  close(): Promise<void>;
}

export interface AssembleOptions {
  logger?: Logger;
}

export async function assembleBench(
  config: BenchConfig,
  options: AssembleOptions = {},
): Promise<AssembledBench> {
  const findings = checkBenchConfig(config);
  if (findings.length > 0) throw configError(config, findings);
  return config.kind === 'sim' ? assembleSim(config, options) : assembleInstruments(config, options);
}

function safeBench(inner: BenchCapabilities, config: BenchConfig, logger: Logger | undefined): SafeBench {
  return new SafeBench(inner, { limits: config.limits, ...config.safety, logger });
}

function assembleSim(config: SimBenchConfig, { logger }: AssembleOptions): AssembledBench {
  const input = simBoardConfig(config);
  let board: SimBoard;
  try {
    board = new SimBoard(input);
  } catch (error) {
    throw configError(config, [{ path: ['sim'], message: describe(error) }]);
  }
  const capabilities = safeBench(board, config, logger);
  const status: InstrumentStatus = {
    name: config.name ?? 'sim',
    kind: 'sim',
    identity: {
      vendor: 'nudged',
      model: 'SimBoard',
      serial: `seed ${board.config.seed}`,
      firmware: 'in-process',
    },
    health: { ok: true, checkedAt: new Date() },
  };
  return {
    capabilities,
    instruments: [status],
    checkHealth: async () => [{ ...status, health: { ok: true, checkedAt: new Date() } }],
    close: async () => capabilities.safeState(),
  };
}

/** The SimBoard configuration: the `sim` section with the bench's network and limits. */
export function simBoardConfig(config: SimBenchConfig): SimBoardConfigInput {
  const layout = layoutNetwork(config.network);
  const { limits } = config;
  const envelope = (ranges: readonly { min: number; max: number }[]) => ({
    min: Math.min(...ranges.map((r) => r.min)),
    max: Math.max(...ranges.map((r) => r.max)),
  });
  const input = {
    ...config.sim,
    network: config.network,
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
    .filter((key) => key in config.sim)
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

async function assembleInstruments(
  config: InstrumentBenchConfig,
  { logger }: AssembleOptions,
): Promise<AssembledBench> {
  const layout = layoutNetwork(config.network);
  const uses = instrumentUses(config);
  const planned: PlannedInstrument[] = [];
  const findings: Finding[] = [];
  for (const [i, instrument] of config.instruments.entries()) {
    try {
      planned.push(
        await planInstrument(instrument, { config, layout, use: uses.get(instrument.name)!, logger }),
      );
    } catch (error) {
      const path = error instanceof ResourceStringError ? ['instruments', i, 'resource'] : ['instruments', i];
      findings.push({ path, message: `${instrument.kind}: ${describe(error)}` });
    }
  }
  const closeAll = () => Promise.allSettled(planned.map((p) => p.close()));
  if (findings.length > 0) {
    await closeAll();
    throw configError(config, findings);
  }

  const connected = await Promise.allSettled(planned.map((p) => p.connect()));
  const failures = connected.flatMap((r, i) =>
    r.status === 'rejected' ? [{ instrument: planned[i].config.name, error: r.reason }] : [],
  );
  if (failures.length > 0) {
    await closeAll();
    throw new BenchAssemblyError(failures);
  }
  const identities = connected.map((r) => (r as PromiseFulfilledResult<Identity>).value);
  let statuses: InstrumentStatus[] = planned.map((p, i) => ({
    name: p.config.name,
    kind: p.config.kind,
    identity: identities[i],
    health: { ok: true, checkedAt: new Date() },
  }));
  logger?.info(
    { instruments: statuses.map((s) => ({ name: s.name, identity: s.identity })) },
    'bench instruments identified',
  );

  const capabilities = safeBench(
    compose(config, planned, layout.inputLines, layout.outputNodes),
    config,
    logger,
  );
  try {
    await capabilities.safeState();
  } catch (error) {
    await closeAll();
    throw new BenchAssemblyError([{ instrument: 'bench', error }]);
  }
  let closed = false;
  return {
    capabilities,
    get instruments() {
      return statuses;
    },
    checkHealth: async () => {
      const checks = await Promise.allSettled(planned.map((p) => p.checkHealth()));
      statuses = statuses.map((s, i) => {
        const r = checks[i];
        return {
          ...s,
          health: {
            ok: r.status === 'fulfilled',
            checkedAt: new Date(),
            ...(r.status === 'rejected' ? { message: describe(r.reason) } : {}),
          },
        };
      });
      return statuses;
    },
    close: async () => {
      if (closed) return;
      closed = true;
      try {
        await capabilities.safeState();
      } catch (error) {
        logger?.error({ err: error }, 'safe state failed while closing the bench');
      } finally {
        await closeAll();
      }
    },
  };
}

function compose(
  config: InstrumentBenchConfig,
  planned: readonly PlannedInstrument[],
  inputLines: number,
  outputNodes: number,
): BenchCapabilities {
  const byName = new Map(planned.map((p) => [p.config.name, p]));
  const merge = <S>(
    groups: readonly { instrument: string; channels: number[] }[],
    targets: (g: number) => number[],
    source: (p: PlannedInstrument) => S,
  ) => {
    const maps = new Map<string, ChannelMap<S>>();
    groups.forEach((g, k) => {
      const map = maps.get(g.instrument) ?? {
        instrument: g.instrument,
        source: source(byName.get(g.instrument)!),
        channels: [],
        targets: [],
      };
      maps.set(g.instrument, {
        ...map,
        channels: [...map.channels, ...g.channels],
        targets: [...map.targets, ...targets(k)],
      });
    });
    return [...maps.values()];
  };
  const { wiring } = config;
  const board = (p: PlannedInstrument) => p.board!;
  return composeCapabilities({
    inputLines,
    outputNodes,
    inputs: merge<VoltageSource>(
      wiring.inputs,
      (k) => wiring.inputs[k].lines,
      (p) => p.voltageSource ?? board(p).inputLines(),
    ),
    nudge: merge<CurrentSource>(
      wiring.nudge,
      (k) => wiring.nudge[k].nodes,
      (p) => p.currentSource ?? board(p).nudgeCurrents(),
    ),
    sampler: merge(
      [wiring.sampler],
      () => wiring.sampler.nodes,
      (p) => board(p).nodeSampler(),
    )[0],
    arrays: wiring.arrays
      .toSorted((a, b) => a.layer - b.layer)
      .map((entry) => {
        const b = board(byName.get(entry.instrument)!);
        const { rows, cols } = layoutNetwork(config.network).arrays[entry.layer];
        return { ...entry, rows, cols, programmer: b.pulseProgrammer(), reader: b.conductanceReader() };
      }),
    safeStates: new Map(planned.map((p) => [p.config.name, () => p.safeState()])),
  });
}
