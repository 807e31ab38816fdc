// Parsing of response data (IEEE 488.2-1992 §8.7) into JavaScript values. Each parser throws a
// RangeError whose message says what was expected; the client wraps it with the command and
// resource into a ScpiResponseError.
import { SCPI_INFINITY, SCPI_NAN } from './format.ts';
import type { ScpiErrorEntry } from './errors.ts';

/** NR1, NR2 or NR3 (IEEE 488.2 §8.7.2-8.7.4), also accepting the NRf variants instruments send. */
const NUMERIC_RESPONSE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Parses one numeric response. SCPI-1999 vol.1 §7.2.1.5 encodings are decoded: 9.9E37 (an
 * overrange reading or +INFinity) → Infinity, -9.9E37 → -Infinity, ±9.91E37 (NAN) → NaN.
 */
export function parseNumber(text: string): number {
  const trimmed = text.trim();
  if (!NUMERIC_RESPONSE.test(trimmed)) throw new RangeError('is not an NR1/NR2/NR3 number');
  const value = Number(trimmed);
  if (Math.abs(value) === SCPI_NAN) return NaN;
  if (value === SCPI_INFINITY) return Infinity;
  if (value === -SCPI_INFINITY) return -Infinity;
  return value;
}

/** Parses a comma-separated list of numeric responses; an empty response is an empty list. */
export function parseNumbers(text: string): number[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  return trimmed.split(',').map((item, index) => {
    try {
      return parseNumber(item);
    } catch {
      throw new RangeError(`element ${index} (${JSON.stringify(item)}) is not an NR1/NR2/NR3 number`);
    }
  });
}

/** Parses a boolean response: `1`/`0` (SCPI-1999 vol.1 §7.3), also `ON`/`OFF`. */
export function parseBoolean(text: string): boolean {
  const value = text.trim().toUpperCase();
  if (value === '1' || value === 'ON') return true;
  if (value === '0' || value === 'OFF') return false;
  throw new RangeError('is not a boolean (1/0/ON/OFF)');
}

/**
 * Parses <STRING RESPONSE DATA> (IEEE 488.2 §8.7.8): text in double (or single) quotes with the
 * quote character doubled inside.
 */
export function parseQuotedString(text: string): string {
  const trimmed = text.trim();
  const quote = trimmed[0];
  if ((quote !== '"' && quote !== "'") || trimmed.length < 2 || trimmed[trimmed.length - 1] !== quote) {
    throw new RangeError('is not a quoted string');
  }
  const inner = trimmed.slice(1, -1);
  const doubled = quote + quote;
  if (inner.replaceAll(doubled, '').includes(quote))
    throw new RangeError('has an undoubled quote inside the string');
  return inner.replaceAll(doubled, quote);
}

/** The four *IDN? fields (IEEE 488.2 §10.14); structurally the capability layer's Identity. */
export interface ScpiIdentity {
  vendor: string;
  model: string;
  serial: string;
  firmware: string;
}

/**
 * Parses a *IDN? response: manufacturer, model, serial number (`0` if none), firmware level
 * (IEEE 488.2 §10.14.4). The firmware field keeps any further commas some instruments put there.
 */
export function parseIdentity(text: string): ScpiIdentity {
  const fields = text.trim().split(',');
  if (fields.length < 4) throw new RangeError(`has ${fields.length} comma-separated fields, *IDN? needs 4`);
  const [vendor, model, serial] = fields.map((f) => f.trim());
  return { vendor, model, serial, firmware: fields.slice(3).join(',').trim() };
}

/**
 * Parses a SYSTem:ERRor? response `<code>,"<description>"` (SCPI-1999 vol.2 §21.8.1). An
 * unquoted description is accepted as-is, since some instruments omit the quotes.
 */
export function parseErrorEntry(text: string): ScpiErrorEntry {
  const trimmed = text.trim();
  const comma = trimmed.indexOf(',');
  const codeText = comma < 0 ? trimmed : trimmed.slice(0, comma);
  if (!/^[+-]?\d+$/.test(codeText.trim())) throw new RangeError('does not start with an integer error code');
  const description = comma < 0 ? '' : trimmed.slice(comma + 1).trim();
  let message = description;
  if (description.startsWith('"')) message = parseQuotedString(description);
  return { code: Number(codeText), message };
}
