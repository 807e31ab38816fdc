// The reference voltmeter of the channel calibrations: an SMU in voltage-measure mode (sourcing
// 0 A), a DMM, or in tests a wrapper of the simulated board's true voltage plus meter noise. It is
// the calibration's reference, so its own accuracy bounds what the calibration can claim.
import type { Identity } from '../src/capabilities/index.ts';

/** Where a meter's terminals are: an input line (after the DAC) or a floating node. */
export type MeterAttachment = { kind: 'input-line'; line: number } | { kind: 'node'; node: number };

export interface VoltageMeter {
  readonly attachedTo: MeterAttachment;
  /** The instrument, for the calibration record. */
  readonly identity?: Identity;
  /** One reading of the voltage at the terminals, V. */
  measureVoltage(): Promise<number>;
  /** A reference source (an SMU on the board's calibration relay to a node's read-out input):
   * the read-out converts its level while it sources, and measureVoltage reads that level back. */
  readonly source?: ReferenceSource;
}

/** The sourcing side of a reference source; a level outside `range` is refused before anything
 * is sent (LimitError), safeState puts the level to 0 and the output off. */
export interface ReferenceSource {
  readonly range: { readonly min: number; readonly max: number };
  setVoltage(level_V: number): Promise<void>;
  safeState(): Promise<void>;
}

/** Mean of `count` readings. */
export async function meanReading(meter: VoltageMeter, count: number): Promise<number> {
  let sum = 0;
  for (let k = 0; k < count; k++) sum += await meter.measureVoltage();
  return sum / count;
}
