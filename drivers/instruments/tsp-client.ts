// A small client for Keithley's Test Script Processor (TSP, the Lua-based command language of the
// 2600B series; Keithley 2600B Reference Manual 2600BS-901-01, section 5 "Introduction to TSP
// operation" and section 7 "TSP command reference"). Each program message is a Lua chunk that the
// instrument executes; queries are `print(...)`, whose values come back tab-separated on one
// line; errors sit in `errorqueue`, not in SYST:ERR?. It rides on ScpiClient for the framing,
// logging and the per-instrument lock (a TSP message is a line of text like a SCPI one).
import type { Identity } from '../../src/capabilities/index.ts';
import type { MessageTransport, ReadOptions } from '../transports/transport.ts';
import { parseNumber, ScpiClient, type ScpiClientOptions, type ScpiSession } from '../scpi/index.ts';

/** One entry of the TSP error queue: errorqueue.next() → errorCode, message, severity, errorNode. */
export interface TspErrorEntry {
  code: number;
  message: string;
  /** 0 informational, 10 recoverable, 20 serious, 30 fatal (errorqueue.next() in section 7). */
  severity: number;
  /** The TSP-Link node that raised it (1 or 0 for the local node). */
  node: number;
}

/** The instrument's error queue held errors after a chunk. */
export class TspInstrumentError extends Error {
  override readonly name = 'TspInstrumentError';
  readonly code: number;
  constructor(
    readonly resource: string,
    /** The last chunk sent before the queue was read. */
    readonly command: string | undefined,
    readonly errors: readonly TspErrorEntry[],
  ) {
    const [first] = errors;
    const after = command === undefined ? '' : ` after ${JSON.stringify(command)}`;
    const more = errors.length > 1 ? ` (+${errors.length - 1} more)` : '';
    super(`${resource}: TSP error ${first.code} "${first.message}"${after}${more}`);
    this.code = first.code;
  }
}

/** A reply that is not what the query's print() should produce. */
export class TspResponseError extends Error {
  override readonly name = 'TspResponseError';
  constructor(
    readonly resource: string,
    readonly command: string,
    readonly response: string,
    readonly reason: string,
  ) {
    super(`${resource}: reply to ${JSON.stringify(command)} ${reason}: ${JSON.stringify(response)}`);
  }
}

/** Most errors read in one drain (the 2600B queue holds at most 32). */
const MAX_ERROR_READS = 64;

export class TspClient {
  readonly #scpi: ScpiClient;
  #lastChunk: string | undefined;

  constructor(transport: MessageTransport, options: Omit<ScpiClientOptions, 'errorQuery'> = {}) {
    this.#scpi = new ScpiClient(transport, options);
  }

  get resource(): string {
    return this.#scpi.resource;
  }

  /** *IDN? — the 2600B answers IEEE 488.2 common commands in TSP mode too (section 7, "Common
   * commands"). */
  identify(): Promise<Identity> {
    return this.#scpi.identify();
  }

  /** Sends one chunk (statements separated by spaces) for the instrument to run. */
  write(chunk: string): Promise<void> {
    return this.#scpi.transaction((s) => this.#send(s, chunk));
  }

  /** Sends a chunk, then drains the error queue; throws TspInstrumentError if it held errors. */
  writeChecked(chunk: string): Promise<void> {
    return this.#scpi.transaction(async (s) => {
      await this.#send(s, chunk);
      await this.#check(s);
    });
  }

  /**
   * A chunk confirmed as executed without error: the chunk, then `print(errorqueue.count)` in the
   * same transaction (two exchanges). Appending the print to the chunk itself would save one, but
   * a runtime error stops a Lua chunk at the failing statement (as the emulator's
   * tsp-interpreter.ts models it), so a refused level would leave the print unrun and surface
   * only as a timeout.
   */
  writeConfirmed(chunk: string): Promise<void> {
    return this.writeChecked(chunk);
  }

  /** `print(<expressions>)`: the printed values, tab-separated fields of the reply line. */
  query(expressions: string, options?: ReadOptions): Promise<string[]> {
    return this.#scpi.transaction((s) => this.#query(s, expressions, options));
  }

  /** `print(<expressions>)` read as numbers (the 2600B prints them as `1.00000e-03`). */
  async queryNumbers(expressions: string, options?: ReadOptions): Promise<number[]> {
    const fields = await this.query(expressions, options);
    return fields.map((field) => this.#number(`print(${expressions})`, field));
  }

  /** Drains errorqueue; the entries, oldest first. */
  readErrors(): Promise<TspErrorEntry[]> {
    return this.#scpi.transaction((s) => this.#readErrors(s));
  }

  /** Drains errorqueue and throws TspInstrumentError if it held any error. */
  checkErrors(): Promise<void> {
    return this.#scpi.transaction((s) => this.#check(s));
  }

  async #send(session: ScpiSession, chunk: string): Promise<void> {
    this.#lastChunk = chunk;
    await session.write(chunk);
  }

  async #query(session: ScpiSession, expressions: string, options?: ReadOptions): Promise<string[]> {
    const reply = await session.query(`print(${expressions})`, options);
    return reply.split('\t').map((field) => field.trim());
  }

  async #check(session: ScpiSession): Promise<void> {
    const cause = this.#lastChunk;
    const errors = await this.#readErrors(session);
    if (errors.length > 0) throw new TspInstrumentError(this.resource, cause, errors);
  }

  async #readErrors(session: ScpiSession): Promise<TspErrorEntry[]> {
    const [countText] = await this.#query(session, 'errorqueue.count');
    const count = this.#number('print(errorqueue.count)', countText);
    if (!Number.isInteger(count) || count < 0 || count > MAX_ERROR_READS) {
      throw new TspResponseError(
        this.resource,
        'print(errorqueue.count)',
        countText,
        'is not an error count',
      );
    }
    const errors: TspErrorEntry[] = [];
    for (let i = 0; i < count; i++) {
      const fields = await this.#query(session, 'errorqueue.next()');
      const command = 'print(errorqueue.next())';
      if (fields.length !== 4) {
        throw new TspResponseError(
          this.resource,
          command,
          fields.join('\t'),
          'does not have 4 tab-separated fields',
        );
      }
      errors.push({
        code: this.#number(command, fields[0]),
        message: fields[1],
        severity: this.#number(command, fields[2]),
        node: this.#number(command, fields[3]),
      });
    }
    return errors;
  }

  #number(command: string, field: string): number {
    try {
      return parseNumber(field);
    } catch {
      throw new TspResponseError(this.resource, command, field, 'is not a number');
    }
  }
}
