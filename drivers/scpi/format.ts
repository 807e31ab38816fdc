// Formatting of program data for commands the client sends (IEEE 488.2-1992 §7.7) and of numeric
// response data the server returns (§8.7.2-8.7.4).

/** Decimal exponents outside [PLAIN_MIN_EXPONENT, PLAIN_MAX_EXPONENT] are written in NR3 form. */
const PLAIN_MIN_EXPONENT = -6;
const PLAIN_MAX_EXPONENT = 14;

interface DecimalDigits {
  negative: boolean;
  /** Shortest significant digits that round-trip to the same double, no leading zeros. */
  digits: string;
  /** Power of ten of the first digit. */
  exponent: number;
}

function shortestDigits(value: number): DecimalDigits {
  // toExponential() without an argument yields the shortest digit string that identifies the
  // double uniquely (ECMA-262 Number::toString), so nothing is lost.
  const [mantissa, exponent] = Math.abs(value).toExponential().split('e');
  return { negative: value < 0, digits: mantissa.replace('.', ''), exponent: Number(exponent) };
}

function plainDecimal({ negative, digits, exponent }: DecimalDigits): string {
  let text: string;
  if (exponent >= digits.length - 1) text = digits + '0'.repeat(exponent - digits.length + 1);
  else if (exponent >= 0) text = `${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
  else text = `0.${'0'.repeat(-exponent - 1)}${digits}`;
  return negative ? `-${text}` : text;
}

function exponential({ negative, digits, exponent }: DecimalDigits, alwaysPoint: boolean): string {
  const fraction = digits.length > 1 ? `.${digits.slice(1)}` : alwaysPoint ? '.0' : '';
  const sign = exponent < 0 ? '-' : '+';
  return `${negative ? '-' : ''}${digits[0]}${fraction}E${sign}${Math.abs(exponent)}`;
}

/**
 * Formats a number as <DECIMAL NUMERIC PROGRAM DATA> (IEEE 488.2 §7.7.2) with no loss: the text
 * parses back to the identical double. Plain decimal notation for moderate magnitudes; otherwise
 * an NR3 form with an upper-case `E` and an explicit exponent sign (`1.5E-9`), which every
 * 488.2 parser accepts. `field` names the value in the error for a non-finite number.
 */
export function formatNumber(value: number, field = 'value'): string {
  if (!Number.isFinite(value)) {
    throw new RangeError(`${field} must be a finite number to be sent as SCPI numeric data, got ${value}`);
  }
  if (value === 0) return '0';
  const decimal = shortestDigits(value);
  if (decimal.exponent >= PLAIN_MIN_EXPONENT && decimal.exponent <= PLAIN_MAX_EXPONENT) {
    return plainDecimal(decimal);
  }
  return exponential(decimal, false);
}

/** SCPI-1999 vol.1 §7.2.1.5: the numeric encodings of infinity and not-a-number. */
export const SCPI_INFINITY = 9.9e37;
export const SCPI_NAN = 9.91e37;

/**
 * Formats a number as response data: NR1 for safe integers, NR3 otherwise (IEEE 488.2 §8.7.2,
 * §8.7.4), the shortest exact digits; ±Infinity as ±9.9E+37 and NaN as 9.91E+37 (SCPI-1999
 * vol.1 §7.2.1.5).
 */
export function formatResponseNumber(value: number): string {
  if (Number.isNaN(value)) return '9.91E+37';
  if (value === Infinity) return '9.9E+37';
  if (value === -Infinity) return '-9.9E+37';
  if (Number.isSafeInteger(value)) return String(value === 0 ? 0 : value);
  return exponential(shortestDigits(value), true);
}

/**
 * Quotes text as <STRING PROGRAM DATA> (IEEE 488.2 §7.7.5): double quotes, embedded double
 * quotes doubled. Only printable 7-bit ASCII is allowed (a newline would end the message on a
 * stream transport).
 */
export function quoteString(text: string, field = 'string'): string {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code > 0x7e) {
      throw new RangeError(
        `${field} contains character code 0x${code.toString(16)} at index ${i}; only printable ASCII can be sent`,
      );
    }
  }
  return `"${text.replaceAll('"', '""')}"`;
}

/** Boolean program data as SCPI-1999 vol.1 §7.3 ON/OFF. */
export function formatBoolean(value: boolean): string {
  return value ? 'ON' : 'OFF';
}

/**
 * A SCPI channel list (SCPI-1999 vol.1 §8.3.2), consecutive channels merged into ranges:
 * [1, 3, 4, 5] → `(@1,3:5)`.
 */
export function formatChannelList(channels: readonly number[], field = 'channels'): string {
  if (channels.length === 0) throw new RangeError(`${field} must name at least one channel`);
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < channels.length; i++) {
    const channel = channels[i];
    if (!Number.isSafeInteger(channel) || channel < 0) {
      throw new RangeError(`${field}[${i}] must be a non-negative integer, got ${channel}`);
    }
    const next = channels[i + 1];
    if (next === channel + 1) continue;
    parts.push(i === start ? `${channels[start]}` : `${channels[start]}:${channel}`);
    start = i + 1;
  }
  return `(@${parts.join(',')})`;
}
