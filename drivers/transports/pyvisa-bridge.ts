// A MessageTransport for instruments nudged cannot open natively (GPIB through NI-VISA or
// linux-gpib, vendor USB drivers): a Python helper (pyvisa_bridge.py) holds the pyvisa session,
// driven over JSON lines on its stdin/stdout. One helper process per transport; it is killed on
// close, and if it dies or hangs every pending and later call fails with a TransportError.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import {
  TransportError,
  TransportTimeoutError,
  type MessageTransport,
  type ReadOptions,
} from './transport.ts';

export interface PyvisaBridgeOptions {
  /** Interpreter with pyvisa importable; Debian's python3-pyvisa lives under /usr/bin/python3. */
  python?: string;
  /** pyvisa backend: '@py' (pyvisa-py, default), '@ivi', or a VISA library path. */
  visaLibrary?: string;
  /** VISA timeout for open and I/O, ms. Default 5000. */
  timeout_ms?: number;
  /** Appended by write / stripped by read. Default '\n' for ::SOCKET and ASRL resources, none
   * (END / EOI ends messages) for the rest. null disables. */
  readTermination?: string | null;
  writeTermination?: string | null;
  /** How long past the VISA timeout a reply may take before the helper counts as hung. */
  replyGrace_ms?: number;
  logger?: Logger;
}

interface BridgeReply {
  id: number | null;
  ok: boolean;
  data?: string;
  error?: { type: string; message: string; timeout: boolean };
}

interface Pending {
  operation: string;
  timeout_ms: number;
  resolve(reply: BridgeReply): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

const HELPER = fileURLToPath(new URL('./pyvisa_bridge.py', import.meta.url));
const STDERR_TAIL = 2000;

/** The helper reported a pyvisa exception; `pyvisaError` is its class name (VisaIOError, ...). */
export class PyvisaBridgeError extends TransportError {
  override readonly name = 'PyvisaBridgeError';
  constructor(
    resource: string,
    operation: string,
    readonly pyvisaError: string,
    message: string,
  ) {
    super(resource, operation, `${pyvisaError}: ${message}`);
  }
}

export class PyvisaBridgeTransport implements MessageTransport {
  readonly #options: PyvisaBridgeOptions & { timeout_ms: number; replyGrace_ms: number };
  readonly #readTermination: string | null;
  readonly #writeTermination: string | null;
  #child: ChildProcessWithoutNullStreams | undefined;
  #pending = new Map<number, Pending>();
  #nextId = 1;
  #stderr = '';
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly resource: string,
    options: PyvisaBridgeOptions = {},
  ) {
    this.#options = { timeout_ms: 5000, replyGrace_ms: 2000, ...options };
    const stream = /::SOCKET$/i.test(resource.trim()) || /^ASRL/i.test(resource.trim());
    this.#readTermination =
      options.readTermination !== undefined ? options.readTermination : stream ? '\n' : null;
    this.#writeTermination =
      options.writeTermination !== undefined ? options.writeTermination : stream ? '\n' : null;
  }

  get isOpen(): boolean {
    return this.#child !== undefined;
  }

  /** The helper's process id while open (diagnostics, and tests that kill it). */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  open(): Promise<void> {
    return this.#serial(async () => {
      if (this.#child) return;
      this.#spawn();
      try {
        await this.#request('open', {
          resource: this.resource,
          library: this.#options.visaLibrary ?? '@py',
          timeout_ms: this.#options.timeout_ms,
          read_termination: this.#readTermination,
          write_termination: this.#writeTermination,
        });
      } catch (error) {
        this.#kill();
        throw error;
      }
    });
  }

  close(): Promise<void> {
    return this.#serial(async () => {
      const child = this.#child;
      if (!child) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      try {
        await this.#request('close', {});
      } catch (error) {
        this.#options.logger?.debug({ resource: this.resource, err: error }, 'pyvisa bridge: close failed');
      }
      this.#kill();
      await exited;
    });
  }

  write(message: string | Uint8Array, options?: ReadOptions): Promise<void> {
    const data = typeof message === 'string' ? Buffer.from(message, 'latin1') : Buffer.from(message);
    return this.#serial(async () => {
      this.#options.logger?.debug({ resource: this.resource, tx: data.toString('latin1') });
      await this.#request('write', { data: data.toString('base64') }, options?.timeout_ms);
    });
  }

  read(options?: ReadOptions): Promise<Uint8Array> {
    return this.#serial(() => this.#readData('read', {}, options));
  }

  readBytes(count: number, options?: ReadOptions): Promise<Uint8Array> {
    return this.#serial(() => this.#readData('read_bytes', { count }, options));
  }

  clear(): Promise<void> {
    return this.#serial(async () => {
      await this.#request('clear', {});
    });
  }

  async #readData(op: string, fields: object, options?: ReadOptions): Promise<Uint8Array> {
    const timeout_ms = options?.timeout_ms ?? this.#options.timeout_ms;
    const reply = await this.#request(op, { ...fields, timeout_ms }, timeout_ms);
    const data = new Uint8Array(Buffer.from(reply.data ?? '', 'base64'));
    this.#options.logger?.debug({ resource: this.resource, rx: Buffer.from(data).toString('latin1') });
    return data;
  }

  #spawn(): void {
    const python = this.#options.python ?? '/usr/bin/python3';
    const child = spawn(python, [HELPER], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.#child = child;
    this.#stderr = '';
    child.stdin.on('error', () => undefined); // a dead helper is reported by 'exit'
    child.stderr.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString('utf8')).slice(-STDERR_TAIL);
    });
    createInterface({ input: child.stdout }).on('line', (line) => this.#onLine(line));
    const gone = (reason: string) => {
      if (this.#child === child) this.#child = undefined;
      const stderr = this.#stderr.trim();
      this.#failAll(`python helper (${python}) ${reason}${stderr ? `: ${stderr}` : ''}`);
    };
    child.on('error', (error) => gone(`could not run: ${error.message}`));
    child.on('exit', (code, signal) => gone(`exited (${signal ?? `code ${code}`})`));
  }

  #onLine(line: string): void {
    let reply: BridgeReply;
    try {
      reply = JSON.parse(line) as BridgeReply;
    } catch {
      this.#options.logger?.warn(
        { resource: this.resource, line },
        'pyvisa bridge: unparseable helper output',
      );
      return;
    }
    if (reply.id === null) {
      this.#failAll(`python helper failed: ${reply.error?.type}: ${reply.error?.message}`);
      return;
    }
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    this.#pending.delete(reply.id);
    clearTimeout(pending.timer);
    if (reply.ok) pending.resolve(reply);
    else if (reply.error?.timeout)
      pending.reject(new TransportTimeoutError(this.resource, pending.operation, pending.timeout_ms));
    else
      pending.reject(
        new PyvisaBridgeError(
          this.resource,
          pending.operation,
          reply.error?.type ?? 'Error',
          reply.error?.message ?? 'unknown error',
        ),
      );
  }

  /** Sends one request; a reply later than the VISA timeout plus grace means the helper hung,
   * so it is killed (its session state is unknown) and the call times out. */
  #request(op: string, fields: object, timeout_ms = this.#options.timeout_ms): Promise<BridgeReply> {
    const child = this.#child;
    if (!child) return Promise.reject(new TransportError(this.resource, op, 'transport is not open'));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new TransportTimeoutError(this.resource, op, timeout_ms));
        this.#kill();
      }, timeout_ms + this.#options.replyGrace_ms);
      this.#pending.set(id, { operation: op, timeout_ms, resolve, reject, timer });
      child.stdin.write(`${JSON.stringify({ id, op, ...fields })}\n`);
    });
  }

  #failAll(reason: string): void {
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(new TransportError(this.resource, pending.operation, reason));
    }
    this.#pending.clear();
  }

  #kill(): void {
    const child = this.#child;
    this.#child = undefined;
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }

  #serial<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(operation);
    this.#queue = result.catch(() => undefined);
    return result;
  }
}
