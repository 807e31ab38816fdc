// Read-out (buffer → sample-and-hold → ADC) channel calibration. The board offers no switch that
// puts a known voltage on a floating node, so the nodes are excited through the network itself:
// every input line is set to a common level u, and after settling each node sits at a voltage
// that a reference meter on the node measures at the same DC state as the sample-and-hold
// conversion. A least-squares line through (meter, read-out) per channel gives the effective gain
// and offset — the offset lumps amplifier offset, hold pedestal and droop until the conversion, as
// seen at this sampler timing. Noise: repeated single conversions at one level, with the code
// step seen in the readings; σ by maximum likelihood through the quantiser (fits/quantised-noise.ts). Assumes the meter loads the node negligibly (an SMU sourcing 0 A) and that u spans
// the node range of interest (nodes clamp near the diode knees, which limits the span). With SMUs
// sourcing known voltages into the read-out inputs instead, see adc-sourced.ts (same record).
import type { NodeSampler, Timebase, VoltageSource } from '../src/capabilities/index.ts';
import { fitLine } from './fits/linear-fit.ts';
import { quantisedNoiseRms } from './fits/quantised-noise.ts';
import type { VoltageMeter } from './meter.ts';
import { meanReading } from './meter.ts';
import { checkLevel, runProcedure } from './procedure.ts';

export interface AdcCalibrationSet {
  inputs: VoltageSource;
  sampler: NodeSampler;
  /** One meter per channel to calibrate, each attached to a node. */
  meters: readonly VoltageMeter[];
  timebase: Timebase;
}

export interface AdcCalibrationOptions {
  /** Common input-line levels, evenly spaced over [min_V, max_V]. Default 9 over ±0.4 V. */
  levels?: number;
  min_V?: number;
  max_V?: number;
  /** Wait after each level change, s. Default 1 ms. */
  settle_s?: number;
  /** Conversions averaged per read-out point. Default 16. */
  averages?: number;
  /** Meter readings averaged per point. Default 4. */
  readings?: number;
  /** Single conversions taken for the noise estimate, at the middle level. Default 256. */
  noiseSamples?: number;
}

export interface AdcChannelCalibration {
  node: number;
  meter_V: number[];
  readout_V: number[];
  gain: number;
  offset_V: number;
  gainSe: number;
  residuals_V: number[];
  rmsResidual_V: number;
  inl_V: number;
  /** Standard deviation of single conversions, V (quantisation included). */
  readingNoise_V: number;
  /** Input-referred noise before quantisation (maximum likelihood), V. */
  noiseRms_V: number;
}

export interface AdcCalibrationResult {
  /** How the read-out inputs were driven: `network` — the nodes excited through the network and
   * metered (this file); `sourced` — SMUs sourcing known voltages on the read-out inputs
   * (adc-sourced.ts). Records made before the field existed are `network` ones. */
  method?: 'network' | 'sourced';
  /** Smallest step between distinct single conversions: the ADC code step, V. */
  codeStep_V: number;
  channels: AdcChannelCalibration[];
}

export type AdcProgress = { level: number; input_V: number };

export function calibrateAdc(set: AdcCalibrationSet, options: AdcCalibrationOptions = {}) {
  return runProcedure<AdcProgress, AdcCalibrationResult>('adc', [set.inputs], async (ctx) => {
    const inputs = ctx.guard(set.inputs);
    const sampler = ctx.guard(set.sampler);
    const timebase = ctx.guard(set.timebase);
    const meters = set.meters.map((m, i) => {
      const at = m.attachedTo;
      if (at.kind !== 'node' || at.node < 0 || at.node >= set.sampler.channels) {
        throw new RangeError(`meters[${i}].attachedTo: must be a node 0..${set.sampler.channels - 1}`);
      }
      return { node: at.node, meter: ctx.guard(m) };
    });
    const levelsV = readoutLevels(options, (field, level) => checkLevel(field, level, set.inputs.range));
    const fit = await sweepReadout(
      {
        sampler,
        timebase,
        channels: meters,
        apply: (u) => inputs.setVoltages(new Float64Array(set.inputs.channels).fill(u)),
        progress: (k, count, u) => ctx.progress(k + 1, count, { level: k, input_V: u }),
      },
      levelsV,
      options,
    );
    return { method: 'network', ...fit };
  });
}

/** The levels of a read-out sweep: `levels` evenly spaced over [min_V, max_V] (default 9 over
 * ±0.4 V), both ends passed to `check` before anything is sent. */
export function readoutLevels(
  options: AdcCalibrationOptions,
  check: (field: 'min_V' | 'max_V', level_V: number) => void,
): number[] {
  const count = options.levels ?? 9;
  if (!Number.isInteger(count) || count < 3)
    throw new RangeError(`levels: must be an integer >= 3, got ${count}`);
  const min = options.min_V ?? -0.4;
  const max = options.max_V ?? 0.4;
  if (!(min < max)) throw new RangeError(`min_V (${min}) must be below max_V (${max})`);
  check('min_V', min);
  check('max_V', max);
  return Array.from({ length: count }, (_, k) => min + ((max - min) * k) / (count - 1));
}

/** What a read-out sweep drives and reads; `apply` puts one level on every calibrated input. */
export interface ReadoutSweep {
  sampler: NodeSampler;
  timebase: Timebase;
  channels: readonly { node: number; meter: VoltageMeter }[];
  apply(level_V: number): Promise<unknown>;
  progress(k: number, count: number, level_V: number): void;
}

/** Both methods' sweep: at each level apply it, wait, the reference meters' mean readings (the
 * truth) and the sampler's averaged conversion; at the middle level also the single conversions
 * for the noise. Then the per-channel fit. */
export async function sweepReadout(
  sweep: ReadoutSweep,
  levelsV: readonly number[],
  options: AdcCalibrationOptions,
): Promise<Omit<AdcCalibrationResult, 'method'>> {
  const { sampler, timebase, channels } = sweep;
  const settle = options.settle_s ?? 1e-3;
  const averages = options.averages ?? 16;
  const readings = options.readings ?? 4;
  const noiseSamples = options.noiseSamples ?? 256;
  const meterV = channels.map(() => [] as number[]);
  const readoutV = channels.map(() => [] as number[]);
  const noise = channels.map(() => [] as number[]);
  const middle = levelsV.length >> 1;
  for (const [k, u] of levelsV.entries()) {
    await sweep.apply(u);
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
    sweep.progress(k, levelsV.length, u);
  }
  return fitChannels(
    channels.map((c) => c.node),
    meterV,
    readoutV,
    noise,
  );
}

/** Per channel i (node `nodes[i]`): the line through (reference, read-out) and the noise of the
 * single conversions; the code step from all channels' conversions together. */
function fitChannels(
  nodes: readonly number[],
  meterV: number[][],
  readoutV: number[][],
  noise: number[][],
): Omit<AdcCalibrationResult, 'method'> {
  const codeStep = smallestStep(noise.flat());
  const channels = nodes.map((node, i) => {
    const fit = fitLine(meterV[i], readoutV[i]);
    return {
      node,
      meter_V: meterV[i],
      readout_V: readoutV[i],
      gain: fit.slope,
      offset_V: fit.intercept,
      gainSe: fit.slopeSe,
      residuals_V: fit.residuals,
      rmsResidual_V: fit.rmsResidual,
      inl_V: fit.inl,
      readingNoise_V: sd(noise[i]),
      noiseRms_V: quantisedNoiseRms(noise[i], codeStep),
    };
  });
  return { codeStep_V: codeStep, channels };
}

function sd(v: number[]): number {
  if (v.length < 2) return 0;
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  return Math.sqrt(v.reduce((a, x) => a + (x - m) ** 2, 0) / (v.length - 1));
}

/** Smallest nonzero difference between distinct values (0 when all are equal). Differences are
 * compared above a relative 1e-9 so rounding of the code-to-volts conversion is not a step. */
function smallestStep(v: number[]): number {
  const s = [...new Set(v)].sort((a, b) => a - b);
  let step = Infinity;
  for (let i = 1; i < s.length; i++) {
    const d = s[i] - s[i - 1];
    if (d > 1e-9 * Math.max(Math.abs(s[i]), 1e-3) && d < step) step = d;
  }
  return Number.isFinite(step) ? step : 0;
}
