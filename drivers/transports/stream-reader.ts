// Receive-side framing for byte-stream links (TCP socket, serial): incoming chunks are buffered,
// read() takes one message up to the read terminator, readBytes() takes an exact count from the
// same buffer. After a timeout the whole buffer is discarded, so the next read starts from bytes
// that arrive after the timeout rather than from the tail of a half-received response.
import { TransportError, TransportTimeoutError } from './transport.ts';

export interface StreamFramingOptions {
  /** Ends every response message; removed by read(). Default `\n`. */
  readTermination?: string;
  /** Appended to every write; `''` for none. Default `\n`. */
  writeTermination?: string;
  /** Default per-call I/O timeout, ms (ReadOptions.timeout_ms overrides it). Default 2000. */
  timeout_ms?: number;
}

/** The default per-call I/O timeout of the stream transports, ms (PyVISA's default too). */
export const DEFAULT_TIMEOUT_MS = 2000;

interface PendingRead {
  /** Returns how many buffered bytes to take (and how many of those to drop), or undefined. */
  take: () => { length: number; drop: number } | undefined;
  resolve: (bytes: Uint8Array) => void;
  reject: (error: Error) => void;
}

export class StreamReader {
  #buffer: Buffer = Buffer.alloc(0);
  #pending: PendingRead | undefined;
  /** Set while the link is down: pending and later reads fail with it until reset(). */
  #linkError: TransportError | undefined;

  constructor(private readonly resource: string) {}

  get buffered(): number {
    return this.#buffer.length;
  }

  push(chunk: Uint8Array): void {
    this.#buffer = this.#buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#buffer, chunk]);
    this.#serve();
  }

  /** The link dropped: fail the pending read and every read until reset(). */
  fail(error: TransportError): void {
    this.#linkError = error;
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.reject(error);
  }

  /** A fresh link: empty buffer, no link error. */
  reset(): void {
    this.#buffer = Buffer.alloc(0);
    this.#linkError = undefined;
  }

  /** Drops everything received so far (the pending read, if any, keeps waiting). */
  discard(): void {
    this.#buffer = Buffer.alloc(0);
  }

  /** One message up to `terminator`, which is removed. */
  readMessage(terminator: Uint8Array, timeout_ms: number): Promise<Uint8Array> {
    if (terminator.length === 0) throw new RangeError(`${this.resource}: read terminator is empty`);
    return this.#wait('read', timeout_ms, () => {
      const at = this.#buffer.indexOf(terminator);
      return at < 0 ? undefined : { length: at, drop: terminator.length };
    });
  }

  readBytes(count: number, timeout_ms: number): Promise<Uint8Array> {
    if (!Number.isInteger(count) || count < 0)
      throw new RangeError(`${this.resource}: readBytes count must be a non-negative integer, got ${count}`);
    return this.#wait('readBytes', timeout_ms, () =>
      this.#buffer.length >= count ? { length: count, drop: 0 } : undefined,
    );
  }

  #wait(operation: string, timeout_ms: number, take: PendingRead['take']): Promise<Uint8Array> {
    if (this.#pending) {
      return Promise.reject(
        new TransportError(this.resource, operation, 'another read is already waiting on this link'),
      );
    }
    return new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending = undefined;
        this.discard();
        reject(new TransportTimeoutError(this.resource, operation, timeout_ms));
      }, timeout_ms);
      const settle =
        <T>(done: (value: T) => void) =>
        (value: T) => {
          clearTimeout(timer);
          done(value);
        };
      this.#pending = { take, resolve: settle(resolve), reject: settle(reject) };
      this.#serve();
      // A link that is already down fails the read now (data buffered before the drop is still served).
      if (this.#pending && this.#linkError) this.fail(this.#linkError);
    });
  }

  #serve(): void {
    const pending = this.#pending;
    const found = pending?.take();
    if (!pending || !found) return;
    this.#pending = undefined;
    const message = new Uint8Array(this.#buffer.subarray(0, found.length));
    this.#buffer = this.#buffer.subarray(found.length + found.drop);
    pending.resolve(message);
  }
}

/** Strings go on the wire one byte per character (latin1), as SCPI's ASCII needs. */
export function toBytes(message: string | Uint8Array): Buffer {
  return typeof message === 'string' ? Buffer.from(message, 'latin1') : Buffer.from(message);
}

/** A message with the write terminator appended. */
export function withTerminator(message: string | Uint8Array, terminator: string): Buffer {
  const bytes = toBytes(message);
  return terminator === '' ? bytes : Buffer.concat([bytes, Buffer.from(terminator, 'latin1')]);
}
