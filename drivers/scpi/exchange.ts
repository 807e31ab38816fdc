// The unlocked message exchange under ScpiClient: one program message out, one response message
// in, over a MessageTransport, with traffic logging. Callers serialise access (ScpiClient's mutex).
import type { Logger } from 'pino';
import type { MessageTransport, ReadOptions } from '../transports/transport.ts';
import { blockLengthDigits, encodeDefiniteBlock } from './block.ts';
import { ScpiInstrumentError, ScpiResponseError, type ScpiErrorEntry } from './errors.ts';
import { parseErrorEntry } from './response.ts';

export interface ScpiClientOptions {
  /** Traffic is logged at debug level: `{resource, tx}` / `{resource, rx}`. */
  logger?: Logger;
  /** Per-call I/O timeout handed to the transport; omitted = the transport's default. */
  timeout_ms?: number;
  /** The error-queue query. Default `SYST:ERR?` (SCPI-1999 vol.2 §21.8). */
  errorQuery?: string;
  /** Most SYST:ERR? reads in one drain before giving up on a queue that never empties. Default 64. */
  maxErrorReads?: number;
}

const HASH = 0x23;
const latin1 = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');

export class ScpiExchange {
  /** The last program message sent other than an error-queue read: the likely cause of an error. */
  lastCommand: string | undefined;
  readonly errorQuery: string;
  readonly #maxErrorReads: number;
  readonly #logger: Logger | undefined;
  readonly #timeout_ms: number | undefined;

  constructor(
    readonly transport: MessageTransport,
    options: ScpiClientOptions = {},
  ) {
    this.errorQuery = options.errorQuery ?? 'SYST:ERR?';
    this.#maxErrorReads = options.maxErrorReads ?? 64;
    this.#logger = options.logger;
    this.#timeout_ms = options.timeout_ms;
  }

  get resource(): string {
    return this.transport.resource;
  }

  #io(options: ReadOptions | undefined): ReadOptions | undefined {
    const timeout_ms = options?.timeout_ms ?? this.#timeout_ms;
    return timeout_ms === undefined ? undefined : { timeout_ms };
  }

  async send(command: string, options?: ReadOptions): Promise<void> {
    this.#logger?.debug({ resource: this.resource, tx: command });
    if (command !== this.errorQuery) this.lastCommand = command;
    await this.transport.write(command, this.#io(options));
  }

  async sendBlock(header: string, payload: Uint8Array, options?: ReadOptions): Promise<void> {
    await this.#sendWithBlock(header, payload, '', options);
  }

  /**
   * Sends one program message `<header> #<n><len><payload>;<query>` (a definite block, then a
   * query in the same message) and reads the query's response: one round trip. An instrument
   * error found later is attributed to this whole message.
   */
  async queryWithBlock(
    header: string,
    payload: Uint8Array,
    query: string,
    options?: ReadOptions,
  ): Promise<string> {
    await this.#sendWithBlock(header, payload, `;${query}`, options);
    return this.receive(options);
  }

  async #sendWithBlock(
    header: string,
    payload: Uint8Array,
    trailer: string,
    options: ReadOptions | undefined,
  ): Promise<void> {
    const separator = header === '' || /[\s,]$/.test(header) ? '' : ' ';
    const block = encodeDefiniteBlock(payload);
    const message = Buffer.concat([
      Buffer.from(header + separator, 'latin1'),
      block,
      Buffer.from(trailer, 'latin1'),
    ]);
    const shown = `${header}${separator}#<${payload.length} bytes>${trailer}`;
    this.#logger?.debug({ resource: this.resource, tx: shown, block_bytes: payload.length });
    this.lastCommand = shown;
    await this.transport.write(message, this.#io(options));
  }

  /**
   * Sends `<command>;:SYST:ERR?` as one program message (the `;:` returns the header path to the
   * root, SCPI-1999 vol.1 §6.2.4) and reads the one reply: the instrument has executed `command`
   * when it answers, and `0,"No error"` means it accepted it. One round trip.
   */
  async writeConfirmed(command: string, options?: ReadOptions): Promise<void> {
    const message = `${command};${this.#rootedErrorQuery()}`;
    this.#logger?.debug({ resource: this.resource, tx: message });
    this.lastCommand = command;
    await this.transport.write(message, this.#io(options));
    await this.#confirm(command, options);
  }

  /** `<header> #<n><len><payload>;:SYST:ERR?` as one program message, confirmed like
   * writeConfirmed(): a bulk write and its confirmation in one round trip. */
  async sendBlockConfirmed(header: string, payload: Uint8Array, options?: ReadOptions): Promise<void> {
    await this.#sendWithBlock(header, payload, `;${this.#rootedErrorQuery()}`, options);
    await this.#confirm(this.lastCommand, options);
  }

  #rootedErrorQuery(): string {
    return /^[:*]/.test(this.errorQuery) ? this.errorQuery : `:${this.errorQuery}`;
  }

  /**
   * Reads the error-query reply of a confirmed write. A nonzero code: the rest of the queue is
   * drained and everything thrown as one ScpiInstrumentError, as checkErrors() does. A command
   * error ends a program message before its later units (IEEE 488.2 §6.1.6.1.1), so then no reply
   * comes and the read's TransportTimeoutError stands, like a stuck instrument's; the queue is not
   * read after it, so the lock is released after one timeout and the interlock's safe state
   * reaches the instrument in time (the next confirmed write or checkErrors() reports the queued
   * error).
   */
  async #confirm(cause: string | undefined, options: ReadOptions | undefined): Promise<void> {
    const reply = await this.receive(options);
    const first = this.parse(this.errorQuery, reply, parseErrorEntry);
    if (first.code === 0) return;
    const rest = await this.readErrors();
    throw new ScpiInstrumentError(this.resource, cause, [first, ...rest]);
  }

  /** Reads one response message as text, surrounding whitespace (e.g. a CR before LF) removed. */
  async receive(options?: ReadOptions): Promise<string> {
    const text = latin1(await this.transport.read(this.#io(options))).trim();
    this.#logger?.debug({ resource: this.resource, rx: text });
    return text;
  }

  async query(command: string, options?: ReadOptions): Promise<string> {
    await this.send(command, options);
    return this.receive(options);
  }

  /**
   * Sends a query and reads an arbitrary block response with readBytes, so the payload may hold
   * the terminator byte: definite `#<n><len><bytes>` (IEEE 488.2 §8.7.9) or indefinite `#0<bytes>`
   * ended by NL^END (§8.7.10; over a stream transport it ends at the first newline).
   */
  async queryBlock(command: string, options?: ReadOptions): Promise<Uint8Array> {
    await this.send(command, options);
    const io = this.#io(options);
    const fail = async (reason: string, seen: Uint8Array): Promise<never> => {
      const rest = await this.transport.read(io).catch(() => new Uint8Array());
      throw new ScpiResponseError(this.resource, command, latin1(seen) + latin1(rest), reason);
    };
    const head = await this.transport.readBytes(2, io);
    const digits = blockLengthDigits(head[1]);
    if (head[0] !== HASH || digits === undefined) return fail('is not an arbitrary block (#<n>...)', head);
    if (digits === 0) {
      const payload = await this.transport.read(io);
      this.#logger?.debug({ resource: this.resource, rx: '#0', block_bytes: payload.length });
      return payload;
    }
    const lengthField = await this.transport.readBytes(digits, io);
    const lengthText = latin1(lengthField);
    if (!/^\d+$/.test(lengthText))
      return fail('has a non-numeric block length', Uint8Array.of(...head, ...lengthField));
    const payload = await this.transport.readBytes(Number(lengthText), io);
    const trailer = latin1(await this.transport.read(io));
    if (trailer.trim() !== '') {
      throw new ScpiResponseError(
        this.resource,
        command,
        trailer,
        `has ${trailer.length} unexpected bytes after the block`,
      );
    }
    this.#logger?.debug({
      resource: this.resource,
      rx: `#${digits}${lengthText}`,
      block_bytes: payload.length,
    });
    return payload;
  }

  /** Reads the error queue until `0,"No error"`; returns the errors, oldest first. */
  async readErrors(): Promise<ScpiErrorEntry[]> {
    const errors: ScpiErrorEntry[] = [];
    for (let reads = 0; reads < this.#maxErrorReads; reads++) {
      const response = await this.query(this.errorQuery);
      const entry = this.parse(this.errorQuery, response, parseErrorEntry);
      if (entry.code === 0) return errors;
      errors.push(entry);
    }
    throw new ScpiResponseError(
      this.resource,
      this.errorQuery,
      '',
      `never reported 0,"No error" within ${this.#maxErrorReads} reads`,
    );
  }

  async checkErrors(): Promise<void> {
    const cause = this.lastCommand;
    const errors = await this.readErrors();
    if (errors.length > 0) throw new ScpiInstrumentError(this.resource, cause, errors);
  }

  /** Applies a response parser, turning its RangeError into a ScpiResponseError. */
  parse<T>(command: string, response: string, parser: (text: string) => T): T {
    try {
      return parser(response);
    } catch (error) {
      if (error instanceof RangeError)
        throw new ScpiResponseError(this.resource, command, response, error.message);
      throw error;
    }
  }
}
