// Raw TCP socket transport (`TCPIP::host::port::SOCKET`): the usual SCPI-over-LAN link on port
// 5025. Messages are framed by terminators only: each write gets the write terminator, read()
// returns the bytes before the next read terminator. A raw socket has no device clear, so clear()
// only empties the local receive buffer.
import { Socket } from 'node:net';
import { parseResource, formatResource, type TcpipSocketResource } from './resource-string.ts';
import {
  DEFAULT_TIMEOUT_MS,
  StreamReader,
  withTerminator,
  type StreamFramingOptions,
} from './stream-reader.ts';
import {
  TransportError,
  TransportTimeoutError,
  type MessageTransport,
  type ReadOptions,
} from './transport.ts';

export interface TcpSocketOptions extends StreamFramingOptions {
  /** Default 5000. */
  connectTimeout_ms?: number;
  /** TCP keep-alive probes on an idle link, so a dead peer is noticed. Default true. */
  keepAlive?: boolean;
  /** Idle time before the first keep-alive probe, ms. Default 10000. */
  keepAliveInitialDelay_ms?: number;
}

export class TcpSocketTransport implements MessageTransport {
  readonly resource: string;
  readonly host: string;
  readonly port: number;
  #socket: Socket | undefined;
  readonly #reader: StreamReader;
  readonly #readTermination: Buffer;
  readonly #writeTermination: string;
  readonly #timeout_ms: number;
  readonly #connectTimeout_ms: number;
  readonly #keepAlive: boolean;
  readonly #keepAliveInitialDelay_ms: number;

  constructor(resource: TcpipSocketResource | string, options: TcpSocketOptions = {}) {
    const parsed = typeof resource === 'string' ? parseResource(resource) : resource;
    if (parsed.kind !== 'tcpip-socket') {
      throw new TypeError(
        `TcpSocketTransport needs a TCPIP::host::port::SOCKET resource, got ${formatResource(parsed)}`,
      );
    }
    this.resource = formatResource(parsed);
    this.host = parsed.host;
    this.port = parsed.port;
    this.#reader = new StreamReader(this.resource);
    this.#readTermination = Buffer.from(options.readTermination ?? '\n', 'latin1');
    this.#writeTermination = options.writeTermination ?? '\n';
    this.#timeout_ms = options.timeout_ms ?? DEFAULT_TIMEOUT_MS;
    this.#connectTimeout_ms = options.connectTimeout_ms ?? 5000;
    this.#keepAlive = options.keepAlive ?? true;
    this.#keepAliveInitialDelay_ms = options.keepAliveInitialDelay_ms ?? 10_000;
  }

  get isOpen(): boolean {
    return this.#socket !== undefined && !this.#socket.destroyed && this.#socket.readyState === 'open';
  }

  async open(): Promise<void> {
    if (this.isOpen) return;
    this.#drop();
    const socket = new Socket();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new TransportTimeoutError(this.resource, 'connect', this.#connectTimeout_ms));
      }, this.#connectTimeout_ms);
      socket.once('error', (error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(new TransportError(this.resource, 'connect', error.message, { cause: error }));
      });
      socket.connect({ host: this.host, port: this.port }, () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve();
      });
    });
    socket.setNoDelay(true);
    socket.setKeepAlive(this.#keepAlive, this.#keepAliveInitialDelay_ms);
    this.#reader.reset();
    socket.on('data', (chunk: Buffer) => this.#reader.push(chunk));
    socket.on('error', (error) =>
      this.#reader.fail(new TransportError(this.resource, 'read', error.message, { cause: error })),
    );
    socket.on('close', () => {
      this.#reader.fail(new TransportError(this.resource, 'read', 'connection closed'));
      if (this.#socket === socket) this.#socket = undefined;
    });
    this.#socket = socket;
  }

  async close(): Promise<void> {
    const socket = this.#socket;
    this.#socket = undefined;
    if (!socket || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.end();
      // A peer that never acknowledges the FIN must not keep close() waiting.
      setTimeout(() => socket.destroy(), 1000).unref();
    });
  }

  /** Closes and connects again (fresh buffer). */
  async reconnect(): Promise<void> {
    await this.close();
    await this.open();
  }

  async write(message: string | Uint8Array, options?: ReadOptions): Promise<void> {
    const socket = this.#openSocket('write');
    const timeout_ms = options?.timeout_ms ?? this.#timeout_ms;
    const bytes = withTerminator(message, this.#writeTermination);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        // The peer stopped reading; the link's state is unknown, so it is dropped.
        socket.destroy();
        reject(new TransportTimeoutError(this.resource, 'write', timeout_ms));
      }, timeout_ms);
      socket.write(bytes, (error) => {
        clearTimeout(timer);
        if (error) reject(new TransportError(this.resource, 'write', error.message, { cause: error }));
        else resolve();
      });
    });
  }

  async read(options?: ReadOptions): Promise<Uint8Array> {
    this.#openSocket('read');
    return this.#reader.readMessage(this.#readTermination, options?.timeout_ms ?? this.#timeout_ms);
  }

  async readBytes(count: number, options?: ReadOptions): Promise<Uint8Array> {
    this.#openSocket('readBytes');
    return this.#reader.readBytes(count, options?.timeout_ms ?? this.#timeout_ms);
  }

  async clear(): Promise<void> {
    this.#openSocket('clear');
    this.#reader.discard();
  }

  #openSocket(operation: string): Socket {
    const socket = this.#socket;
    if (!socket || !this.isOpen) throw new TransportError(this.resource, operation, 'not open');
    return socket;
  }

  #drop(): void {
    this.#socket?.destroy();
    this.#socket = undefined;
  }
}
