// The read-out path the simulated board puts between the node voltages and the NodeSampler
// capability: buffer amplifier (offset, gain error) → sample-and-hold (pedestal, droop) → ADC
// (noise, rails, quantisation), with averaging of several conversions after one hold.
import { z } from 'zod';
import type { Rng } from '../../src/util/random.ts';
import { Adc, adcParamsSchema } from './adc.ts';
import { AmplifierOffset, amplifierOffsetParamsSchema } from './amplifier-offset.ts';
import { SampleAndHold, sampleAndHoldParamsSchema } from './sample-and-hold.ts';

export const measurementChainParamsSchema = z
  .object({
    amplifier: amplifierOffsetParamsSchema.prefault({}),
    sampleAndHold: sampleAndHoldParamsSchema.prefault({}),
    adc: adcParamsSchema.prefault({}),
  })
  .strict();

export type MeasurementChainParams = z.infer<typeof measurementChainParamsSchema>;
export type MeasurementChainParamsInput = z.input<typeof measurementChainParamsSchema>;

export class MeasurementChain {
  readonly params: MeasurementChainParams;
  readonly amplifier: AmplifierOffset;
  readonly sampleAndHold: SampleAndHold;
  readonly adc: Adc;

  constructor(
    params: MeasurementChainParamsInput,
    readonly channels: number,
    rng: Rng,
  ) {
    if (!Number.isInteger(channels) || channels < 0) {
      throw new RangeError(`channels must be an integer >= 0, got ${channels}`);
    }
    this.params = measurementChainParamsSchema.parse(params);
    this.amplifier = new AmplifierOffset(this.params.amplifier, channels, rng.fork());
    this.sampleAndHold = new SampleAndHold(this.params.sampleAndHold, channels, rng.fork());
    this.adc = new Adc(this.params.adc, rng.fork());
  }

  /** Holds every channel at once, then converts each `averages` times; conversion k of a channel
   * happens holdToRead_s + k·conversionInterval_s after the hold. Returns the mean reading per
   * channel in volts (written to `out`). */
  convert(
    trueVoltages_V: ArrayLike<number>,
    holdToRead_s: number,
    averages: number,
    out = new Float64Array(this.channels),
  ): Float64Array {
    if (trueVoltages_V.length !== this.channels) {
      throw new RangeError(
        `trueVoltages_V has ${trueVoltages_V.length} values for ${this.channels} channels`,
      );
    }
    if (out.length !== this.channels)
      throw new RangeError(`out has ${out.length} slots for ${this.channels} channels`);
    if (!(holdToRead_s >= 0 && holdToRead_s < Infinity)) {
      throw new RangeError(`holdToRead_s must be >= 0 and finite, got ${holdToRead_s}`);
    }
    if (!Number.isInteger(averages) || averages < 1) {
      throw new RangeError(`averages must be an integer >= 1, got ${averages}`);
    }
    const interval = this.adc.params.conversionInterval_s;
    for (let c = 0; c < this.channels; c++) {
      const sampled = this.amplifier.apply(c, trueVoltages_V[c]);
      let sum = 0;
      for (let k = 0; k < averages; k++) {
        sum += this.adc.convert(this.sampleAndHold.heldAt(c, sampled, holdToRead_s + k * interval));
      }
      out[c] = sum / averages;
    }
    return out;
  }
}
