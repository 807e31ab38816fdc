// Serial transport (`ASRL<n|path>::INSTR`) over the `serialport` package: line settings from the
// options, messages framed by terminators exactly as on a raw socket (shared StreamReader).
// RS-232 has no device clear: clear() flushes the OS buffers both ways (tcflush) and the local one.
import { SerialPort } from 'serialport';
import { parseResource, formatResource, type SerialResource } from './resource-string.ts';
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

export type SerialParity = 'none' | 'even' | 'odd' | 'mark' | 'space';
export type SerialFlowControl = 'none' | 'rtscts' | 'xonxoff';

export interface SerialOptions extends StreamFramingOptions {
  /** Device node to open instead of the one the resource names (see serialDevicePath). */
  path?: string;
  /** Default 9600. */
  baudRate?: number;
  /** Default 8. */
  dataBits?: 5 | 6 | 7 | 8;
  /** Default 'none'. */
  parity?: SerialParity;
  /** Default 1. */
  stopBits?: 1 | 1.5 | 2;
  /** Default 'none'. */
  flowControl?: SerialFlowControl;
}

/**
 * The device node for an ASRL resource: a path is used as given; `ASRL<n>` is the n-th port in
 * VISA's numbering (ASRL1 = COM1 = /dev/ttyS0), as NI-VISA maps it on Linux.
 */
export function serialDevicePath(resource: SerialResource): string {
  if (!/^\d+$/.test(resource.device)) return resource.device;
  const n = Number(resource.device);
  if (n < 1) {
    throw new TransportError(
      formatResource(resource),
      'open',
      'ASRL port numbers start at 1 (ASRL1 = /dev/ttyS0); give a device path instead',
    );
  }
  return `/dev/ttyS${n - 1}`;
}

export class SerialTransport implements MessageTransport {
  readonly resource: string;
  readonly path: string;
  #port: SerialPort | undefined;
  readonly #reader: StreamReader;
  readonly #options: SerialOptions;
  readonly #readTermination: Buffer;
  readonly #writeTermination: string;
  readonly #timeout_ms: number;

  constructor(resource: SerialResource | string, options: SerialOptions = {}) {
    const parsed = typeof resource === 'string' ? parseResource(resource) : resource;
    if (parsed.kind !== 'serial') {
      throw new TypeError(`SerialTransport needs an ASRL resource, got ${formatResource(parsed)}`);
    }
    this.resource = formatResource(parsed);
    this.path = options.path ?? serialDevicePath(parsed);
    this.#options = options;
    this.#reader = new StreamReader(this.resource);
    this.#readTermination = Buffer.from(options.readTermination ?? '\n', 'latin1');
    this.#writeTermination = options.writeTermination ?? '\n';
    this.#timeout_ms = options.timeout_ms ?? DEFAULT_TIMEOUT_MS;
  }

  get isOpen(): boolean {
    return this.#port?.isOpen ?? false;
  }

  async open(): Promise<void> {
    if (this.isOpen) return;
    const o = this.#options;
    const port = new SerialPort({
      path: this.path,
      baudRate: o.baudRate ?? 9600,
      dataBits: o.dataBits ?? 8,
      parity: o.parity ?? 'none',
      stopBits: o.stopBits ?? 1,
      rtscts: o.flowControl === 'rtscts',
      xon: o.flowControl === 'xonxoff',
      xoff: o.flowControl === 'xonxoff',
      autoOpen: false,
    });
    await new Promise<void>((resolve, reject) =>
      port.open((error) =>
        error
          ? reject(
              new TransportError(this.resource, 'open', `${this.path}: ${error.message}`, { cause: error }),
            )
          : resolve(),
      ),
    );
    this.#reader.reset();
    port.on('data', (chunk: Buffer) => this.#reader.push(chunk));
    port.on('error', (error: Error) =>
      this.#reader.fail(new TransportError(this.resource, 'read', error.message, { cause: error })),
    );
    port.on('close', () => {
      this.#reader.fail(new TransportError(this.resource, 'read', `${this.path} closed`));
      if (this.#port === port) this.#port = undefined;
    });
    this.#port = port;
  }

  async close(): Promise<void> {
    const port = this.#port;
    this.#port = undefined;
    if (!port?.isOpen) return;
    await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  async reconnect(): Promise<void> {
    await this.close();
    await this.open();
  }

  async write(message: string | Uint8Array, options?: ReadOptions): Promise<void> {
    const port = this.#openPort('write');
    const timeout_ms = options?.timeout_ms ?? this.#timeout_ms;
    const bytes = withTerminator(message, this.#writeTermination);
    await new Promise<void>((resolve, reject) => {
      // A port held by hardware flow control may never drain; the write is then abandoned.
      const timer = setTimeout(() => {
        port.flush();
        reject(new TransportTimeoutError(this.resource, 'write', timeout_ms));
      }, timeout_ms);
      const done = (error: Error | null | undefined) => {
        clearTimeout(timer);
        if (error) reject(new TransportError(this.resource, 'write', error.message, { cause: error }));
        else resolve();
      };
      port.write(bytes, (error) => (error ? done(error) : port.drain(done)));
    });
  }

  async read(options?: ReadOptions): Promise<Uint8Array> {
    this.#openPort('read');
    return this.#reader.readMessage(this.#readTermination, options?.timeout_ms ?? this.#timeout_ms);
  }

  async readBytes(count: number, options?: ReadOptions): Promise<Uint8Array> {
    this.#openPort('readBytes');
    return this.#reader.readBytes(count, options?.timeout_ms ?? this.#timeout_ms);
  }

  async clear(): Promise<void> {
    const port = this.#openPort('clear');
    await new Promise<void>((resolve, reject) =>
      port.flush((error) =>
        error
          ? reject(new TransportError(this.resource, 'clear', error.message, { cause: error }))
          : resolve(),
      ),
    );
    this.#reader.discard();
  }

  #openPort(operation: string): SerialPort {
    const port = this.#port;
    if (!port?.isOpen) throw new TransportError(this.resource, operation, 'not open');
    return port;
  }
}
