// The crossbar board's programming-pulse record (docs/protocols/crossbar-board.md): 24 bytes,
// little-endian regardless of FORMat:BORDer, so firmware can cast the block to a packed struct.
//   offset 0  uint8    array (0-based)
//   offset 1  uint8    polarity: 0 = SET (raise conductance), 1 = RESET (lower)
//   offset 2  uint16   row (0-based)
//   offset 4  uint16   col (0-based)
//   offset 6  uint16   count (identical pulses back to back, >= 1)
//   offset 8  float64  amplitude, V (magnitude, >= 0; the polarity sets the sign)
//   offset 16 float64  width, s
import type { Pulse } from '../../src/capabilities/index.ts';

export const PULSE_RECORD_BYTES = 24;

/** Decodes a PROGram:PULSe:BATCh block; throws RangeError naming the record and field. */
export function decodePulseRecords(payload: Uint8Array): Pulse[] {
  if (payload.length % PULSE_RECORD_BYTES !== 0) {
    throw new RangeError(
      `pulse block of ${payload.length} bytes is not a whole number of ${PULSE_RECORD_BYTES}-byte records`,
    );
  }
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const pulses: Pulse[] = [];
  for (let at = 0, i = 0; at < payload.length; at += PULSE_RECORD_BYTES, i++) {
    const polarity = view.getUint8(at + 1);
    if (polarity > 1)
      throw new RangeError(`record ${i}.polarity: ${polarity} is neither 0 (SET) nor 1 (RESET)`);
    pulses.push({
      array: view.getUint8(at),
      polarity: polarity === 0 ? 'set' : 'reset',
      row: view.getUint16(at + 2, true),
      col: view.getUint16(at + 4, true),
      count: view.getUint16(at + 6, true),
      amplitude_V: view.getFloat64(at + 8, true),
      width_s: view.getFloat64(at + 16, true),
    });
  }
  return pulses;
}
