// DAC channel calibration: each input line in turn is driven through a ramp of levels (the other
// lines at 0 V) and measured with a reference meter on that line; a least-squares line through
// (requested, measured) gives the channel's gain (slope) and offset (intercept), its residuals and
// integral nonlinearity. Assumes the meter's own gain and offset errors are negligible against
// the DAC's, and that the line voltage has settled `settle_s` after a change (the line is driven
// by the DAC output stage, not by the network).
import type { Timebase, VoltageSource } from '../src/capabilities/index.ts';
import { fitLine } from './fits/linear-fit.ts';
import type { VoltageMeter } from './meter.ts';
import { meanReading } from './meter.ts';
import { checkLevel, runProcedure } from './procedure.ts';

export interface DacCalibrationSet {
  inputs: VoltageSource;
  /** One meter per line to calibrate, each attached to an input line. */
  meters: readonly VoltageMeter[];
  timebase: Timebase;
}

export interface DacCalibrationOptions {
  /** Levels per channel, evenly spaced over [min_V, max_V]. Default 11. */
  levels?: number;
  /** Ramp ends, V. Default 90 % of the source range. */
  min_V?: number;
  max_V?: number;
  /** Wait after each level change, s. Default 1 ms. */
  settle_s?: number;
  /** Meter readings averaged per level. Default 4. */
  readings?: number;
}

export interface DacChannelCalibration {
  line: number;
  requested_V: number[];
  measured_V: number[];
  gain: number;
  offset_V: number;
  gainSe: number;
  offsetSe_V: number;
  residuals_V: number[];
  rmsResidual_V: number;
  /** Largest |residual|, V, and as a fraction of the full-scale span. */
  inl_V: number;
  inlFractionOfFullScale: number;
}

export interface DacCalibrationResult {
  fullScale_V: number;
  channels: DacChannelCalibration[];
}

export type DacProgress = { line: number; level: number; requested_V: number; measured_V: number };

export function calibrateDac(set: DacCalibrationSet, options: DacCalibrationOptions = {}) {
  return runProcedure<DacProgress, DacCalibrationResult>('dac', [set.inputs], async (ctx) => {
    const inputs = ctx.guard(set.inputs);
    const timebase = ctx.guard(set.timebase);
    const count = options.levels ?? 11;
    if (!Number.isInteger(count) || count < 3)
      throw new RangeError(`levels: must be an integer >= 3, got ${count}`);
    const min = options.min_V ?? 0.9 * set.inputs.range.min;
    const max = options.max_V ?? 0.9 * set.inputs.range.max;
    if (!(min < max)) throw new RangeError(`min_V (${min}) must be below max_V (${max})`);
    checkLevel('min_V', min, set.inputs.range);
    checkLevel('max_V', max, set.inputs.range);
    const settle = options.settle_s ?? 1e-3;
    const readings = options.readings ?? 4;
    const levels = Array.from({ length: count }, (_, k) => min + ((max - min) * k) / (count - 1));
    const channels: DacChannelCalibration[] = [];
    const total = set.meters.length * count;
    for (const [m, meter] of set.meters.entries()) {
      const at = meter.attachedTo;
      if (at.kind !== 'input-line' || at.line < 0 || at.line >= set.inputs.channels) {
        throw new RangeError(`meters[${m}].attachedTo: must be an input line 0..${set.inputs.channels - 1}`);
      }
      const guarded = ctx.guard(meter);
      const measured: number[] = [];
      for (const [k, level] of levels.entries()) {
        const vector = new Float64Array(set.inputs.channels);
        vector[at.line] = level;
        await inputs.setVoltages(vector);
        await timebase.wait(settle);
        measured.push(await meanReading(guarded, readings));
        ctx.progress(m * count + k + 1, total, {
          line: at.line,
          level: k,
          requested_V: level,
          measured_V: measured[k],
        });
      }
      const fit = fitLine(levels, measured);
      channels.push({
        line: at.line,
        requested_V: levels,
        measured_V: measured,
        gain: fit.slope,
        offset_V: fit.intercept,
        gainSe: fit.slopeSe,
        offsetSe_V: fit.interceptSe,
        residuals_V: fit.residuals,
        rmsResidual_V: fit.rmsResidual,
        inl_V: fit.inl,
        inlFractionOfFullScale: fit.inl / (set.inputs.range.max - set.inputs.range.min),
      });
    }
    return { fullScale_V: set.inputs.range.max - set.inputs.range.min, channels };
  });
}
