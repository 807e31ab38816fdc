// An in-memory MessageTransport wired to a transport-free device such as ScpiServer, for tests
// that run a driver against an emulator without sockets. Behaves like a stream link: each write
// gets the NL terminator, responses are buffered, read() stops at NL, readBytes() takes counts.
import {
  TransportError,
  TransportTimeoutError,
  type MessageTransport,
  type ReadOptions,
} from '../../transports/transport.ts';

export interface LoopbackDevice {
  execute(input: Uint8Array): Promise<Uint8Array | null>;
  deviceClear?(): void;
}

export interface LoopbackOptions {
  resource?: string;
  /** Default read timeout, ms. Default 1000. */
  timeout_ms?: number;
}

const NL = 0x0a;

export class LoopbackTransport implements MessageTransport {
  readonly resource: string;
  #open = true;
  #received: Buffer = Buffer.alloc(0);
  #waiters: (() => void)[] = [];
  readonly #timeout_ms: number;

  constructor(
    private readonly device: LoopbackDevice,
    options: LoopbackOptions = {},
  ) {
    this.resource = options.resource ?? 'LOOPBACK::INSTR';
    this.#timeout_ms = options.timeout_ms ?? 1000;
  }

  get isOpen(): boolean {
    return this.#open;
  }

  async open(): Promise<void> {
    this.#open = true;
  }

  async close(): Promise<void> {
    this.#open = false;
  }

  async write(message: string | Uint8Array): Promise<void> {
    this.#assertOpen('write');
    const bytes = typeof message === 'string' ? Buffer.from(message, 'latin1') : Buffer.from(message);
    const response = await this.device.execute(Buffer.concat([bytes, Uint8Array.of(NL)]));
    if (response === null) return;
    this.#received = Buffer.concat([this.#received, response]);
    for (const wake of this.#waiters.splice(0)) wake();
  }

  async read(options?: ReadOptions): Promise<Uint8Array> {
    const end = await this.#waitFor('read', options, () => {
      const at = this.#received.indexOf(NL);
      return at < 0 ? undefined : at;
    });
    const message = this.#received.subarray(0, end);
    this.#received = this.#received.subarray(end + 1);
    return new Uint8Array(message);
  }

  async readBytes(count: number, options?: ReadOptions): Promise<Uint8Array> {
    await this.#waitFor('readBytes', options, () => (this.#received.length >= count ? count : undefined));
    const bytes = this.#received.subarray(0, count);
    this.#received = this.#received.subarray(count);
    return new Uint8Array(bytes);
  }

  async clear(): Promise<void> {
    this.#received = Buffer.alloc(0);
    this.device.deviceClear?.();
  }

  #assertOpen(operation: string): void {
    if (!this.#open) throw new TransportError(this.resource, operation, 'transport is closed');
  }

  /** Resolves with ready()'s value once it has one, or fails after the timeout. */
  async #waitFor(
    operation: string,
    options: ReadOptions | undefined,
    ready: () => number | undefined,
  ): Promise<number> {
    this.#assertOpen(operation);
    const timeout_ms = options?.timeout_ms ?? this.#timeout_ms;
    const deadline = Date.now() + timeout_ms;
    while (true) {
      const value = ready();
      if (value !== undefined) return value;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new TransportTimeoutError(this.resource, operation, timeout_ms);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}
