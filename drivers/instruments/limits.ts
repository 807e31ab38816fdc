// Configured limits of instrument channels, as zod schemas, and the checks every driver runs
// BEFORE it sends anything: a request outside a limit throws LimitError and no byte leaves.
import * as z from 'zod';
import { LimitError } from '../../src/capabilities/index.ts';

/** An inclusive interval, e.g. the voltages a channel may source. */
export const RangeSchema = z
  .object({ min: z.number(), max: z.number() })
  .refine((r) => r.min <= r.max, { message: 'min must not exceed max' });
export type Range = z.infer<typeof RangeSchema>;

/** What one source channel may do, whatever it is asked. */
export const ChannelLimitsSchema = z.object({
  /** Levels the channel may source in voltage mode, volts. */
  voltage_V: RangeSchema,
  /** Levels the channel may source in current mode, amperes. */
  current_A: RangeSchema,
  /** Largest compliance the driver may program: the current limit when sourcing voltage
   * (amperes) and the voltage limit when sourcing current (volts). */
  compliance: z.object({ current_A: z.number().positive(), voltage_V: z.number().positive() }),
});
export type ChannelLimits = z.infer<typeof ChannelLimitsSchema>;

/** Parses a configuration with `schema`; a failure is a RangeError naming `what`, every bad
 * field's path and the reason. */
export function parseConfig<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const reasons = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new RangeError(`invalid ${what} configuration: ${reasons.join('; ')}`);
}

/** Throws LimitError(field, value, range) unless min <= value <= max (NaN never passes). */
export function checkRange(field: string, value: number, range: Range): void {
  if (!(value >= range.min && value <= range.max)) throw new LimitError(field, value, range);
}

/** Throws LimitError unless |value| <= limit (a compliance magnitude). */
export function checkMagnitude(field: string, value: number, limit: number): void {
  checkRange(field, value, { min: 0, max: limit });
}

/** The field name of one channel's quantity in errors, e.g. `smu1.ch0.voltage_V`. */
export function channelField(instrument: string, channel: number, quantity: string): string {
  return `${instrument}.ch${channel}.${quantity}`;
}

/** Checks one level per channel: the count, then every level against its channel's range. */
export function checkLevels(
  instrument: string,
  quantity: string,
  levels: ArrayLike<number>,
  ranges: readonly Range[],
): void {
  if (levels.length !== ranges.length) {
    throw new RangeError(`${instrument}.${quantity}: expected ${ranges.length} levels, got ${levels.length}`);
  }
  for (let ch = 0; ch < ranges.length; ch++) {
    checkRange(channelField(instrument, ch, quantity), levels[ch], ranges[ch]);
  }
}

/** The interval every channel can reach: the intersection of the channels' ranges. */
export function commonRange(ranges: readonly Range[]): { readonly min: number; readonly max: number } {
  const min = Math.max(...ranges.map((r) => r.min));
  const max = Math.min(...ranges.map((r) => r.max));
  if (min > max) throw new RangeError(`the channels' ranges do not overlap: [${min}, ${max}] is empty`);
  return Object.freeze({ min, max });
}
