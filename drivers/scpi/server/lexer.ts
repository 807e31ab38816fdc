// Lexer for one <PROGRAM MESSAGE> (IEEE 488.2-1992 §7.3-7.7, SCPI-1999 vol.1 §6-7): splits it into
// message units (header + program data), one unit at a time, so units before a syntax error still
// execute (IEEE 488.2 §6.1.6). The message excludes its terminator; it is read as latin1 text so
// string indices are byte offsets and blocks can be cut from the original bytes.
import { ScpiError } from './errors.ts';

export interface Header {
  /** The header as received, for error messages. */
  text: string;
  /** A common command (`*IDN?`), IEEE 488.2 §7.6.1.2. */
  common: boolean;
  /** Began with `:`, so it is resolved from the root (SCPI-1999 vol.1 §6.2.4). */
  absolute: boolean;
  /** Program mnemonics as received, numeric suffixes included (`OUTP2`). */
  mnemonics: string[];
  query: boolean;
}

export type DataToken =
  /** <DECIMAL NUMERIC PROGRAM DATA> §7.7.2 with optional <SUFFIX PROGRAM DATA> §7.7.3. */
  | { kind: 'decimal'; text: string; mantissa: string; exponent: number; value: number; suffix?: string }
  /** <NON-DECIMAL NUMERIC PROGRAM DATA> §7.7.4: #H, #Q, #B. */
  | { kind: 'nondecimal'; text: string; value: number }
  /** <CHARACTER PROGRAM DATA> §7.7.1. */
  | { kind: 'character'; text: string }
  /** <STRING PROGRAM DATA> §7.7.5, quotes removed. */
  | { kind: 'string'; text: string; value: string }
  /** <ARBITRARY BLOCK PROGRAM DATA> §7.7.6. */
  | { kind: 'block'; text: string; bytes: Uint8Array }
  /** <EXPRESSION PROGRAM DATA> §7.7.7, `inner` without the outer parentheses. */
  | { kind: 'expression'; text: string; inner: string };

export interface MessageUnit {
  header: Header;
  data: DataToken[];
}

/** Characters that appear nowhere in 488.2 syntax outside strings and blocks (-101). */
const INVALID_CHARACTERS = new Set('$%&!`{}[]\\|~^<>='.split(''));
const MAX_MNEMONIC_LENGTH = 12;
const DECIMAL_MANTISSA = /[+-]?(?:\d+(?:\.\d*)?|\.\d+)/y;
const EXPONENT_DIGITS = /[+-]?\d+/y;
const RADIX: Record<string, { base: number; digits: RegExp }> = {
  H: { base: 16, digits: /^[0-9A-F]+$/i },
  Q: { base: 8, digits: /^[0-7]+$/ },
  B: { base: 2, digits: /^[01]+$/ },
};

/** <white space>: bytes 0x00-0x09 and 0x0B-0x20 (IEEE 488.2 §7.4.1.2). */
const isWhitespace = (c: string | undefined): boolean => c !== undefined && c <= ' ' && c !== '\n';
const isAlpha = (c: string | undefined): boolean => c !== undefined && /[A-Za-z]/.test(c);
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isInvalid = (c: string): boolean => c > '~' || INVALID_CHARACTERS.has(c);

export class ProgramMessageLexer {
  #pos = 0;
  readonly #text: string;

  constructor(private readonly bytes: Uint8Array) {
    this.#text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  }

  /** The next message unit, or null at the end of the message. Throws ScpiError on bad syntax. */
  nextUnit(): MessageUnit | null {
    this.#skipWhitespace();
    if (this.#atEnd()) return null;
    const header = this.#header();
    const data: DataToken[] = [];
    const next = this.#peek();
    if (next === ';') this.#pos++;
    else if (isWhitespace(next)) {
      this.#skipWhitespace();
      if (this.#peek() === ';') this.#pos++;
      else if (!this.#atEnd()) this.#dataList(data);
    } else if (next !== undefined) {
      this.#unexpected(next, -103, `expected white space or ';' after header ${header.text}`);
    }
    return { header, data };
  }

  #atEnd(): boolean {
    return this.#pos >= this.#text.length;
  }

  #peek(offset = 0): string | undefined {
    return this.#text[this.#pos + offset];
  }

  #skipWhitespace(): void {
    while (isWhitespace(this.#peek())) this.#pos++;
  }

  /** Throws -101 for an invalid character, otherwise `code`. */
  #unexpected(c: string, code: number, info: string): never {
    if (isInvalid(c))
      throw new ScpiError(-101, `character 0x${c.charCodeAt(0).toString(16)} at byte ${this.#pos}`);
    throw new ScpiError(code, `${info}, found '${c}' at byte ${this.#pos}`);
  }

  #header(): Header {
    const start = this.#pos;
    const common = this.#peek() === '*';
    const absolute = this.#peek() === ':';
    if (common || absolute) this.#pos++;
    const mnemonics = [this.#mnemonic()];
    while (!common && this.#peek() === ':') {
      this.#pos++;
      mnemonics.push(this.#mnemonic());
    }
    const query = this.#peek() === '?';
    if (query) this.#pos++;
    return { text: this.#text.slice(start, this.#pos), common, absolute, mnemonics, query };
  }

  /** <program mnemonic> (§7.6.1.2): a letter, then letters, digits, underscores. */
  #mnemonic(): string {
    const c = this.#peek();
    if (!isAlpha(c)) {
      if (c === undefined) throw new ScpiError(-102, `header ends without a mnemonic at byte ${this.#pos}`);
      this.#unexpected(c, -102, 'expected a program mnemonic');
    }
    const start = this.#pos;
    while (/[A-Za-z0-9_]/.test(this.#peek() ?? '')) this.#pos++;
    const mnemonic = this.#text.slice(start, this.#pos);
    if (mnemonic.replace(/\d+$/, '').length > MAX_MNEMONIC_LENGTH) throw new ScpiError(-112, mnemonic);
    return mnemonic;
  }

  #dataList(data: DataToken[]): void {
    while (true) {
      data.push(this.#data());
      this.#skipWhitespace();
      const c = this.#peek();
      if (c === undefined) return;
      if (c === ';') {
        this.#pos++;
        return;
      }
      if (c !== ',') this.#unexpected(c, -103, "expected ',' or ';' after program data");
      this.#pos++;
      this.#skipWhitespace();
    }
  }

  #data(): DataToken {
    const c = this.#peek();
    if (c === undefined) throw new ScpiError(-102, `program data expected at byte ${this.#pos}`);
    if (isDigit(c) || c === '+' || c === '-' || c === '.') return this.#decimal();
    if (c === '#') return RADIX[(this.#peek(1) ?? '').toUpperCase()] ? this.#nonDecimal() : this.#block();
    if (c === '"' || c === "'") return this.#string(c);
    if (c === '(') return this.#expression();
    if (isAlpha(c)) return { kind: 'character', text: this.#mnemonic() };
    return this.#unexpected(c, -102, 'expected program data');
  }

  #match(pattern: RegExp, at: number): string | undefined {
    pattern.lastIndex = at;
    return pattern.exec(this.#text)?.[0];
  }

  #decimal(): DataToken {
    const start = this.#pos;
    const mantissa = this.#match(DECIMAL_MANTISSA, start);
    if (mantissa === undefined) throw new ScpiError(-120, `no digits in number at byte ${start}`);
    this.#pos += mantissa.length;
    let exponent = 0;
    // <white space> is allowed around the exponent's E (§7.7.2.2).
    let probe = this.#pos;
    while (isWhitespace(this.#text[probe])) probe++;
    if (this.#text[probe] === 'E' || this.#text[probe] === 'e') {
      probe++;
      while (isWhitespace(this.#text[probe])) probe++;
      const digits = this.#match(EXPONENT_DIGITS, probe);
      if (digits !== undefined) {
        exponent = Number(digits);
        this.#pos = probe + digits.length;
      } else if (this.#text[probe] === '+' || this.#text[probe] === '-') {
        throw new ScpiError(-120, `exponent without digits in ${this.#text.slice(start, probe + 1)}`);
      }
    }
    const value = Number(`${mantissa}e${exponent}`);
    if (!Number.isFinite(value)) throw new ScpiError(-123, this.#text.slice(start, this.#pos));
    let suffix: string | undefined;
    const beforeSuffix = this.#pos;
    this.#skipWhitespace();
    if (isAlpha(this.#peek())) {
      const suffixStart = this.#pos;
      while (/[A-Za-z]/.test(this.#peek() ?? '')) this.#pos++;
      suffix = this.#text.slice(suffixStart, this.#pos);
    } else this.#pos = beforeSuffix;
    return { kind: 'decimal', text: this.#text.slice(start, this.#pos), mantissa, exponent, value, suffix };
  }

  #nonDecimal(): DataToken {
    const start = this.#pos;
    const radix = RADIX[this.#text[start + 1].toUpperCase()];
    this.#pos += 2;
    while (/[0-9A-Za-z]/.test(this.#peek() ?? '')) this.#pos++;
    const digits = this.#text.slice(start + 2, this.#pos);
    const text = this.#text.slice(start, this.#pos);
    if (digits === '') throw new ScpiError(-120, `no digits after ${text}`);
    if (!radix.digits.test(digits)) throw new ScpiError(-121, text);
    return { kind: 'nondecimal', text, value: parseInt(digits, radix.base) };
  }

  #block(): DataToken {
    const start = this.#pos;
    const lengthDigits = this.#peek(1);
    if (!isDigit(lengthDigits))
      throw new ScpiError(-102, `'#' not followed by a block or number at byte ${start}`);
    const n = Number(lengthDigits);
    if (n === 0) {
      // Indefinite block: everything up to the terminator (§7.7.6.2), so it ends the message.
      const bytes = this.bytes.subarray(start + 2);
      this.#pos = this.#text.length;
      return { kind: 'block', text: '#0', bytes };
    }
    const lengthText = this.#text.slice(start + 2, start + 2 + n);
    if (!/^\d+$/.test(lengthText) || lengthText.length !== n) {
      throw new ScpiError(-161, `block length field '${lengthText}' is not ${n} digits`);
    }
    const payloadStart = start + 2 + n;
    const payloadEnd = payloadStart + Number(lengthText);
    if (payloadEnd > this.bytes.length) {
      throw new ScpiError(
        -161,
        `block announces ${lengthText} bytes, message holds ${this.bytes.length - payloadStart}`,
      );
    }
    this.#pos = payloadEnd;
    return {
      kind: 'block',
      text: `#${n}${lengthText}`,
      bytes: this.bytes.subarray(payloadStart, payloadEnd),
    };
  }

  #string(quote: string): DataToken {
    const start = this.#pos;
    let value = '';
    let i = start + 1;
    while (true) {
      const close = this.#text.indexOf(quote, i);
      if (close < 0) throw new ScpiError(-151, `string starting at byte ${start} has no closing ${quote}`);
      value += this.#text.slice(i, close);
      if (this.#text[close + 1] !== quote) {
        this.#pos = close + 1;
        return { kind: 'string', text: this.#text.slice(start, this.#pos), value };
      }
      value += quote;
      i = close + 2;
    }
  }

  #expression(): DataToken {
    const start = this.#pos;
    let depth = 0;
    for (let i = start; i < this.#text.length; i++) {
      if (this.#text[i] === '(') depth++;
      else if (this.#text[i] === ')' && --depth === 0) {
        this.#pos = i + 1;
        return {
          kind: 'expression',
          text: this.#text.slice(start, i + 1),
          inner: this.#text.slice(start + 1, i),
        };
      }
    }
    throw new ScpiError(-170, `expression starting at byte ${start} has no closing ')'`);
  }
}
