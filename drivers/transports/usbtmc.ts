// USBTMC transport over the Linux usbtmc character device (/dev/usbtmcN). The kernel driver does
// the USBTMC framing: one write() is one DEV_DEP_MSG_OUT transfer sequence with EOM on its last
// byte; one read(fd, n) sends one REQUEST_DEV_DEP_MSG_IN for at most n bytes and returns what the
// device sent. A read shorter than requested therefore ends the message (the device set EOM, or
// stopped at its term char); a full-size read may have more to come, so read() asks again.
//
// Node cannot issue ioctls without a native addon, so USBTMC_IOCTL_CLEAR (INITIATE_CLEAR) and
// USBTMC_IOCTL_SET_TIMEOUT are out of reach: clear() reopens the device node (the kernel cancels
// this file's pending transfers on close) and drops local state, and the kernel's own 5 s
// transfer timeout stays in force; a longer per-call timeout re-issues the read until it expires.
import { close as closeFd, open as openFd, read as readFd, write as writeFd } from 'node:fs';
import { promisify } from 'node:util';
import { formatResource, parseResource, type UsbtmcResource } from './resource-string.ts';
import { DEFAULT_TIMEOUT_MS, toBytes } from './stream-reader.ts';
import {
  TransportError,
  TransportTimeoutError,
  type MessageTransport,
  type ReadOptions,
} from './transport.ts';
import { findUsbtmcDevice, type UsbtmcLocation } from './usbtmc-sysfs.ts';

export interface UsbtmcOptions extends UsbtmcLocation {
  /** Open this node instead of looking the resource up in sysfs. */
  devicePath?: string;
  /** Default per-call I/O timeout, ms. Default 2000. */
  timeout_ms?: number;
  /** Bytes requested per read(2), i.e. the USBTMC TransferSize. Default 20480. */
  readChunkSize?: number;
  /** A message ending in this also ends a read (and is removed). `''` for none. Default `\n`. */
  readTermination?: string;
  /** Appended to each write before END (NL^END, as PyVISA does). `''` for END alone. Default `\n`. */
  writeTermination?: string;
}

const openAsync = promisify(openFd);
const closeAsync = promisify(closeFd);

export class UsbtmcTransport implements MessageTransport {
  readonly resource: string;
  #parsed: UsbtmcResource;
  #devicePath: string | undefined;
  #fd: number | undefined;
  /** A read or write abandoned at its timeout, still blocked in the kernel; its data is dropped. */
  #abandoned: Promise<unknown> | undefined;
  readonly #options: UsbtmcOptions;
  readonly #timeout_ms: number;
  readonly #chunkSize: number;
  readonly #readTermination: Buffer;
  readonly #writeTermination: string;

  constructor(resource: UsbtmcResource | string, options: UsbtmcOptions = {}) {
    const parsed = typeof resource === 'string' ? parseResource(resource) : resource;
    if (parsed.kind !== 'usbtmc') {
      throw new TypeError(
        `UsbtmcTransport needs a USB::vid::pid::serial::INSTR resource, got ${formatResource(parsed)}`,
      );
    }
    this.#parsed = parsed;
    this.resource = formatResource(parsed);
    this.#options = options;
    this.#devicePath = options.devicePath;
    this.#timeout_ms = options.timeout_ms ?? DEFAULT_TIMEOUT_MS;
    this.#chunkSize = options.readChunkSize ?? 20480;
    this.#readTermination = Buffer.from(options.readTermination ?? '\n', 'latin1');
    this.#writeTermination = options.writeTermination ?? '\n';
  }

  get isOpen(): boolean {
    return this.#fd !== undefined;
  }

  /** The device node in use (known once open() has resolved it). */
  get devicePath(): string | undefined {
    return this.#devicePath;
  }

  async open(): Promise<void> {
    if (this.#fd !== undefined) return;
    this.#devicePath ??= await findUsbtmcDevice(this.#parsed, this.#options);
    try {
      this.#fd = await openAsync(this.#devicePath, 'r+');
    } catch (error) {
      throw new TransportError(this.resource, 'open', `${this.#devicePath}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  async close(): Promise<void> {
    const fd = this.#fd;
    this.#fd = undefined;
    if (fd !== undefined) await closeAsync(fd).catch(() => undefined);
  }

  async write(message: string | Uint8Array, options?: ReadOptions): Promise<void> {
    const bytes = Buffer.concat([toBytes(message), Buffer.from(this.#writeTermination, 'latin1')]);
    const deadline = this.#deadline(options);
    const fd = await this.#ready('write', deadline);
    let sent = 0;
    while (sent < bytes.length) {
      sent += await this.#io('write', deadline, (done) =>
        writeFd(fd, bytes, sent, bytes.length - sent, null, done),
      );
    }
  }

  async read(options?: ReadOptions): Promise<Uint8Array> {
    const deadline = this.#deadline(options);
    const fd = await this.#ready('read', deadline);
    const chunks: Buffer[] = [];
    while (true) {
      const chunk = await this.#readChunk(fd, this.#chunkSize, 'read', deadline);
      chunks.push(chunk);
      const term = this.#readTermination;
      const endsWithTerm = term.length > 0 && endsWith(chunks, term);
      if (chunk.length < this.#chunkSize || endsWithTerm) {
        const message = Buffer.concat(chunks);
        return new Uint8Array(endsWithTerm ? message.subarray(0, message.length - term.length) : message);
      }
    }
  }

  async readBytes(count: number, options?: ReadOptions): Promise<Uint8Array> {
    if (!Number.isInteger(count) || count < 0)
      throw new RangeError(`${this.resource}: readBytes count must be a non-negative integer, got ${count}`);
    const deadline = this.#deadline(options);
    const fd = await this.#ready('readBytes', deadline);
    const out = Buffer.alloc(count);
    let have = 0;
    while (have < count) {
      const chunk = await this.#readChunk(fd, Math.min(this.#chunkSize, count - have), 'readBytes', deadline);
      if (chunk.length === 0) {
        throw new TransportError(this.resource, 'readBytes', `message ended after ${have} of ${count} bytes`);
      }
      chunk.copy(out, have);
      have += chunk.length;
    }
    return new Uint8Array(out);
  }

  /** Reopens the device node: pending transfers of this file are cancelled, late data dropped. */
  async clear(): Promise<void> {
    if (this.#fd === undefined) throw new TransportError(this.resource, 'clear', 'not open');
    await this.close();
    this.#abandoned = undefined;
    await this.open();
  }

  #deadline(options: ReadOptions | undefined): { at: number; timeout_ms: number } {
    const timeout_ms = options?.timeout_ms ?? this.#timeout_ms;
    return { at: Date.now() + timeout_ms, timeout_ms };
  }

  /** The open fd, once any transfer abandoned by an earlier timeout has finished. */
  async #ready(operation: string, deadline: { at: number; timeout_ms: number }): Promise<number> {
    if (this.#abandoned) {
      await this.#within(
        operation,
        deadline,
        this.#abandoned.catch(() => undefined),
      );
      this.#abandoned = undefined;
    }
    if (this.#fd === undefined) throw new TransportError(this.resource, operation, 'not open');
    return this.#fd;
  }

  async #readChunk(
    fd: number,
    size: number,
    operation: string,
    deadline: { at: number; timeout_ms: number },
  ): Promise<Buffer> {
    const buffer = Buffer.alloc(size);
    while (true) {
      try {
        const n = await this.#io(operation, deadline, (done) => readFd(fd, buffer, 0, size, null, done));
        return buffer.subarray(0, n);
      } catch (error) {
        // The kernel's transfer timeout (5 s unless set by ioctl) can be shorter than ours.
        if (error instanceof TransportError && isKernelTimeout(error.cause)) {
          if (Date.now() < deadline.at) continue;
          throw new TransportTimeoutError(this.resource, operation, deadline.timeout_ms);
        }
        throw error;
      }
    }
  }

  /** Runs one blocking fs call; at the deadline it is abandoned (see #ready) and times out. */
  #io(
    operation: string,
    deadline: { at: number; timeout_ms: number },
    start: (done: (error: NodeJS.ErrnoException | null, bytes: number) => void) => void,
  ): Promise<number> {
    const call = new Promise<number>((resolve, reject) =>
      start((error, bytes) =>
        error
          ? reject(new TransportError(this.resource, operation, error.message, { cause: error }))
          : resolve(bytes),
      ),
    );
    return this.#within(operation, deadline, call, () => {
      this.#abandoned = call;
    });
  }

  #within<T>(
    operation: string,
    deadline: { at: number; timeout_ms: number },
    work: Promise<T>,
    onTimeout?: () => void,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => {
          onTimeout?.();
          reject(new TransportTimeoutError(this.resource, operation, deadline.timeout_ms));
        },
        Math.max(0, deadline.at - Date.now()),
      );
      work.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }
}

function isKernelTimeout(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
}

function endsWith(chunks: Buffer[], suffix: Buffer): boolean {
  const last = chunks.at(-1)!;
  if (last.length >= suffix.length) return last.subarray(last.length - suffix.length).equals(suffix);
  return Buffer.concat(chunks).subarray(-suffix.length).equals(suffix);
}
