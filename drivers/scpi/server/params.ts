// Parameter types for server command handlers: each converts one program data token into a
// value, or throws the SCPI error a real instrument would queue.
import { ScpiError } from './errors.ts';
import type { DataToken } from './lexer.ts';

export interface ParamSpec<T> {
  /** Names the parameter in error messages. */
  readonly name: string;
  readonly optional: boolean;
  parse(token: DataToken): T;
}

/** The handler's value tuple for a list of parameter specs. */
export type ParamValues<P extends readonly ParamSpec<unknown>[]> = {
  -readonly [K in keyof P]: P[K] extends ParamSpec<infer T> ? T : never;
};

/** Suffix multipliers, IEEE 488.2 §7.7.3.4 Table 7-1 (case-insensitive: M = milli, MA = mega). */
const MULTIPLIER_EXPONENTS: Record<string, number> = {
  EX: 18,
  PE: 15,
  T: 12,
  G: 9,
  MA: 6,
  K: 3,
  M: -3,
  U: -6,
  N: -9,
  P: -12,
  F: -15,
  A: -18,
};
/** Exceptions to the multiplier rule, §7.7.3.4: MOHM and MHZ mean mega-ohm and megahertz. */
const MEGA_EXCEPTIONS: Record<string, string> = { MOHM: 'OHM', MHZ: 'HZ' };

/** Power of ten a suffix applies to a value in `unit`, or undefined when it is not valid for it. */
export function suffixExponent(suffix: string, unit: string): number | undefined {
  const upper = suffix.toUpperCase();
  const base = unit.toUpperCase();
  if (upper === base) return 0;
  if (MEGA_EXCEPTIONS[upper] === base) return 6;
  for (const [prefix, exponent] of Object.entries(MULTIPLIER_EXPONENTS)) {
    if (upper === prefix + base) return exponent;
  }
  return undefined;
}

const fail = (code: number, name: string, reason: string): never => {
  throw new ScpiError(code, `${name}: ${reason}`);
};

/** Whether character data `text` is the keyword written SCPI-style as `spelling` (e.g. MINimum). */
export function isKeyword(text: string, spelling: string): boolean {
  const upper = text.toUpperCase();
  return upper === spelling.toUpperCase() || upper === /^[A-Z0-9_]*/.exec(spelling)![0];
}

export interface NumericOptions {
  name?: string;
  /** The base unit (`V`, `A`, `OHM`, `HZ`, `S`); with it, SI-prefixed suffixes are accepted. */
  unit?: string;
  /** Inclusive range; also the values of MINimum / MAXimum. Default ±Infinity. */
  min?: number;
  max?: number;
  /** The value of DEFault; without it DEF is an illegal parameter value (-224). */
  default?: number;
  /** Round to the nearest integer, as SCPI-1999 vol.1 §7.2.1 requires for integer parameters. */
  integer?: boolean;
}

/**
 * <numeric_value> (SCPI-1999 vol.1 §7.2.1): decimal with optional suffix, #H/#Q/#B, MINimum,
 * MAXimum, DEFault, INFinity, NINFinity. Out of range → -222.
 */
export function numeric(options: NumericOptions = {}): ParamSpec<number> {
  const name = options.name ?? 'numeric parameter';
  const min = options.min ?? -Infinity;
  const max = options.max ?? Infinity;
  const toValue = (token: DataToken): number => {
    switch (token.kind) {
      case 'nondecimal':
        return token.value;
      case 'decimal': {
        if (token.suffix === undefined) return token.value;
        if (options.unit === undefined) return fail(-138, name, `takes no unit, got ${token.suffix}`);
        const shift = suffixExponent(token.suffix, options.unit);
        if (shift === undefined) return fail(-131, name, `${token.suffix} is not a unit of ${options.unit}`);
        return Number(`${token.mantissa}e${token.exponent + shift}`);
      }
      case 'character':
        if (isKeyword(token.text, 'MINimum')) return min;
        if (isKeyword(token.text, 'MAXimum')) return max;
        if (isKeyword(token.text, 'DEFault')) {
          return options.default ?? fail(-224, name, 'has no DEFault value');
        }
        if (isKeyword(token.text, 'INFinity')) return Infinity;
        if (isKeyword(token.text, 'NINFinity')) return -Infinity;
        return fail(-224, name, `${token.text} is not a number or MIN/MAX/DEF`);
      default:
        return fail(-104, name, `expects numeric data, got ${token.kind} data`);
    }
  };
  return {
    name,
    optional: false,
    parse(token) {
      let value = toValue(token);
      if (options.integer && Number.isFinite(value)) value = Math.round(value);
      if (!(value >= min && value <= max)) fail(-222, name, `${value} is outside [${min}, ${max}]`);
      return value;
    },
  };
}

/** <Boolean> (SCPI-1999 vol.1 §7.3): ON/OFF, or a number rounded (non-zero = ON). */
export function boolean(options: { name?: string } = {}): ParamSpec<boolean> {
  const name = options.name ?? 'boolean parameter';
  return {
    name,
    optional: false,
    parse(token) {
      if (token.kind === 'decimal' || token.kind === 'nondecimal') {
        if (token.kind === 'decimal' && token.suffix !== undefined) fail(-138, name, 'takes no unit');
        return Math.round(token.value) !== 0;
      }
      if (token.kind !== 'character') return fail(-104, name, `expects ON/OFF/1/0, got ${token.kind} data`);
      if (isKeyword(token.text, 'ON')) return true;
      if (isKeyword(token.text, 'OFF')) return false;
      return fail(-224, name, `${token.text} is not ON or OFF`);
    },
  };
}

/**
 * <CHARACTER PROGRAM DATA> from a fixed set, written SCPI-style (`VOLTage`): short or long form,
 * any case. The handler receives the spelling as declared.
 */
export function choice<const T extends string>(
  options: readonly T[],
  settings: { name?: string } = {},
): ParamSpec<T> {
  const name = settings.name ?? 'choice parameter';
  return {
    name,
    optional: false,
    parse(token) {
      if (token.kind !== 'character')
        return fail(-104, name, `expects one of ${options.join('|')}, got ${token.kind} data`);
      return (
        options.find((option) => isKeyword(token.text, option)) ??
        fail(-224, name, `${token.text} is not one of ${options.join('|')}`)
      );
    },
  };
}

/** <STRING PROGRAM DATA>, quotes removed. */
export function string(options: { name?: string } = {}): ParamSpec<string> {
  const name = options.name ?? 'string parameter';
  return {
    name,
    optional: false,
    parse: (token) =>
      token.kind === 'string'
        ? token.value
        : fail(-104, name, `expects a quoted string, got ${token.kind} data`),
  };
}

/** <ARBITRARY BLOCK PROGRAM DATA>, definite or indefinite. */
export function block(options: { name?: string } = {}): ParamSpec<Uint8Array> {
  const name = options.name ?? 'block parameter';
  return {
    name,
    optional: false,
    parse: (token) =>
      token.kind === 'block' ? token.bytes : fail(-104, name, `expects block data, got ${token.kind} data`),
  };
}

/**
 * A channel list `(@1,3:5)` (SCPI-1999 vol.1 §8.3.2) expanded to channel numbers in order;
 * ranges may descend (`5:3` → 5,4,3).
 */
export function channelList(
  options: { name?: string; min?: number; max?: number } = {},
): ParamSpec<number[]> {
  const name = options.name ?? 'channel list';
  const min = options.min ?? 0;
  const max = options.max ?? Infinity;
  const channel = (text: string): number => {
    if (!/^\s*\d+\s*$/.test(text)) return fail(-170, name, `'${text}' is not a channel number`);
    const value = Number(text);
    return value >= min && value <= max
      ? value
      : fail(-222, name, `channel ${value} is outside [${min}, ${max}]`);
  };
  return {
    name,
    optional: false,
    parse(token) {
      if (token.kind !== 'expression' || !token.inner.startsWith('@')) {
        return fail(-104, name, `expects a channel list (@...), got ${token.kind} data`);
      }
      const channels: number[] = [];
      for (const item of token.inner.slice(1).split(',')) {
        const [first, last, extra] = item.split(':');
        if (extra !== undefined) fail(-170, name, `'${item}' is not a channel or range`);
        const from = channel(first);
        const to = last === undefined ? from : channel(last);
        const step = to >= from ? 1 : -1;
        for (let c = from; c !== to + step; c += step) channels.push(c);
      }
      return channels;
    },
  };
}

/** Makes a parameter optional: the handler gets undefined when it is not sent. */
export function optional<T>(spec: ParamSpec<T>): ParamSpec<T | undefined> {
  return { ...spec, optional: true };
}
