// Pulse batches for the crossbar board (docs/protocols/crossbar-board.md §5): every pulse is
// checked against the configured limits and the array geometry, then packed as 24-byte
// little-endian records, all before anything is sent.
import type { ArrayGeometry, Pulse } from '../../src/capabilities/index.ts';
import { checkRange, type Range } from './limits.ts';

/** §5: uint8 array, uint8 polarity, uint16 row, col, count, float64 amplitude, width. */
export const PULSE_RECORD_BYTES = 24;
/** The uint16 count field bounds every per-record count. */
export const MAX_PULSE_COUNT = 0xffff;

export interface PulseLimits {
  /** Largest pulse amplitude magnitude, volts. */
  amplitude_V: number;
  width_s: Range;
  /** Largest count per record. */
  count: number;
}

function checkIndex(field: string, value: number, size: number): void {
  if (!Number.isInteger(value) || value < 0 || value >= size) {
    throw new RangeError(`${field}=${value} must be an integer in [0, ${size - 1}]`);
  }
}

/** Checks every pulse and packs the batch; returns the records and the pulses they apply
 * (the sum of counts). Throws LimitError or RangeError naming e.g. `board.pulses[3].width_s`. */
export function encodePulseBatch(
  name: string,
  batch: readonly Pulse[],
  arrays: readonly ArrayGeometry[],
  limits: PulseLimits,
): { records: Uint8Array; pulses: number } {
  const records = new Uint8Array(batch.length * PULSE_RECORD_BYTES);
  const view = new DataView(records.buffer);
  let pulses = 0;
  batch.forEach((pulse, i) => {
    const field = `${name}.pulses[${i}]`;
    checkIndex(`${field}.array`, pulse.array, arrays.length);
    const geometry = arrays[pulse.array];
    checkIndex(`${field}.row`, pulse.row, geometry.rows);
    checkIndex(`${field}.col`, pulse.col, geometry.cols);
    if (pulse.polarity !== 'set' && pulse.polarity !== 'reset') {
      throw new RangeError(
        `${field}.polarity must be "set" or "reset", got ${JSON.stringify(pulse.polarity)}`,
      );
    }
    checkRange(`${field}.amplitude_V`, pulse.amplitude_V, { min: 0, max: limits.amplitude_V });
    checkRange(`${field}.width_s`, pulse.width_s, limits.width_s);
    const count = pulse.count ?? 1;
    if (!Number.isInteger(count)) throw new RangeError(`${field}.count must be an integer, got ${count}`);
    checkRange(`${field}.count`, count, { min: 1, max: limits.count });
    const at = i * PULSE_RECORD_BYTES;
    view.setUint8(at, pulse.array);
    view.setUint8(at + 1, pulse.polarity === 'set' ? 0 : 1);
    view.setUint16(at + 2, pulse.row, true);
    view.setUint16(at + 4, pulse.col, true);
    view.setUint16(at + 6, count, true);
    view.setFloat64(at + 8, pulse.amplitude_V, true);
    view.setFloat64(at + 16, pulse.width_s, true);
    pulses += count;
  });
  return { records, pulses };
}
