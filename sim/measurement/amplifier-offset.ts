// Static errors of the buffer amplifier of each channel: v_out = (1 + gainError_c)·v + offset_c,
// offset_c ~ N(0, offsetRms_V) and gainError_c ~ N(0, gainErrorRms), drawn once per channel.
import { z } from 'zod';
import type { Rng } from '../../src/util/random.ts';

/** Defaults: OP07-class precision op-amp buffers (input offset tens of µV); a unity-gain follower's
 * gain error (~1/open-loop gain) is negligible, so gain error is off by default. */
export const amplifierOffsetParamsSchema = z
  .object({
    offsetRms_V: z.number().nonnegative('amplifier.offsetRms_V must be >= 0').default(3e-5),
    /** Fractional rms gain error per channel. */
    gainErrorRms: z.number().nonnegative('amplifier.gainErrorRms must be >= 0').default(0),
  })
  .strict();

export type AmplifierOffsetParams = z.infer<typeof amplifierOffsetParamsSchema>;
export type AmplifierOffsetParamsInput = z.input<typeof amplifierOffsetParamsSchema>;

export class AmplifierOffset {
  readonly params: AmplifierOffsetParams;
  readonly offset_V: Float64Array;
  readonly gain: Float64Array;

  constructor(params: AmplifierOffsetParamsInput, channels: number, rng: Rng) {
    this.params = amplifierOffsetParamsSchema.parse(params);
    const { offsetRms_V, gainErrorRms } = this.params;
    this.offset_V = new Float64Array(channels);
    this.gain = new Float64Array(channels);
    for (let c = 0; c < channels; c++) {
      this.offset_V[c] = offsetRms_V === 0 ? 0 : offsetRms_V * rng.normal();
      this.gain[c] = 1 + (gainErrorRms === 0 ? 0 : gainErrorRms * rng.normal());
    }
  }

  apply(channel: number, input_V: number): number {
    return this.gain[channel] * input_V + this.offset_V[channel];
  }
}
