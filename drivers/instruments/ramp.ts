// Ramping of level changes, as QCoDeS parameters do it (`step` + `inter_delay`): a change larger
// than `step` on any channel is split into equal intermediate writes, with a pause between
// consecutive writes. The pause goes through an injectable Sleep so tests never wait.
import * as z from 'zod';

export const RampSchema = z.object({
  /** Largest change of any channel per write, in the channel's unit (V or A). */
  step: z.number().positive(),
  /** Pause between consecutive writes of one ramp, seconds (none after the last write). */
  inter_delay_s: z.number().nonnegative(),
});
export type Ramp = z.infer<typeof RampSchema>;

export type Sleep = (seconds: number) => Promise<void>;

export const wallClockSleep: Sleep = (seconds) =>
  new Promise((resolve) => setTimeout(resolve, seconds * 1000));

// 1.1 / 0.1 is 11.000000000000002 in binary floating point: without the slack it would cost an
// extra, smaller step.
const STEP_COUNT_SLACK = 1e-9;

/**
 * The writes that move every channel from `from` to `to` with no channel changing by more than
 * `step` per write: all channels move together on a common grid of n = max ⌈|Δ|/step⌉ writes,
 * and the last write is `to` exactly.
 */
export function rampSteps(from: ArrayLike<number>, to: Float64Array, step: number): Float64Array[] {
  let count = 1;
  for (let ch = 0; ch < to.length; ch++) {
    const needed = Math.ceil(Math.abs(to[ch] - from[ch]) / step - STEP_COUNT_SLACK);
    if (needed > count) count = needed;
  }
  const steps: Float64Array[] = [];
  for (let k = 1; k < count; k++) {
    steps.push(to.map((target, ch) => from[ch] + ((target - from[ch]) * k) / count));
  }
  steps.push(Float64Array.from(to));
  return steps;
}

/** Writes each step in order, sleeping `inter_delay_s` between consecutive writes. */
export async function runRamp(
  steps: readonly Float64Array[],
  write: (levels: Float64Array) => Promise<void>,
  ramp: Ramp | undefined,
  sleep: Sleep,
): Promise<void> {
  for (let k = 0; k < steps.length; k++) {
    if (k > 0 && ramp !== undefined && ramp.inter_delay_s > 0) await sleep(ramp.inter_delay_s);
    await write(steps[k]);
  }
}
