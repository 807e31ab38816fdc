// Assembly of a bench of instruments. Every instrument is planned first (resource strings parsed,
// drivers constructed: any refused option is a located ConfigError and nothing has been opened),
// then all are opened, identified (*IDN?, or the Modbus module's identity register) and
// configured in parallel — any failure closes everything again and names the instrument, where
// its entry is in the file and why. The instruments' capabilities are composed by the wiring,
// calibrated, wrapped in the interlock and driven to the safe state.
import type { BenchCapabilities, CurrentSource, Identity, VoltageSource } from '../capabilities/index.ts';
import type { Finding, InstrumentBenchConfig } from '../config/index.ts';
import { configError, whereIs } from '../config/index.ts';
import { layoutNetwork } from '../network/description.ts';
import { ResourceStringError } from '../../drivers/transports/resource-string.ts';
import type { AssembledBench, AssembleOptions } from './assembled.ts';
import { guardedBench } from './guarded.ts';
import { composeCapabilities, type ChannelMap } from './compose.ts';
import { BenchAssemblyError, describe } from './errors.ts';
import { instrumentUses, planInstrument, type PlannedInstrument } from './instruments.ts';
import { referenceMeters } from './reference.ts';
import { benchStatus, instrumentRoles, type InstrumentStatus } from './status.ts';

export async function assembleInstruments(
  config: InstrumentBenchConfig,
  options: AssembleOptions,
): Promise<AssembledBench> {
  const { logger } = options;
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
    r.status === 'rejected'
      ? [{ instrument: planned[i].config.name, error: r.reason, at: whereIs(config, ['instruments', i]) }]
      : [],
  );
  if (failures.length > 0) {
    await closeAll();
    throw new BenchAssemblyError(failures);
  }
  const identities = connected.map((r) => (r as PromiseFulfilledResult<Identity>).value);
  const roles = instrumentRoles(config);
  let statuses: InstrumentStatus[] = planned.map((p, i) => ({
    name: p.config.name,
    kind: p.config.kind,
    roles: roles.get(p.config.name) ?? [],
    identity: identities[i],
    health: { ok: true, checkedAt: new Date() },
  }));
  logger?.info(
    { instruments: statuses.map((s) => ({ name: s.name, identity: s.identity })) },
    'bench instruments identified',
  );

  let guarded: Awaited<ReturnType<typeof guardedBench>>;
  try {
    guarded = await guardedBench(compose(config, planned), config, layout, options, identities);
  } catch (error) {
    await closeAll();
    throw error;
  }
  const { capabilities, calibration } = guarded;
  const name = config.name ?? 'instruments';
  const voltmeters = new Map(
    planned.flatMap((p, i) =>
      p.voltmeter === undefined
        ? []
        : [[p.config.name, { voltmeter: p.voltmeter, identity: identities[i] }] as const],
    ),
  );
  let closed = false;
  return {
    name,
    kind: 'instruments',
    config,
    layout,
    capabilities,
    get instruments() {
      return statuses;
    },
    calibration,
    ...(config.reference && { referenceMeters: referenceMeters(config.reference, voltmeters, capabilities) }),
    status: () => benchStatus(name, config, layout, capabilities, statuses, calibration),
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
    safeState: () => capabilities.safeState(),
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

function compose(config: InstrumentBenchConfig, planned: readonly PlannedInstrument[]): BenchCapabilities {
  const layout = layoutNetwork(config.network);
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
    inputLines: layout.inputLines,
    outputNodes: layout.outputNodes,
    inputs: merge<VoltageSource>(
      wiring.inputs,
      (k) => wiring.inputs[k].lines,
      (p) => p.voltageSource!,
    ),
    nudge: merge<CurrentSource>(
      wiring.nudge,
      (k) => wiring.nudge[k].nodes,
      (p) => p.currentSource!,
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
        const { rows, cols } = layout.arrays[entry.layer];
        return { ...entry, rows, cols, programmer: b.pulseProgrammer(), reader: b.conductanceReader() };
      }),
    safeStates: new Map(planned.map((p) => [p.config.name, () => p.safeState()])),
  });
}
