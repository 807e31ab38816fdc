// What a bench reports about itself: per instrument its identity, roles and health; the network
// it is wired as; the levels the interlock allows; the calibration; a latched fault.
import type { Identity } from '../capabilities/index.ts';
import type { BenchConfig } from '../config/index.ts';
import type { NetworkLayout } from '../network/description.ts';
import type { CalibrationStatus } from './calibration.ts';
import { describe } from './errors.ts';
import type { SafeBench } from './safe-bench.ts';

export interface InstrumentHealth {
  ok: boolean;
  checkedAt: Date;
  /** What the last check found wrong. */
  message?: string;
}

export type InstrumentRole = 'inputs' | 'nudge' | 'sampler' | 'arrays' | 'reference' | 'bench';

export interface InstrumentStatus {
  name: string;
  kind: string;
  /** What the wiring uses the instrument for (`bench` for the in-process simulated board). */
  roles: InstrumentRole[];
  identity: Identity;
  health: InstrumentHealth;
}

export interface BenchStatus {
  name: string;
  kind: BenchConfig['kind'];
  network: {
    inputs: number;
    hidden: number[];
    outputs: number;
    inputLines: number;
    floatingNodes: number;
    outputNodes: number;
    arrays: { rows: number; cols: number }[];
  };
  /** Levels every channel may be driven to through the interlock. */
  inputRange_V: { min: number; max: number };
  nudgeRange_A: { min: number; max: number };
  instruments: InstrumentStatus[];
  calibration: CalibrationStatus;
  /** The latched fault, if any: every driving call is refused until it is cleared. */
  fault: { operation: string; message: string; at: Date; safeStateFailed: boolean } | null;
}

export function benchStatus(
  name: string,
  config: BenchConfig,
  layout: NetworkLayout,
  capabilities: SafeBench,
  instruments: readonly InstrumentStatus[],
  calibration: CalibrationStatus,
): BenchStatus {
  const fault = capabilities.fault;
  return {
    name,
    kind: config.kind,
    network: {
      inputs: layout.desc.inputs,
      hidden: [...layout.desc.hidden],
      outputs: layout.desc.outputs,
      inputLines: layout.inputLines,
      floatingNodes: layout.floatingNodes,
      outputNodes: layout.outputNodes,
      arrays: layout.arrays.map(({ rows, cols }) => ({ rows, cols })),
    },
    inputRange_V: { ...capabilities.inputs.range },
    nudgeRange_A: { ...capabilities.nudge.range },
    instruments: instruments.map((s) => ({ ...s, roles: [...s.roles], health: { ...s.health } })),
    calibration: { ...calibration },
    fault:
      fault === undefined
        ? null
        : {
            operation: fault.operation,
            message: describe(fault.error),
            at: fault.at,
            safeStateFailed: fault.safeStateError !== undefined,
          },
  };
}

/** The roles the wiring gives each instrument of an instrument bench. */
export function instrumentRoles(config: BenchConfig): Map<string, InstrumentRole[]> {
  const roles = new Map<string, InstrumentRole[]>();
  if (config.kind !== 'instruments') return roles;
  const add = (name: string, role: InstrumentRole) => {
    const list = roles.get(name) ?? [];
    if (!list.includes(role)) list.push(role);
    roles.set(name, list);
  };
  const { wiring } = config;
  wiring.inputs.forEach((g) => add(g.instrument, 'inputs'));
  wiring.nudge.forEach((g) => add(g.instrument, 'nudge'));
  add(wiring.sampler.instrument, 'sampler');
  wiring.arrays.forEach((a) => add(a.instrument, 'arrays'));
  config.reference?.meters.forEach((m) => add(m.instrument, 'reference'));
  return roles;
}
