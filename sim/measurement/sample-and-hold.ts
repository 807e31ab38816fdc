// Sample-and-hold in front of each ADC channel. At the hold instant the held voltage jumps by a
// pedestal (charge injection of the hold switch into the hold capacitor); afterwards it droops at a
// constant rate (leakage current / hold capacitance) until converted:
//   v(t) = v_sampled + pedestal_c + droop_c · t,   t = time since the hold.
// pedestal_c and droop_c are per channel: mean + spread·ξ, drawn once (seeded).
import { z } from 'zod';
import type { Rng } from '../../src/util/random.ts';

/** Defaults: LF398-class monolithic S&H with a 10 nF hold capacitor (hold step ~0.5 mV, droop of
 * a few mV/s from ~30 pA leakage). Droop is signed: positive raises the held voltage. */
export const sampleAndHoldParamsSchema = z
  .object({
    pedestal_V: z.number().default(5e-4),
    /** Channel-to-channel rms spread of the pedestal, volts. */
    pedestalSpread_V: z.number().nonnegative('sampleAndHold.pedestalSpread_V must be >= 0').default(2e-4),
    droopRate_V_per_s: z.number().default(3e-3),
    /** Channel-to-channel rms spread of the droop rate, V/s. */
    droopSpread_V_per_s: z
      .number()
      .nonnegative('sampleAndHold.droopSpread_V_per_s must be >= 0')
      .default(1e-3),
  })
  .strict();

export type SampleAndHoldParams = z.infer<typeof sampleAndHoldParamsSchema>;
export type SampleAndHoldParamsInput = z.input<typeof sampleAndHoldParamsSchema>;

export class SampleAndHold {
  readonly params: SampleAndHoldParams;
  readonly pedestal_V: Float64Array;
  readonly droop_V_per_s: Float64Array;

  constructor(params: SampleAndHoldParamsInput, channels: number, rng: Rng) {
    this.params = sampleAndHoldParamsSchema.parse(params);
    const p = this.params;
    this.pedestal_V = new Float64Array(channels);
    this.droop_V_per_s = new Float64Array(channels);
    for (let c = 0; c < channels; c++) {
      this.pedestal_V[c] = p.pedestal_V + (p.pedestalSpread_V === 0 ? 0 : p.pedestalSpread_V * rng.normal());
      this.droop_V_per_s[c] =
        p.droopRate_V_per_s + (p.droopSpread_V_per_s === 0 ? 0 : p.droopSpread_V_per_s * rng.normal());
    }
  }

  /** Held voltage of channel c, `sinceHold_s` seconds after holding `sampled_V`. */
  heldAt(channel: number, sampled_V: number, sinceHold_s: number): number {
    return sampled_V + this.pedestal_V[channel] + this.droop_V_per_s[channel] * sinceHold_s;
  }
}
