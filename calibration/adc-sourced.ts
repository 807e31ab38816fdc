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
import { fitChannels, type AdcCalibrationOptions, type AdcCalibrationResult } from './adc.ts';
import type { VoltageMeter } from './meter.ts';
import { meanReading } from './meter.ts';
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
    const count = options.levels ?? 9;
    if (!Number.isInteger(count) || count < 3)
      throw new RangeError(`levels: must be an integer >= 3, got ${count}`);
    const min = options.min_V ?? -0.4;
    const max = options.max_V ?? 0.4;
    if (!(min < max)) throw new RangeError(`min_V (${min}) must be below max_V (${max})`);
    for (const { source } of channels) {
      checkLevel('min_V', min, source.range);
      checkLevel('max_V', max, source.range);
    }
    const settle = options.settle_s ?? 1e-3;
    const averages = options.averages ?? 16;
    const readings = options.readings ?? 4;
    const noiseSamples = options.noiseSamples ?? 256;
    const meterV = channels.map(() => [] as number[]);
    const readoutV = channels.map(() => [] as number[]);
    const noise = channels.map(() => [] as number[]);
    const levelsV = Array.from({ length: count }, (_, k) => min + ((max - min) * k) / (count - 1));
    const middle = count >> 1;
    for (const [k, u] of levelsV.entries()) {
      for (const { source } of channels) await source.setVoltage(u);
      await timebase.wait(settle);
      for (const [i, { meter }] of channels.entries()) meterV[i].push(await meanReading(meter, readings));
      const read = await sampler.sampleAndRead({ averages });
      channels.forEach(({ node }, i) => readoutV[i].push(read[node]));
      if (k === middle) {
        for (let s = 0; s < noiseSamples; s++) {
          const single = await sampler.sampleAndRead({ averages: 1 });
          channels.forEach(({ node }, i) => noise[i].push(single[node]));
        }
      }
      ctx.progress(k + 1, count, { level: k, source_V: u });
    }
    const nodes = channels.map((c) => c.node);
    return { method: 'sourced', ...fitChannels(nodes, meterV, readoutV, noise) };
  });
}
