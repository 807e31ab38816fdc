// Scripted exchanges for protocol tests of drivers, in the style of PyMeasure's
// expected_protocol: the test lists every program message the driver must send and the reply the
// instrument gives; any deviation fails the test, even if the driver catches the error.
import { TransportError, TransportTimeoutError, type MessageTransport } from '../../transports/transport.ts';

/** Reply sentinel: the next read() after this write times out (TransportTimeoutError). */
export const TIMEOUT: unique symbol = Symbol('expectedProtocol.TIMEOUT');

/** A reply: the response message (terminator added by the transport), null for none, or TIMEOUT. */
export type ScriptedReply = string | Uint8Array | null | typeof TIMEOUT;

/** One expected write (without terminator, as the driver passes it to write()) and its reply. */
export type Exchange = readonly [send: string | Uint8Array, reply: ScriptedReply];

export interface ExpectedProtocolOptions {
  resource?: string;
  /** Appended to every reply, as a stream instrument sends it. Default `\n`. */
  terminator?: string;
}

/** The driver did something the script does not allow. */
export class ProtocolDeviation extends Error {
  override readonly name = 'ProtocolDeviation';
}

const latin1 = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
const toBytes = (data: string | Uint8Array) =>
  typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
const show = (bytes: Uint8Array) => JSON.stringify(latin1(bytes));
// A macrotask turn, so concurrent callers without a lock really do interleave.
const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A MessageTransport that behaves like a stream instrument following a script. Replies are
 * buffered with their terminator, so read() stops at the first terminator and readBytes() takes
 * exact counts, as on a socket. It is a deviation to write anything but the next expected
 * message, to write while part of a reply is unread (an instrument would answer -410 Query
 * INTERRUPTED), to read when no reply is pending, or to finish with exchanges or reply bytes left.
 */
export class ScriptedTransport implements MessageTransport {
  readonly resource: string;
  /** Every message written, in order. */
  readonly sent: Uint8Array[] = [];
  /** Number of clear() calls. */
  clears = 0;
  #open = true;
  #next = 0;
  #unread: Uint8Array = new Uint8Array(0);
  #timeoutPending = false;
  #deviation: ProtocolDeviation | undefined;
  readonly #exchanges: readonly Exchange[];
  readonly #terminator: Uint8Array;

  constructor(exchanges: readonly Exchange[], options: ExpectedProtocolOptions = {}) {
    this.#exchanges = exchanges;
    this.resource = options.resource ?? 'SCRIPTED::INSTR';
    this.#terminator = toBytes(options.terminator ?? '\n');
  }

  get isOpen(): boolean {
    return this.#open;
  }

  /** The first deviation, even if the code under test caught it. */
  get deviation(): ProtocolDeviation | undefined {
    return this.#deviation;
  }

  async open(): Promise<void> {
    this.#open = true;
  }

  async close(): Promise<void> {
    this.#open = false;
  }

  async write(message: string | Uint8Array): Promise<void> {
    await yieldTurn();
    this.#assertOpen('write');
    const bytes = toBytes(message);
    this.sent.push(bytes);
    const index = this.#next;
    if (this.#unread.length > 0) {
      this.#deviate(`write ${show(bytes)} while ${show(this.#unread)} of the previous reply is unread`);
    }
    const expected = this.#exchanges[index];
    if (expected === undefined)
      this.#deviate(`unexpected write ${show(bytes)}: the script has ${this.#exchanges.length} exchanges`);
    const wanted = toBytes(expected[0]);
    if (Buffer.compare(wanted, bytes) !== 0) {
      this.#deviate(`exchange ${index}: expected write ${show(wanted)}, got ${show(bytes)}`);
    }
    this.#next++;
    const reply = expected[1];
    if (reply === TIMEOUT) this.#timeoutPending = true;
    else if (reply !== null) this.#unread = Buffer.concat([toBytes(reply), this.#terminator]);
  }

  async read(): Promise<Uint8Array> {
    await yieldTurn();
    this.#assertOpen('read');
    this.#takeTimeout('read');
    const end = Buffer.from(this.#unread).indexOf(Buffer.from(this.#terminator));
    if (end < 0) this.#deviate(`read() after exchange ${this.#next - 1}, but no reply is pending`);
    const message = new Uint8Array(this.#unread.subarray(0, end));
    this.#unread = this.#unread.slice(end + this.#terminator.length);
    return message;
  }

  async readBytes(count: number): Promise<Uint8Array> {
    await yieldTurn();
    this.#assertOpen('readBytes');
    this.#takeTimeout('readBytes');
    if (this.#unread.length < count) {
      this.#deviate(
        `readBytes(${count}) after exchange ${this.#next - 1}, but ${this.#unread.length} reply bytes remain`,
      );
    }
    const bytes = new Uint8Array(this.#unread.subarray(0, count));
    this.#unread = this.#unread.slice(count);
    return bytes;
  }

  async clear(): Promise<void> {
    this.clears++;
    this.#unread = new Uint8Array(0);
    this.#timeoutPending = false;
  }

  /** Throws the first deviation, or if exchanges or reply bytes are left over. */
  assertDone(): void {
    if (this.#deviation) throw this.#deviation;
    if (this.#next < this.#exchanges.length) {
      const missing = this.#exchanges.slice(this.#next).map(([send]) => show(toBytes(send)));
      throw new ProtocolDeviation(
        `${this.#exchanges.length - this.#next} expected exchange(s) never happened: ${missing.join(', ')}`,
      );
    }
    if (this.#unread.length > 0) throw new ProtocolDeviation(`reply bytes never read: ${show(this.#unread)}`);
    if (this.#timeoutPending) throw new ProtocolDeviation('a scripted TIMEOUT was never read');
  }

  #assertOpen(operation: string): void {
    if (!this.#open)
      this.#deviate(
        `${operation} on a closed transport`,
        new TransportError(this.resource, operation, 'transport is closed'),
      );
  }

  #takeTimeout(operation: string): void {
    if (!this.#timeoutPending) return;
    this.#timeoutPending = false;
    throw new TransportTimeoutError(this.resource, operation, 0);
  }

  #deviate(reason: string, thrown?: Error): never {
    const deviation = new ProtocolDeviation(`${this.resource}: ${reason}`);
    this.#deviation ??= deviation;
    throw thrown ?? deviation;
  }
}

/**
 * Runs `body` against a ScriptedTransport and verifies that exactly the scripted exchanges
 * happened. Returns what `body` returns.
 *
 *   await expectedProtocol([[':SOUR:VOLT 0.5', null], [':MEAS:CURR?', '1.25E-6']], async (t) => {
 *     const smu = new Keithley2450(new ScpiClient(t));
 *     await smu.setVoltage(0.5);
 *     assert.equal(await smu.measureCurrent(), 1.25e-6);
 *   });
 */
export async function expectedProtocol<T>(
  exchanges: readonly Exchange[],
  body: (transport: ScriptedTransport) => Promise<T>,
  options: ExpectedProtocolOptions = {},
): Promise<T> {
  const transport = new ScriptedTransport(exchanges, options);
  let result: T;
  try {
    result = await body(transport);
  } catch (error) {
    // The deviation is the root cause even when the driver turned it into another error.
    throw transport.deviation ?? error;
  }
  transport.assertDone();
  return result;
}
