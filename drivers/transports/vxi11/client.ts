// VXI-11 client transport for `TCPIP[board]::host[::device]::INSTR` resources: finds the core
// channel with the portmapper, opens a link, and maps the MessageTransport calls onto
// device_write / device_read / device_clear. One operation runs at a time. When the connection
// drops, isOpen turns false and calls fail until close() + open() (InstrumentSession does that,
// with back-off) create a new link.

import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import { formatResource, parseResource, type ParsedVxi11Resource } from '../resource-string.ts';
import {
  TransportError,
  TransportTimeoutError,
  type MessageTransport,
  type ReadOptions,
} from '../transport.ts';
import { getPort } from './portmapper.ts';
import {
  CoreProcedure,
  decode,
  DEVICE_ASYNC,
  DEVICE_ABORT,
  DEVICE_CORE,
  describeError,
  encode,
  ErrorCode,
  Flag,
  Reason,
} from './protocol.ts';
import { RpcTcpClient } from './rpc-client.ts';
import type { XdrReader } from './xdr.ts';

export interface Vxi11TransportOptions {
  /** Default I/O timeout (io_timeout sent to the device), ms. Default 5000. */
  timeout_ms?: number;
  /** lock_timeout sent with every operation, ms. 0 (default) fails at once with error 11 when
   * another link holds the lock; > 0 sets the waitlock flag and waits that long. */
  lockTimeout_ms?: number;
  /** create_link lockDevice: take the device lock when the link opens. */
  lockDevice?: boolean;
  /** Portmapper port, default 111. */
  portmapperPort?: number;
  /** Core channel port: skips the portmapper when given. */
  corePort?: number;
  /** create_link clientId; random by default. */
  clientId?: number;
  /** requestSize of each device_read in read(); default 1 MiB. */
  readChunkSize?: number;
  /** A byte that also ends read() (device_read termChar), e.g. 0x0a; by default only END does. */
  termChar?: number;
  /** Slack added to io_timeout + lock_timeout before a missing RPC reply counts as a timeout. */
  replyGrace_ms?: number;
  logger?: Logger;
}

/** The device answered a VXI-11 operation with a non-zero error code (table B.2). */
export class Vxi11Error extends TransportError {
  override readonly name = 'Vxi11Error';
  constructor(
    resource: string,
    operation: string,
    readonly code: number,
  ) {
    super(resource, operation, `device returned ${describeError(code)}`);
  }
}

interface Link {
  rpc: RpcTcpClient;
  lid: number;
  abortPort: number;
  maxRecvSize: number;
}

export class Vxi11Transport implements MessageTransport {
  readonly host: string;
  readonly deviceName: string;
  readonly #options: Required<Omit<Vxi11TransportOptions, 'corePort' | 'termChar' | 'logger'>> &
    Pick<Vxi11TransportOptions, 'corePort' | 'termChar' | 'logger'>;
  readonly resource: string;
  #link: Link | undefined;
  /** Why the link went down on its own, for the errors of later calls. */
  #lostReason: string | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  /** Response bytes a device_read returned beyond what readBytes() asked for, kept for the next
   * read()/readBytes() of the same response (a block query is then one device_read, not four). */
  #pending: Uint8Array = new Uint8Array();
  /** Whether `#pending` ends the response message (its device_read carried END). */
  #pendingEnd = false;

  /** `resource` is a `TCPIP[board]::host[::device][::INSTR]` string or its parsed form. */
  constructor(resource: string | ParsedVxi11Resource, options: Vxi11TransportOptions = {}) {
    const parsed = typeof resource === 'string' ? parseResource(resource) : resource;
    this.resource = typeof resource === 'string' ? resource : formatResource(resource);
    if (parsed.kind !== 'vxi11')
      throw new TransportError(
        this.resource,
        'open',
        'is not a VXI-11 resource (TCPIP::host[::device]::INSTR)',
      );
    this.host = parsed.host;
    this.deviceName = parsed.lanDeviceName;
    this.#options = {
      timeout_ms: 5000,
      lockTimeout_ms: 0,
      lockDevice: false,
      portmapperPort: 111,
      clientId: randomInt(0, 0x7fff_ffff),
      readChunkSize: 1024 * 1024,
      replyGrace_ms: 2000,
      ...options,
    };
  }

  get isOpen(): boolean {
    return this.#link !== undefined;
  }

  /** maxRecvSize the device announced (writes are split into chunks of this size). */
  get maxRecvSize(): number | undefined {
    return this.#link?.maxRecvSize;
  }

  open(): Promise<void> {
    return this.#serial(async () => {
      if (this.#link) return;
      this.#lostReason = undefined;
      this.#discardPending();
      this.#link = await this.#createLink();
    });
  }

  close(): Promise<void> {
    return this.#serial(async () => {
      const link = this.#link;
      this.#link = undefined;
      this.#lostReason = undefined;
      this.#discardPending();
      if (!link) return;
      try {
        if (link.rpc.isConnected)
          await link.rpc.call(
            CoreProcedure.destroy_link,
            encode.link(link.lid),
            this.#options.timeout_ms,
            'destroy_link',
          );
      } catch (error) {
        this.#options.logger?.debug(
          { resource: this.resource, err: error },
          'vxi11: destroy_link failed on close',
        );
      } finally {
        link.rpc.close();
      }
    });
  }

  write(message: string | Uint8Array, options?: ReadOptions): Promise<void> {
    const data = typeof message === 'string' ? Buffer.from(message, 'latin1') : message;
    return this.#serial(async () => {
      const link = this.#requireLink('device_write');
      // A new program message makes the unread rest of a response stale (the device drops it too).
      this.#discardPending();
      this.#options.logger?.debug({ resource: this.resource, tx: Buffer.from(data).toString('latin1') });
      let offset = 0;
      do {
        const chunk = data.subarray(offset, offset + link.maxRecvSize);
        const last = offset + chunk.length === data.length;
        const resp = await this.#call(link, 'device_write', 'device_write', options, (io) =>
          encode.writeParms({ ...io, lid: link.lid, flags: this.#flags(last ? Flag.END : 0), data: chunk }),
        ).then(decode.writeResp);
        this.#check('device_write', resp.error, this.#ioTimeout(options));
        if (resp.size === 0 && chunk.length > 0)
          throw new TransportError(this.resource, 'device_write', 'device accepted no bytes');
        offset += resp.size;
      } while (offset < data.length);
    });
  }

  read(options?: ReadOptions): Promise<Uint8Array> {
    return this.#serial(() => this.#readUntil('read', options, Infinity, true));
  }

  readBytes(count: number, options?: ReadOptions): Promise<Uint8Array> {
    return this.#serial(async () => {
      const data = await this.#readUntil('readBytes', options, count, false);
      if (data.length < count)
        throw new TransportError(
          this.resource,
          'readBytes',
          `response ended (END) after ${data.length} of ${count} bytes: ${JSON.stringify(Buffer.from(data).toString('latin1'))}`,
        );
      return data;
    });
  }

  /** device_clear: the device aborts pending I/O and empties its buffers. */
  clear(): Promise<void> {
    return this.#generic('device_clear');
  }

  /** device_readstb: the IEEE 488.2 status byte. */
  readStb(): Promise<number> {
    return this.#serial(async () => {
      const link = this.#requireLink('device_readstb');
      const resp = decode.readStbResp(
        await this.#call(link, 'device_readstb', 'device_readstb', undefined, (io) =>
          encode.genericParms({ ...io, lid: link.lid, flags: this.#flags(0) }),
        ),
      );
      this.#check('device_readstb', resp.error);
      return resp.stb;
    });
  }

  trigger(): Promise<void> {
    return this.#generic('device_trigger');
  }

  remote(): Promise<void> {
    return this.#generic('device_remote');
  }

  local(): Promise<void> {
    return this.#generic('device_local');
  }

  /** device_lock: waits up to lockTimeout_ms (the option) for another link's lock. */
  lock(): Promise<void> {
    return this.#serial(async () => {
      const link = this.#requireLink('device_lock');
      const args = encode.lockParms({
        lid: link.lid,
        flags: this.#flags(0),
        lockTimeout: this.#options.lockTimeout_ms,
      });
      const reply = await link.rpc.call(
        CoreProcedure.device_lock,
        args,
        this.#replyDeadline(0),
        'device_lock',
      );
      this.#check('device_lock', decode.deviceError(reply));
    });
  }

  unlock(): Promise<void> {
    return this.#serial(async () => {
      const link = this.#requireLink('device_unlock');
      const reply = await link.rpc.call(
        CoreProcedure.device_unlock,
        encode.link(link.lid),
        this.#replyDeadline(0),
        'device_unlock',
      );
      this.#check('device_unlock', decode.deviceError(reply));
    });
  }

  /** device_abort on the abort channel: interrupts the operation in progress on this link
   * (it then fails with error 23). Not queued behind that operation, by design. */
  async abort(): Promise<void> {
    const link = this.#link;
    if (!link) throw new TransportError(this.resource, 'device_abort', 'no link is open');
    const endpoint = { host: this.host, port: link.abortPort, ...DEVICE_ASYNC };
    const timeout_ms = this.#options.timeout_ms;
    const rpc = await RpcTcpClient.connect(this.resource, endpoint, timeout_ms, 'device_abort');
    try {
      const reply = await rpc.call(DEVICE_ABORT, encode.link(link.lid), timeout_ms, 'device_abort');
      this.#check('device_abort', decode.deviceError(reply));
    } finally {
      rpc.close();
    }
  }

  /**
   * Reads up to `limit` bytes of the present response: what an earlier device_read left over
   * first, then device_reads of at least readChunkSize bytes, until END, the termChar (read() with
   * the termChar option) or `limit`. Bytes beyond `limit` are kept for the next call.
   */
  async #readUntil(
    operation: string,
    options: ReadOptions | undefined,
    limit: number,
    useTermChar: boolean,
  ): Promise<Uint8Array> {
    const link = this.#requireLink(operation);
    const termChar = useTermChar ? this.#options.termChar : undefined;
    const chunks: Uint8Array[] = [];
    let got = 0;
    let ended = false;
    const consume = (data: Uint8Array, end: boolean) => {
      let size = Math.min(data.length, limit - got);
      const at = termChar === undefined ? -1 : data.subarray(0, size).indexOf(termChar);
      if (at >= 0) size = at + 1;
      chunks.push(data.subarray(0, size));
      got += size;
      this.#pending = data.subarray(size);
      this.#pendingEnd = end && this.#pending.length > 0;
      ended = at >= 0 || (end && this.#pending.length === 0);
    };
    if (this.#pending.length > 0) consume(this.#pending, this.#pendingEnd);
    while (!ended && got < limit) {
      const resp = decode.readResp(
        await this.#call(link, 'device_read', `${operation} (device_read)`, options, (io) =>
          encode.readParms({
            ...io,
            lid: link.lid,
            requestSize: Math.max(Number.isFinite(limit) ? limit - got : 0, this.#options.readChunkSize),
            flags: this.#flags(termChar === undefined ? 0 : Flag.TERMCHRSET),
            termChar: termChar ?? 0,
          }),
        ),
      );
      this.#check(`${operation} (device_read)`, resp.error, this.#ioTimeout(options));
      consume(resp.data, (resp.reason & Reason.END) !== 0);
    }
    const data = new Uint8Array(Buffer.concat(chunks, got));
    this.#options.logger?.debug({ resource: this.resource, rx: Buffer.from(data).toString('latin1') });
    return data;
  }

  #discardPending(): void {
    this.#pending = new Uint8Array();
    this.#pendingEnd = false;
  }

  #generic(procedure: 'device_clear' | 'device_trigger' | 'device_remote' | 'device_local'): Promise<void> {
    return this.#serial(async () => {
      const link = this.#requireLink(procedure);
      if (procedure === 'device_clear') this.#discardPending();
      const reply = await this.#call(link, procedure, procedure, undefined, (io) =>
        encode.genericParms({ ...io, lid: link.lid, flags: this.#flags(0) }),
      );
      this.#check(procedure, decode.deviceError(reply));
    });
  }

  /** One core-channel call; `operation` names it in errors. */
  #call(
    link: Link,
    procedure: keyof typeof CoreProcedure,
    operation: string,
    options: ReadOptions | undefined,
    args: (io: { ioTimeout: number; lockTimeout: number }) => Uint8Array,
  ): Promise<XdrReader> {
    const ioTimeout = this.#ioTimeout(options);
    const encoded = args({ ioTimeout, lockTimeout: this.#options.lockTimeout_ms });
    return link.rpc.call(CoreProcedure[procedure], encoded, this.#replyDeadline(ioTimeout), operation);
  }

  #ioTimeout(options: ReadOptions | undefined): number {
    return options?.timeout_ms ?? this.#options.timeout_ms;
  }

  #replyDeadline(ioTimeout_ms: number): number {
    return ioTimeout_ms + this.#options.lockTimeout_ms + this.#options.replyGrace_ms;
  }

  #flags(base: number): number {
    return this.#options.lockTimeout_ms > 0 ? base | Flag.WAITLOCK : base;
  }

  #check(operation: string, error: number, timeout_ms = this.#options.timeout_ms): void {
    if (error === ErrorCode.no_error) return;
    if (error === ErrorCode.io_timeout) throw new TransportTimeoutError(this.resource, operation, timeout_ms);
    throw new Vxi11Error(this.resource, operation, error);
  }

  async #createLink(): Promise<Link> {
    const { timeout_ms, logger } = this.#options;
    const port =
      this.#options.corePort ??
      (await getPort(this.host, {
        ...DEVICE_CORE,
        portmapperPort: this.#options.portmapperPort,
        timeout_ms,
        resource: this.resource,
      }));
    if (port === 0)
      throw new TransportError(
        this.resource,
        'open',
        `no VXI-11 core service registered with the portmapper on ${this.host}`,
      );
    const rpc = await RpcTcpClient.connect(
      this.resource,
      { host: this.host, port, ...DEVICE_CORE },
      timeout_ms,
      'open',
    );
    try {
      const args = encode.createLinkParms({
        clientId: this.#options.clientId,
        lockDevice: this.#options.lockDevice,
        lockTimeout: this.#options.lockTimeout_ms,
        device: this.deviceName,
      });
      const resp = decode.createLinkResp(
        await rpc.call(CoreProcedure.create_link, args, this.#replyDeadline(timeout_ms), 'create_link'),
      );
      this.#check(`create_link "${this.deviceName}"`, resp.error);
      logger?.debug(
        { resource: this.resource, lid: resp.lid, maxRecvSize: resp.maxRecvSize },
        'vxi11: link created',
      );
      const link: Link = {
        rpc,
        lid: resp.lid,
        abortPort: resp.abortPort,
        maxRecvSize: Math.max(resp.maxRecvSize, 1),
      };
      rpc.onClose = (reason) => {
        if (this.#link !== link) return;
        this.#link = undefined;
        this.#lostReason = reason;
        logger?.warn({ resource: this.resource, reason }, 'vxi11: link lost');
      };
      return link;
    } catch (error) {
      rpc.close();
      throw error;
    }
  }

  #requireLink(operation: string): Link {
    if (this.#link) return this.#link;
    const reason = this.#lostReason
      ? `link lost (${this.#lostReason}); close and reopen`
      : 'transport is not open';
    throw new TransportError(this.resource, operation, reason);
  }

  #serial<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(operation);
    this.#queue = result.catch(() => undefined);
    return result;
  }
}
