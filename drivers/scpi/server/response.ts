// Response data a query handler returns, and its encoding (IEEE 488.2-1992 §8.7).
import { encodeDefiniteBlock } from '../block.ts';
import { formatResponseNumber } from '../format.ts';

/**
 * - number → NR1 for safe integers, else NR3 (±Infinity → ±9.9E+37, NaN → 9.91E+37)
 * - boolean → 1 / 0
 * - string → sent as is (use quoteString() for <STRING RESPONSE DATA>)
 * - Uint8Array → definite-length block `#<n><len><bytes>`
 * - array → its elements separated by `,`
 */
export type ResponseData = number | boolean | string | Uint8Array | readonly ResponseData[];

const encoder = new TextEncoder();
const COMMA = encoder.encode(',');
export function encodeResponse(data: ResponseData): Uint8Array[] {
  if (data instanceof Uint8Array) return [encodeDefiniteBlock(data)];
  if (typeof data === 'number') return [encoder.encode(formatResponseNumber(data))];
  if (typeof data === 'boolean') return [encoder.encode(data ? '1' : '0')];
  if (typeof data === 'string') return [Buffer.from(data, 'latin1')];
  const parts: Uint8Array[] = [];
  data.forEach((element, index) => {
    if (index > 0) parts.push(COMMA);
    parts.push(...encodeResponse(element));
  });
  return parts;
}
