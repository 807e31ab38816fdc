// The reference voltmeters of an instrument bench (the `reference` section of its configuration):
// SMU channels sourcing 0 A, each connected by a fixture to one input line or floating node, that
// the DAC and read-out calibrations read as their reference (calibration/meter.ts). A reading is
// refused while the bench's interlock holds a latched fault, so a faulted bench is not driven by
// its meters either; the reference SMUs are among the instruments the safe state turns off. An
// entry with `mode: source` is a reference source on a node's read-out input (reference-source.ts):
// its meter carries `source`, whose levels are refused the same way while a fault is latched.
import type { Identity } from '../capabilities/index.ts';
import type { MeterAttachment, VoltageMeter } from '../../calibration/index.ts';
import type { ReferenceConfig } from '../config/index.ts';
import { BenchFaultedError } from './errors.ts';
import type { Voltmeter } from './instruments.ts';
import type { SafeBench } from './safe-bench.ts';

export interface ReferenceMeters {
  /** Every line and node the bench has a meter on. */
  readonly attachments: readonly MeterAttachment[];
  /** The meters at `wanted`, in that order; RangeError naming the first one the bench has no
   * meter on (nothing is measured by this call). */
  meters(wanted: readonly MeterAttachment[]): VoltageMeter[];
}

interface Placed {
  attachedTo: MeterAttachment;
  instrument: string;
  channel: number;
  mode: 'measure' | 'source';
}

export function referenceMeters(
  reference: ReferenceConfig,
  instruments: ReadonlyMap<string, { voltmeter: Voltmeter; identity: Identity }>,
  bench: SafeBench,
): ReferenceMeters {
  const placed: Placed[] = reference.meters.map((m) => ({
    attachedTo: m.line !== undefined ? { kind: 'input-line', line: m.line } : { kind: 'node', node: m.node! },
    instrument: m.instrument,
    channel: m.channel,
    mode: m.mode,
  }));
  const same = (a: MeterAttachment, b: MeterAttachment) =>
    a.kind === 'input-line'
      ? b.kind === 'input-line' && a.line === b.line
      : b.kind === 'node' && a.node === b.node;
  return {
    attachments: placed.map((p) => p.attachedTo),
    meters: (wanted) =>
      wanted.map((attachedTo) => {
        const p = placed.find((x) => same(x.attachedTo, attachedTo));
        if (p === undefined) {
          const where =
            attachedTo.kind === 'input-line' ? `input line ${attachedTo.line}` : `node ${attachedTo.node}`;
          throw new RangeError(
            `${where} has no reference meter (the bench configuration's reference.meters)`,
          );
        }
        const { voltmeter, identity } = instruments.get(p.instrument)!;
        const unfaulted = <T>(action: () => Promise<T>): Promise<T> => {
          const fault = bench.fault;
          return fault !== undefined ? Promise.reject(new BenchFaultedError(fault)) : action();
        };
        const driver = p.mode === 'source' ? voltmeter.source : undefined;
        return {
          attachedTo,
          identity,
          measureVoltage: () => unfaulted(() => voltmeter.measureVoltage(p.channel)),
          ...(driver && {
            source: {
              range: driver.range,
              setVoltage: (level_V: number) => unfaulted(() => driver.setVoltage(p.channel, level_V)),
              safeState: () => driver.safeState(),
            },
          }),
        };
      }),
  };
}
