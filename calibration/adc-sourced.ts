// Read-out channel calibration with SMUs sourcing known voltages. Each calibrated node has a
// reference source: an SMU channel wired through the board's calibration relay to the node's
// read-out input (buffer → sample-and-hold → ADC), so that while the SMU sources a voltage the
// read-out converts that voltage instead of the network node. The SMUs are stepped together over
// evenly spaced levels; at each level the SMU's own voltage measurement is the truth (it sees the
// level actually at its terminals: source error and lead drops included) and the sampler's
// averaged conversion the reading. A least-squares line per channel gives the gain and offset,
// and the noise is estimated as in adc.ts (repeated single conversions at the middle level, σ by
// maximum likelihood through the quantiser). Unlike the network method this spans any level the
// limits allow (no diode clamp) and does not depend on the network's settling: it calibrates the
// read-out chain alone. Assumes the relay path adds no offset beyond what the SMU's read-back
// sees (a four-wire connection at the relay makes that so). Every ending turns the sources off.
import type { NodeSampler, Timebase } from '../src/capabilities/index.ts';
import { readoutLevels, sweepReadout, type AdcCalibrationOptions, type AdcCalibrationResult } from './adc.ts';
import type { VoltageMeter } from './meter.ts';
import { checkLevel, runProcedure } from './procedure.ts';

export interface AdcSourcedSet {
  sampler: NodeSampler;
  /** One reference source per channel to calibrate, each on a node's read-out input. */
  meters: readonly VoltageMeter[];
  timebase: Timebase;
}

export type AdcSourcedProgress = { level: number; source_V: number };

/** `options.min_V`/`max_V` are the source levels (default ±0.4 V), checked against every
 * source's range before anything is sent; `readings` averages the SMU's read-back. */
export function calibrateAdcSourced(set: AdcSourcedSet, options: AdcCalibrationOptions = {}) {
  const sources = set.meters.map((m, i) => {
    if (m.source === undefined) throw new RangeError(`meters[${i}]: is not a reference source`);
    return m.source;
  });
  return runProcedure<AdcSourcedProgress, AdcCalibrationResult>('adc', sources, async (ctx) => {
    const sampler = ctx.guard(set.sampler);
    const timebase = ctx.guard(set.timebase);
    const channels = set.meters.map((m, i) => {
      const at = m.attachedTo;
      if (at.kind !== 'node' || at.node < 0 || at.node >= set.sampler.channels) {
        throw new RangeError(`meters[${i}].attachedTo: must be a node 0..${set.sampler.channels - 1}`);
      }
      return { node: at.node, meter: ctx.guard(m), source: ctx.guard(sources[i]) };
    });
    const levelsV = readoutLevels(options, (field, level) => {
      for (const { source } of channels) checkLevel(field, level, source.range);
    });
    const fit = await sweepReadout(
      {
        sampler,
        timebase,
        channels,
        apply: async (u) => {
          for (const { source } of channels) await source.setVoltage(u);
        },
        progress: (k, count, u) => ctx.progress(k + 1, count, { level: k, source_V: u }),
      },
      levelsV,
      options,
    );
    return { method: 'sourced', ...fit };
  });
}
