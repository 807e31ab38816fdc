// InstrumentSession: the one object a driver holds per instrument. It wraps any MessageTransport
// with a FIFO transaction queue (a write, or a write and its read, never interleaves with another
// caller's), default timeouts, reconnect with backoff after the link drops, and debug logging of
// every exchange. The session is itself a MessageTransport, so a ScpiClient can sit on top.
import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import {
  backoffDelay,
  resolveReconnectPolicy,
  type ReconnectPolicy,
  type ResolvedReconnectPolicy,
} from './backoff.ts';
import {
  TransportError,
  TransportTimeoutError,
  type MessageTransport,
  type ReadOptions,
} from './transport.ts';

export interface SessionOptions {
  /** Timeout for every call that does not pass its own, ms; absent = the transport's default. */
  timeout_ms?: number;
  /** Traffic at debug level (`{resource, op, data, bytes}`), link drops and reconnects at warn. */
  logger?: Logger;
  reconnect?: ReconnectPolicy;
  /** Bytes of each message shown in the log before it is cut. Default 160. */
  maxLoggedBytes?: number;
  /** How the session waits between reconnect attempts (tests inject a recorder). */
  wait?: (ms: number) => Promise<void>;
}

export class InstrumentSession implements MessageTransport {
  readonly #transport: MessageTransport;
  readonly #timeout_ms: number | undefined;
  readonly #logger: Logger | undefined;
  readonly #policy: ResolvedReconnectPolicy;
  readonly #maxLoggedBytes: number;
  readonly #wait: (ms: number) => Promise<void>;
  /** Marks code running inside this session's current transaction, which must not queue again. */
  readonly #inside = new AsyncLocalStorage<true>();
  #tail: Promise<unknown> = Promise.resolve();
  #wanted = false;

  constructor(transport: MessageTransport, options: SessionOptions = {}) {
    this.#transport = transport;
    this.#timeout_ms = options.timeout_ms;
    this.#logger = options.logger;
    this.#policy = resolveReconnectPolicy(options.reconnect);
    this.#maxLoggedBytes = options.maxLoggedBytes ?? 160;
    this.#wait = options.wait ?? ((ms) => sleep(ms));
  }

  get resource(): string {
    return this.#transport.resource;
  }

  get isOpen(): boolean {
    return this.#transport.isOpen;
  }

  /** The wrapped transport (its calls bypass the queue). */
  get transport(): MessageTransport {
    return this.#transport;
  }

  /** Opens the link: one attempt, so a wrong address fails at once. */
  open(): Promise<void> {
    return this.#exclusive('open', async () => {
      await this.#transport.open();
      this.#wanted = true;
    });
  }

  /** Closes after the queued transactions; later ones fail until open() is called again. */
  close(): Promise<void> {
    return this.#exclusive('close', async () => {
      this.#wanted = false;
      await this.#transport.close();
    });
  }

  /**
   * Runs `steps` alone on the link, after every transaction queued before it. Calls made on the
   * session inside `steps` (also through a ScpiClient built on it) run directly, not queued.
   */
  transaction<T>(steps: (session: this) => Promise<T>): Promise<T> {
    return this.#exclusive('transaction', () => steps(this));
  }

  write(message: string | Uint8Array, options?: ReadOptions): Promise<void> {
    return this.#exclusive('write', async () => {
      this.#log('write', message);
      await this.#transport.write(message, this.#io(options));
    });
  }

  read(options?: ReadOptions): Promise<Uint8Array> {
    return this.#exclusive('read', async () => {
      const message = await this.#transport.read(this.#io(options));
      this.#log('read', message);
      return message;
    });
  }

  readBytes(count: number, options?: ReadOptions): Promise<Uint8Array> {
    return this.#exclusive('readBytes', async () => {
      const bytes = await this.#transport.readBytes(count, this.#io(options));
      this.#log('readBytes', bytes);
      return bytes;
    });
  }

  /** A write and the read of its response as one transaction. */
  query(message: string | Uint8Array, options?: ReadOptions): Promise<Uint8Array> {
    return this.transaction(async () => {
      await this.write(message, options);
      return this.read(options);
    });
  }

  clear(): Promise<void> {
    return this.#exclusive('clear', async () => {
      this.#logger?.debug({ resource: this.resource, op: 'clear' });
      await this.#transport.clear();
    });
  }

  #exclusive<T>(operation: string, work: () => Promise<T>): Promise<T> {
    if (this.#inside.getStore()) return work();
    const run = async (): Promise<T> => {
      if (operation !== 'open' && operation !== 'close') await this.#ensureLink(operation);
      try {
        return await this.#inside.run(true, work);
      } catch (error) {
        if (this.#wanted && !this.#transport.isOpen && !(error instanceof TransportTimeoutError)) {
          this.#logger?.warn({ resource: this.resource, op: operation, err: error }, 'link dropped');
        }
        throw error;
      }
    };
    const result = this.#tail.then(run);
    this.#tail = result.catch(() => undefined);
    return result;
  }

  /** Reconnects a dropped link before a transaction, with backoff between attempts. */
  async #ensureLink(operation: string): Promise<void> {
    if (!this.#wanted) throw new TransportError(this.resource, operation, 'session is not open');
    if (this.#transport.isOpen) return;
    let lastError: unknown;
    for (let attempt = 0; attempt < this.#policy.attempts; attempt++) {
      const delay_ms = backoffDelay(attempt, this.#policy);
      this.#logger?.warn({ resource: this.resource, attempt: attempt + 1, delay_ms }, 'reconnecting');
      await this.#wait(delay_ms);
      try {
        await this.#transport.close();
        await this.#transport.open();
        this.#logger?.warn({ resource: this.resource, attempt: attempt + 1 }, 'reconnected');
        return;
      } catch (error) {
        lastError = error;
      }
    }
    const reason =
      this.#policy.attempts === 0
        ? 'link is down and reconnecting is disabled'
        : `link is down; ${this.#policy.attempts} reconnect attempts failed` +
          (lastError instanceof Error ? ` (last: ${lastError.message})` : '');
    throw new TransportError(this.resource, operation, reason, { cause: lastError });
  }

  #io(options: ReadOptions | undefined): ReadOptions | undefined {
    const timeout_ms = options?.timeout_ms ?? this.#timeout_ms;
    return timeout_ms === undefined ? undefined : { timeout_ms };
  }

  #log(op: string, message: string | Uint8Array): void {
    if (!this.#logger?.isLevelEnabled('debug')) return;
    const bytes = typeof message === 'string' ? Buffer.from(message, 'latin1') : Buffer.from(message);
    this.#logger.debug({
      resource: this.resource,
      op,
      bytes: bytes.length,
      data: preview(bytes, this.#maxLoggedBytes),
    });
  }
}

/** Printable ASCII as is, other bytes as \n, \r, \t or \xHH; cut after `limit` bytes. */
export function preview(bytes: Uint8Array, limit: number): string {
  let text = '';
  for (const b of bytes.subarray(0, limit)) {
    if (b >= 0x20 && b < 0x7f && b !== 0x5c) text += String.fromCharCode(b);
    else if (b === 0x0a) text += '\\n';
    else if (b === 0x0d) text += '\\r';
    else if (b === 0x09) text += '\\t';
    else if (b === 0x5c) text += '\\\\';
    else text += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return bytes.length > limit ? `${text}…(+${bytes.length - limit} bytes)` : text;
}
