// Splits a byte stream into program messages at the NL terminator (IEEE 488.2-1992 §7.5), except
// inside a definite-length block (§7.7.6), whose payload may hold any byte. A raw-socket or
// serial emulator pushes received chunks and executes each complete message.

const NL = 0x0a;
const HASH = 0x23;
const ZERO = 0x30;
const NINE = 0x39;
const DOUBLE_QUOTE = 0x22;
const SINGLE_QUOTE = 0x27;

type State =
  | { kind: 'text' }
  /** Inside a quoted string: a `#` there starts no block. */
  | { kind: 'string'; quote: number }
  /** Just after `#`. */
  | { kind: 'hash' }
  | { kind: 'length'; digitsLeft: number; length: number }
  | { kind: 'payload'; bytesLeft: number };

export class ProgramMessageFramer {
  #buffer: Uint8Array = new Uint8Array(0);
  #scanned = 0;
  #state: State = { kind: 'text' };

  /** Appends received bytes; returns the messages completed by them, terminators removed. */
  push(chunk: Uint8Array): Uint8Array[] {
    const joined = new Uint8Array(this.#buffer.length + chunk.length);
    joined.set(this.#buffer);
    joined.set(chunk, this.#buffer.length);
    this.#buffer = joined;
    const messages: Uint8Array[] = [];
    while (this.#scanned < this.#buffer.length) {
      const at = this.#scanned++;
      if (this.#step(this.#buffer[at])) {
        messages.push(this.#buffer.slice(0, at));
        this.#buffer = this.#buffer.slice(at + 1);
        this.#scanned = 0;
        this.#state = { kind: 'text' };
      }
    }
    return messages;
  }

  /** Bytes received that do not yet form a complete message. */
  get pending(): number {
    return this.#buffer.length;
  }

  /** Returns the unterminated remainder (if any) as a message and starts afresh. */
  flush(): Uint8Array | undefined {
    const rest = this.#buffer.length > 0 ? this.#buffer : undefined;
    this.reset();
    return rest;
  }

  /** Discards buffered bytes (device clear). */
  reset(): void {
    this.#buffer = new Uint8Array(0);
    this.#scanned = 0;
    this.#state = { kind: 'text' };
  }

  /** Advances the state machine by one byte; true when the byte terminates a message. */
  #step(byte: number): boolean {
    const state = this.#state;
    switch (state.kind) {
      case 'payload':
        if (--state.bytesLeft === 0) this.#state = { kind: 'text' };
        return false;
      case 'length':
        if (byte < ZERO || byte > NINE) break; // malformed; the parser will report it
        state.length = state.length * 10 + (byte - ZERO);
        if (--state.digitsLeft === 0)
          this.#state = state.length > 0 ? { kind: 'payload', bytesLeft: state.length } : { kind: 'text' };
        return false;
      case 'hash':
        if (byte > ZERO && byte <= NINE) {
          this.#state = { kind: 'length', digitsLeft: byte - ZERO, length: 0 };
          return false;
        }
        break; // `#0` (indefinite, ends at NL) or #H/#Q/#B: plain text from here
      case 'string':
        if (byte === state.quote) this.#state = { kind: 'text' };
        return byte === NL;
      case 'text':
        break;
    }
    this.#state = { kind: 'text' };
    if (byte === HASH) this.#state = { kind: 'hash' };
    else if (byte === DOUBLE_QUOTE || byte === SINGLE_QUOTE) this.#state = { kind: 'string', quote: byte };
    return byte === NL;
  }
}

/** Splits a complete input into messages; a final unterminated part counts as a message. */
export function splitProgramMessages(input: Uint8Array): Uint8Array[] {
  const framer = new ProgramMessageFramer();
  const messages = framer.push(input);
  const rest = framer.flush();
  if (rest !== undefined) messages.push(rest);
  return messages;
}
