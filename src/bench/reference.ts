// The reference voltmeters of an instrument bench (the `reference` section of its configuration):
// SMU channels sourcing 0 A, each connected by a fixture to one input line or floating node, that
// the DAC and read-out calibrations read as their reference (calibration/meter.ts). A reading is
// refused while the bench's interlock holds a latched fault, so a faulted bench is not driven by
// its meters either; the reference SMUs are among the instruments the safe state turns off.
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
        return {
          attachedTo,
          identity,
          measureVoltage: () => {
            const fault = bench.fault;
            if (fault !== undefined) return Promise.reject(new BenchFaultedError(fault));
            return voltmeter.measureVoltage(p.channel);
          },
        };
      }),
  };
}
