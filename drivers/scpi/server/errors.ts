// The server's error/event queue (SCPI-1999 vol.2 §21.8) and the standard error codes it uses.

/** Standard error/event descriptions, SCPI-1999 vol.2 §21.8.9-21.8.12. */
export const STANDARD_ERRORS: Readonly<Record<number, string>> = {
  0: 'No error',
  [-100]: 'Command error',
  [-101]: 'Invalid character',
  [-102]: 'Syntax error',
  [-103]: 'Invalid separator',
  [-104]: 'Data type error',
  [-108]: 'Parameter not allowed',
  [-109]: 'Missing parameter',
  [-112]: 'Program mnemonic too long',
  [-113]: 'Undefined header',
  [-114]: 'Header suffix out of range',
  [-120]: 'Numeric data error',
  [-121]: 'Invalid character in number',
  [-123]: 'Exponent too large',
  [-131]: 'Invalid suffix',
  [-138]: 'Suffix not allowed',
  [-151]: 'Invalid string data',
  [-161]: 'Invalid block data',
  [-170]: 'Expression error',
  [-200]: 'Execution error',
  [-222]: 'Data out of range',
  [-224]: 'Illegal parameter value',
  [-300]: 'Device-specific error',
  [-350]: 'Queue overflow',
  [-410]: 'Query INTERRUPTED',
  [-420]: 'Query UNTERMINATED',
};

/**
 * An error a command handler or the parser raises; the server queues it. Negative codes take the
 * standard description; positive (device-specific) codes need `description`.
 */
export class ScpiError extends Error {
  override readonly name = 'ScpiError';
  constructor(
    readonly code: number,
    /** Device-dependent information appended after `;` (SCPI-1999 vol.2 §21.8.2). */
    readonly info?: string,
    description?: string,
  ) {
    const text = description ?? STANDARD_ERRORS[code];
    if (text === undefined) throw new RangeError(`error code ${code} has no standard description; pass one`);
    super(info === undefined ? text : `${text};${info}`);
  }
}

export interface ErrorQueueEntry {
  code: number;
  message: string;
}

const NO_ERROR: ErrorQueueEntry = { code: 0, message: STANDARD_ERRORS[0] };
const OVERFLOW: ErrorQueueEntry = { code: -350, message: STANDARD_ERRORS[-350] };

/** FIFO error/event queue; when full, the newest entry is replaced by -350 (SCPI-1999 vol.2 §21.8.1). */
export class ErrorQueue {
  #entries: ErrorQueueEntry[] = [];

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 2) {
      throw new RangeError(`errorQueueCapacity must be an integer >= 2, got ${capacity}`);
    }
  }

  get count(): number {
    return this.#entries.length;
  }

  push(entry: ErrorQueueEntry): void {
    if (this.#entries.length < this.capacity) this.#entries.push(entry);
    else this.#entries[this.capacity - 1] = OVERFLOW;
  }

  /** Removes and returns the oldest entry, or 0,"No error". */
  next(): ErrorQueueEntry {
    return this.#entries.shift() ?? NO_ERROR;
  }

  /** Removes and returns every entry, oldest first. */
  drain(): ErrorQueueEntry[] {
    const entries = this.#entries;
    this.#entries = [];
    return entries;
  }
}

/** `<code>,"<message>"` with embedded quotes doubled (SCPI-1999 vol.2 §21.8.1). */
export function formatErrorEntry(entry: ErrorQueueEntry): string {
  return `${entry.code},"${entry.message.replaceAll('"', '""')}"`;
}
