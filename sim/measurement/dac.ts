// Digital-to-analog converter of the input lines: a request is quantised to the nearest code of
// an N-bit straight-binary converter over [min_V, max_V]. A request outside the range is an error
// reported to the caller (naming the channel), never silently clipped: a clipped input would make
// the network see a different sample than the pipeline believes it applied.
import { z } from 'zod';

/** Defaults: a 16-bit ±10 V multichannel DAC (AD5370-class: 40 channels, 16 bits, ±10 V span). */
export const dacParamsSchema = z
  .object({
    bits: z.number().int().min(1).max(32, 'dac.bits must be <= 32').default(16),
    min_V: z.number().default(-10),
    max_V: z.number().default(10),
  })
  .strict()
  .refine((p) => p.min_V < p.max_V, { message: 'dac.min_V must be below dac.max_V', path: ['min_V'] });

export type DacParams = z.infer<typeof dacParamsSchema>;
export type DacParamsInput = z.input<typeof dacParamsSchema>;

/** A requested level outside the DAC range. Nothing has been converted when this is thrown. */
export class DacRangeError extends RangeError {
  override readonly name = 'DacRangeError';
  constructor(
    readonly channel: number,
    readonly value_V: number,
    readonly min_V: number,
    readonly max_V: number,
  ) {
    super(`DAC channel ${channel}: ${value_V} V is outside the range [${min_V}, ${max_V}] V`);
  }
}

export class Dac {
  readonly params: DacParams;
  /** Quantisation step: (max_V − min_V) / 2^bits. */
  readonly lsb_V: number;
  /** Highest code, 2^bits − 1; it outputs max_V − lsb_V (the top of the range is not a code). */
  readonly maxCode: number;

  constructor(params: DacParamsInput = {}) {
    this.params = dacParamsSchema.parse(params);
    this.maxCode = 2 ** this.params.bits - 1;
    this.lsb_V = (this.params.max_V - this.params.min_V) / 2 ** this.params.bits;
  }

  /** The first channel whose level is outside [min_V, max_V] (or NaN), else null. */
  findOutOfRange(levels_V: ArrayLike<number>): DacRangeError | null {
    const { min_V, max_V } = this.params;
    for (let c = 0; c < levels_V.length; c++) {
      const v = levels_V[c];
      if (!(v >= min_V && v <= max_V)) return new DacRangeError(c, v, min_V, max_V);
    }
    return null;
  }

  /** Code of an in-range level: the nearest code, and the top code for levels within one LSB of
   * max_V. */
  toCode(level_V: number): number {
    const code = Math.round((level_V - this.params.min_V) / this.lsb_V);
    return code > this.maxCode ? this.maxCode : code;
  }

  fromCode(code: number): number {
    return this.params.min_V + code * this.lsb_V;
  }

  /** The voltages the DAC actually outputs for the requested levels. Throws DacRangeError (the
   * first offending channel) before writing anything if any level is out of range. */
  quantize(levels_V: ArrayLike<number>, out = new Float64Array(levels_V.length)): Float64Array {
    if (out.length !== levels_V.length) {
      throw new RangeError(`out has ${out.length} slots for ${levels_V.length} channels`);
    }
    const bad = this.findOutOfRange(levels_V);
    if (bad) throw bad;
    for (let c = 0; c < levels_V.length; c++) out[c] = this.fromCode(this.toCode(levels_V[c]));
    return out;
  }
}
