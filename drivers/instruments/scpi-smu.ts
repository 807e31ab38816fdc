// SCPI mnemonics shared by the SCPI SMU drivers (Keithley 2450/2400, Keysight B2900): what is
// sourced and what is measured in each source mode, and the range command of a subsystem.
import { formatNumber } from '../scpi/index.ts';
import type { RangeSetting, SourceMode } from './source-meter.ts';

/** The SOURce function mnemonic of a mode. */
export const SOURCE_FUNCTION = { voltage: 'VOLT', current: 'CURR' } as const satisfies Record<
  SourceMode,
  string
>;
/** The quantity measured while sourcing: current when sourcing voltage, and vice versa. */
export const SENSE_FUNCTION = { voltage: 'CURR', current: 'VOLT' } as const satisfies Record<
  SourceMode,
  string
>;

/** `<subsystem>:RANG:AUTO ON` for autorange, else `<subsystem>:RANG <value>` (a fixed range
 * turns autorange off on all three instruments). */
export function rangeCommand(subsystem: string, setting: RangeSetting): string {
  return setting === 'auto' ? `${subsystem}:RANG:AUTO ON` : `${subsystem}:RANG ${formatNumber(setting)}`;
}
