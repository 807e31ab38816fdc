// ScpiClient: what instrument drivers use to speak SCPI over any MessageTransport. Every public
// call is one transaction under a per-client mutex, so concurrent callers never interleave a
// write with another caller's read; transaction() groups several steps atomically.
import type { MessageTransport, ReadOptions } from '../transports/transport.ts';
import { decodeBinary, type BinaryFormat } from './block.ts';
import type { ScpiErrorEntry } from './errors.ts';
import { ScpiResponseError } from './errors.ts';
import { ScpiExchange, type ScpiClientOptions } from './exchange.ts';
import { Mutex } from './mutex.ts';
import {
  parseBoolean,
  parseIdentity,
  parseNumber,
  parseNumbers,
  parseQuotedString,
  type ScpiIdentity,
} from './response.ts';
import {
  decodeEventStatus,
  decodeStatusByte,
  type DecodedRegister,
  type EventStatusBit,
  type StatusByteBit,
} from './status.ts';

export type { ScpiClientOptions } from './exchange.ts';

type Runner = <T>(step: () => Promise<T>) => Promise<T>;
const direct: Runner = (step) => step();

/** The SCPI operations; on ScpiClient each call is locked, inside transaction() they are not. */
export class ScpiSession {
  protected constructor(
    protected readonly exchange: ScpiExchange,
    private readonly run: Runner,
  ) {}

  get resource(): string {
    return this.exchange.resource;
  }

  /** Sends one program message (compound messages joined with `;` are one write). */
  write(command: string, options?: ReadOptions): Promise<void> {
    return this.run(() => this.exchange.send(command, options));
  }

  /** write() then checkErrors() in one transaction, so the error is attributed to `command`. */
  writeChecked(command: string, options?: ReadOptions): Promise<void> {
    return this.run(async () => {
      await this.exchange.send(command, options);
      await this.exchange.checkErrors();
    });
  }

  /**
   * Sends `<command>;:SYST:ERR?` as one program message and reads its one reply: returns once the
   * instrument has executed `command` without error; an error reply drains the queue and throws
   * ScpiInstrumentError with every error. One round trip where writeChecked() takes two.
   */
  writeConfirmed(command: string, options?: ReadOptions): Promise<void> {
    return this.run(() => this.exchange.writeConfirmed(command, options));
  }

  /** Sends `<command>;*OPC?` and waits for the `1` (IEEE 488.2 §10.19): one round trip. */
  writeAndWait(command: string, options?: ReadOptions): Promise<void> {
    return this.run(() => this.#expectOne(`${command};*OPC?`, options));
  }

  /** Sends a query and returns the response text, surrounding whitespace removed. */
  query(command: string, options?: ReadOptions): Promise<string> {
    return this.run(() => this.exchange.query(command, options));
  }

  /** One NR1/NR2/NR3 value; 9.9E37 → ±Infinity (overrange), 9.91E37 → NaN (SCPI-1999 vol.1 §7.2.1.5). */
  queryNumber(command: string, options?: ReadOptions): Promise<number> {
    return this.#parsed(command, parseNumber, options);
  }

  /** A comma-separated list of numbers, decoded like queryNumber. */
  queryNumbers(command: string, options?: ReadOptions): Promise<number[]> {
    return this.#parsed(command, parseNumbers, options);
  }

  /** A boolean response (`1`/`0`, also `ON`/`OFF`). */
  queryBoolean(command: string, options?: ReadOptions): Promise<boolean> {
    return this.#parsed(command, parseBoolean, options);
  }

  /** A quoted <STRING RESPONSE DATA> with its quotes removed and doubled quotes undone. */
  queryString(command: string, options?: ReadOptions): Promise<string> {
    return this.#parsed(command, parseQuotedString, options);
  }

  /** The payload of a definite (`#<n><len>`) or indefinite (`#0`) block response. */
  queryBlock(command: string, options?: ReadOptions): Promise<Uint8Array> {
    return this.run(() => this.exchange.queryBlock(command, options));
  }

  /** A block response decoded as binary numbers (e.g. FORM REAL,32 with FORM:BORD SWAP). */
  queryBinary(
    command: string,
    format: BinaryFormat,
    options?: ReadOptions,
  ): Promise<Float64Array<ArrayBuffer>> {
    return this.run(async () => {
      const payload = await this.exchange.queryBlock(command, options);
      try {
        return decodeBinary(payload, format);
      } catch (error) {
        throw new ScpiResponseError(
          this.resource,
          command,
          `<${payload.length} bytes>`,
          (error as Error).message,
        );
      }
    });
  }

  /** Sends `<header> #<n><len><payload>` (IEEE 488.2 §7.7.6.2). */
  writeBlock(header: string, payload: Uint8Array, options?: ReadOptions): Promise<void> {
    return this.run(() => this.exchange.sendBlock(header, payload, options));
  }

  /** writeBlock() with the error query in the same message, confirmed like writeConfirmed(). */
  writeBlockConfirmed(header: string, payload: Uint8Array, options?: ReadOptions): Promise<void> {
    return this.run(() => this.exchange.sendBlockConfirmed(header, payload, options));
  }

  /**
   * Sends `<header> #<n><len><payload>;<query>` as one program message and returns the query's
   * response text: a bulk write and its confirmation in one round trip (e.g. a pulse batch and
   * its applied count).
   */
  queryWithBlock(header: string, payload: Uint8Array, query: string, options?: ReadOptions): Promise<string> {
    return this.run(() => this.exchange.queryWithBlock(header, payload, query, options));
  }

  /** *IDN? parsed into its four fields (IEEE 488.2 §10.14). */
  identify(options?: ReadOptions): Promise<ScpiIdentity> {
    return this.#parsed('*IDN?', parseIdentity, options);
  }

  /** Drains the error queue (SYST:ERR? until 0,"No error"); the errors, oldest first. */
  readErrors(): Promise<ScpiErrorEntry[]> {
    return this.run(() => this.exchange.readErrors());
  }

  /** Drains the error queue and throws ScpiInstrumentError if it held any error. */
  checkErrors(): Promise<void> {
    return this.run(() => this.exchange.checkErrors());
  }

  /** *OPC?: returns once all pending operations have completed (IEEE 488.2 §10.19). */
  waitComplete(options?: ReadOptions): Promise<void> {
    return this.run(() => this.#expectOne('*OPC?', options));
  }

  /** *CLS: clears the event registers and the error queue (IEEE 488.2 §10.3). */
  clearStatus(): Promise<void> {
    return this.write('*CLS');
  }

  /** *RST: the instrument's reset state (IEEE 488.2 §10.32). */
  reset(): Promise<void> {
    return this.write('*RST');
  }

  /** *ESR? (reading clears it), decoded per IEEE 488.2 §11.5.1.1. */
  readEventStatus(options?: ReadOptions): Promise<DecodedRegister<EventStatusBit>> {
    return this.#parsed('*ESR?', (text) => decodeEventStatus(parseNumber(text)), options);
  }

  /** *STB? decoded per IEEE 488.2 §11.2.2 with the SCPI EAV/QUES/OPER bits. */
  readStatusByte(options?: ReadOptions): Promise<DecodedRegister<StatusByteBit>> {
    return this.#parsed('*STB?', (text) => decodeStatusByte(parseNumber(text)), options);
  }

  #parsed<T>(command: string, parser: (text: string) => T, options: ReadOptions | undefined): Promise<T> {
    return this.run(async () =>
      this.exchange.parse(command, await this.exchange.query(command, options), parser),
    );
  }

  async #expectOne(command: string, options: ReadOptions | undefined): Promise<void> {
    const response = await this.exchange.query(command, options);
    if (response !== '1')
      throw new ScpiResponseError(this.resource, command, response, 'is not the *OPC? reply "1"');
  }
}

export class ScpiClient extends ScpiSession {
  readonly #mutex: Mutex;

  constructor(
    readonly transport: MessageTransport,
    options: ScpiClientOptions = {},
  ) {
    const mutex = new Mutex();
    super(new ScpiExchange(transport, options), (step) => mutex.run(step));
    this.#mutex = mutex;
  }

  /**
   * Runs several operations as one transaction: no other caller's traffic comes in between.
   * Use the session passed in (calling the client itself inside would wait for the lock forever).
   */
  transaction<T>(body: (session: ScpiSession) => Promise<T>): Promise<T> {
    return this.#mutex.run(() => body(new UnlockedSession(this.exchange)));
  }
}

class UnlockedSession extends ScpiSession {
  constructor(exchange: ScpiExchange) {
    super(exchange, direct);
  }
}
