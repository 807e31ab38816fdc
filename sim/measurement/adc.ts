// Analog-to-digital converter of the node read-out: gaussian input-referred noise, clipping at the
// rails, quantisation to an N-bit straight-binary code over [min_V, max_V].
import { z } from 'zod';
import { Rng } from '../../src/util/random.ts';

/** Defaults: a 16-bit ±10 V simultaneous-sampling SAR ADC (AD7606-class: ~95 dB SNR on the ±10 V
 * range, i.e. on the order of 0.1 mV rms input-referred noise besides quantisation; 200 kSPS). */
export const adcParamsSchema = z
  .object({
    bits: z.number().int().min(1).max(32, 'adc.bits must be <= 32').default(16),
    min_V: z.number().default(-10),
    max_V: z.number().default(10),
    /** Input-referred gaussian noise, rms volts, independent per conversion. */
    noiseRms_V: z.number().nonnegative('adc.noiseRms_V must be >= 0').default(1e-4),
    /** Time between successive conversions of one channel when averaging, seconds. */
    conversionInterval_s: z.number().nonnegative('adc.conversionInterval_s must be >= 0').default(5e-6),
  })
  .strict()
  .refine((p) => p.min_V < p.max_V, { message: 'adc.min_V must be below adc.max_V', path: ['min_V'] });

export type AdcParams = z.infer<typeof adcParamsSchema>;
export type AdcParamsInput = z.input<typeof adcParamsSchema>;

export class Adc {
  readonly params: AdcParams;
  /** Quantisation step: (max_V − min_V) / 2^bits. */
  readonly lsb_V: number;
  readonly maxCode: number;

  constructor(
    params: AdcParamsInput,
    private rng: Rng,
  ) {
    this.params = adcParamsSchema.parse(params);
    this.maxCode = 2 ** this.params.bits - 1;
    this.lsb_V = (this.params.max_V - this.params.min_V) / 2 ** this.params.bits;
  }

  /** Noise-free code of an input: nearest code, clipped to [0, maxCode] (the rails). */
  toCode(input_V: number): number {
    const code = Math.round((input_V - this.params.min_V) / this.lsb_V);
    return code < 0 ? 0 : code > this.maxCode ? this.maxCode : code;
  }

  fromCode(code: number): number {
    return this.params.min_V + code * this.lsb_V;
  }

  /** The noise generator's state, to continue the stream exactly after a restart (the simulated
   * bench saves it with its device state). */
  rngState(): number[] {
    return this.rng.state();
  }

  /** Continues the noise stream from a `rngState()`. */
  restoreRng(state: readonly number[]): void {
    this.rng = Rng.fromState(state);
  }

  /** One conversion: input + noise, clipped and quantised, returned in volts. */
  convert(input_V: number): number {
    const noise = this.params.noiseRms_V;
    return this.fromCode(this.toCode(noise === 0 ? input_V : input_V + noise * this.rng.normal()));
  }
}
