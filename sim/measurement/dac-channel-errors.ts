// Static errors of each DAC output channel driving an input line: the line carries
//   v_line = gain_c · v_code + offset_c,
// v_code the quantised level. gain_c = 1 + gainErrorRms·ξ and offset_c = offsetRms_V·ξ' are drawn
// once per channel (seeded), or given explicitly per channel (a digital twin built from a DAC
// calibration). Both spreads default to 0: an ideal DAC, the line carries the quantised level.
import { z } from 'zod';
import type { Rng } from '../../src/util/random.ts';

export const dacChannelErrorParamsSchema = z
  .object({
    /** Fractional rms gain error per channel. */
    gainErrorRms: z.number().nonnegative('dacErrors.gainErrorRms must be >= 0').default(0),
    /** Rms output offset per channel, volts. */
    offsetRms_V: z.number().nonnegative('dacErrors.offsetRms_V must be >= 0').default(0),
    /** Explicit per-channel gains (replace the random draw), dimensionless. */
    gain: z.array(z.number().positive('dacErrors.gain[] must be > 0')).optional(),
    /** Explicit per-channel offsets (replace the random draw), volts. */
    offset_V: z.array(z.number()).optional(),
  })
  .strict();

export type DacChannelErrorParams = z.infer<typeof dacChannelErrorParamsSchema>;
export type DacChannelErrorParamsInput = z.input<typeof dacChannelErrorParamsSchema>;

export class DacChannelErrors {
  readonly params: DacChannelErrorParams;
  readonly gain: Float64Array;
  readonly offset_V: Float64Array;

  constructor(params: DacChannelErrorParamsInput, channels: number, rng: Rng) {
    this.params = dacChannelErrorParamsSchema.parse(params);
    const { gainErrorRms, offsetRms_V, gain, offset_V } = this.params;
    for (const [field, list] of [
      ['gain', gain],
      ['offset_V', offset_V],
    ] as const) {
      if (list && list.length !== channels) {
        throw new RangeError(`dacErrors.${field}: ${list.length} values for ${channels} channels`);
      }
    }
    this.gain = new Float64Array(channels);
    this.offset_V = new Float64Array(channels);
    for (let c = 0; c < channels; c++) {
      this.gain[c] = gain ? gain[c] : 1 + (gainErrorRms === 0 ? 0 : gainErrorRms * rng.normal());
      this.offset_V[c] = offset_V ? offset_V[c] : offsetRms_V === 0 ? 0 : offsetRms_V * rng.normal();
    }
  }

  /** Line voltages for the quantised levels, in place. */
  apply(levels_V: Float64Array): Float64Array {
    for (let c = 0; c < levels_V.length; c++) levels_V[c] = this.gain[c] * levels_V[c] + this.offset_V[c];
    return levels_V;
  }
}
