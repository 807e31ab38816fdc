// The VXI-11 server's per-link operations: lock checks, io_timeout and abort around the
// emulator's handler, write-size limits, and response splitting by requestSize and termChar.

import type { Logger } from 'pino';
import type { DeviceLocks } from './device-locks.ts';
import {
  ErrorCode,
  Flag,
  Reason,
  type CreateLinkParms,
  type CreateLinkResp,
  type GenericParms,
  type LockParms,
  type ReadParms,
  type ReadResp,
  type ReadStbResp,
  type WriteParms,
  type WriteResp,
} from './protocol.ts';
import type { Vxi11DeviceFactory, Vxi11DeviceHandler } from './server.ts';

export interface ServerLink {
  lid: number;
  device: string;
  handler: Vxi11DeviceHandler;
  /** Response bytes the handler produced that no device_read has taken yet. */
  pending: Uint8Array;
  /** Whether `pending` ends the response message. */
  pendingEnd: boolean;
  /** The operation device_abort would interrupt. */
  inFlight?: AbortController;
}

type Outcome<T> = { error: 0; value: T } | { error: number };

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  return a.length === 0 ? b : new Uint8Array(Buffer.concat([a, b]));
}

/** Splits buffered response bytes for one device_read: at most `requestSize` bytes, stopping
 * after `termChar` when one is given. Reason bits follow device_read's definition: REQCNT when
 * requestSize bytes were returned, CHR when the last byte is the termChar, END when the bytes
 * finish the message. */
export function takeResponse(
  pending: Uint8Array,
  pendingEnd: boolean,
  requestSize: number,
  termChar: number | undefined,
): { data: Uint8Array; reason: number; rest: Uint8Array } {
  let size = Math.min(requestSize, pending.length);
  let reason = 0;
  if (termChar !== undefined) {
    const at = pending.subarray(0, size).indexOf(termChar);
    if (at >= 0) {
      size = at + 1;
      reason |= Reason.CHR;
    }
  }
  if (size === requestSize) reason |= Reason.REQCNT;
  if (size === pending.length && pendingEnd) reason |= Reason.END;
  return { data: pending.slice(0, size), reason, rest: pending.subarray(size) };
}

export class LinkOperations {
  /** Announced in create_link replies; set once the abort channel listens. */
  abortPort = 0;

  constructor(
    private readonly locks: DeviceLocks,
    private readonly maxRecvSize: number,
    private readonly logger: Logger | undefined,
    private readonly devices: Vxi11DeviceFactory,
  ) {}

  async createLink(
    lid: number,
    parms: CreateLinkParms,
  ): Promise<{ resp: CreateLinkResp; link?: ServerLink }> {
    const refuse = (error: number) => ({
      resp: { error, lid: 0, abortPort: this.abortPort, maxRecvSize: 0 },
    });
    let handler: Vxi11DeviceHandler | undefined;
    try {
      handler = await this.devices(parms.device);
    } catch (error) {
      this.logger?.warn({ err: error, device: parms.device }, 'vxi11 server: device factory failed');
    }
    if (!handler) return refuse(ErrorCode.device_not_accessible);
    if (parms.lockDevice) {
      const error = await this.locks.acquire(
        parms.device,
        lid,
        Flag.WAITLOCK,
        parms.lockTimeout,
        new AbortController().signal,
      );
      if (error !== ErrorCode.no_error) {
        handler.close?.();
        return refuse(error);
      }
    }
    const link: ServerLink = {
      lid,
      device: parms.device,
      handler,
      pending: new Uint8Array(),
      pendingEnd: false,
    };
    return {
      resp: { error: ErrorCode.no_error, lid, abortPort: this.abortPort, maxRecvSize: this.maxRecvSize },
      link,
    };
  }

  async write(link: ServerLink, p: WriteParms): Promise<WriteResp> {
    if (p.data.length > this.maxRecvSize) return { error: ErrorCode.parameter_error, size: 0 };
    const outcome = await this.#guarded(link, p.flags, p.lockTimeout, p.ioTimeout, () => {
      // A new program message makes any unread response stale (IEEE 488.2's interrupted query).
      link.pending = new Uint8Array();
      link.pendingEnd = false;
      return link.handler.write(p.data, (p.flags & Flag.END) !== 0);
    });
    return { error: outcome.error, size: outcome.error === ErrorCode.no_error ? p.data.length : 0 };
  }

  async read(link: ServerLink, p: ReadParms): Promise<ReadResp> {
    // The handler fills the link's buffer; a response that arrives after io_timeout stays there
    // for the next device_read, as it would in an instrument's output queue.
    const outcome = await this.#guarded(link, p.flags, p.lockTimeout, p.ioTimeout, async () => {
      if (link.pending.length > 0 || link.pendingEnd || p.requestSize === 0) return;
      const produced = await link.handler.read(p.requestSize);
      link.pending = concat(link.pending, produced.data);
      link.pendingEnd = produced.end;
    });
    if (outcome.error !== ErrorCode.no_error)
      return { error: outcome.error, reason: 0, data: new Uint8Array() };
    const termChar = (p.flags & Flag.TERMCHRSET) !== 0 ? p.termChar : undefined;
    const taken = takeResponse(link.pending, link.pendingEnd, p.requestSize, termChar);
    link.pending = taken.rest;
    if (taken.reason & Reason.END) link.pendingEnd = false;
    return { error: ErrorCode.no_error, reason: taken.reason, data: taken.data };
  }

  async readStb(link: ServerLink, p: GenericParms): Promise<ReadStbResp> {
    const readStb = link.handler.readStb?.bind(link.handler);
    if (!readStb) return { error: ErrorCode.operation_not_supported, stb: 0 };
    const outcome = await this.#guarded(link, p.flags, p.lockTimeout, p.ioTimeout, async () => readStb());
    return 'value' in outcome ? { error: 0, stb: outcome.value & 0xff } : { error: outcome.error, stb: 0 };
  }

  /** device_trigger (unsupported without a handler method), device_remote / device_local
   * (no-ops without one). */
  async simple(link: ServerLink, p: GenericParms, kind: 'trigger' | 'remote' | 'local'): Promise<number> {
    const method = link.handler[kind]?.bind(link.handler);
    if (!method && kind === 'trigger') return ErrorCode.operation_not_supported;
    const outcome = await this.#guarded(link, p.flags, p.lockTimeout, p.ioTimeout, async () => method?.());
    return outcome.error;
  }

  async clear(link: ServerLink, p: GenericParms): Promise<number> {
    const outcome = await this.#guarded(link, p.flags, p.lockTimeout, p.ioTimeout, async () => {
      link.pending = new Uint8Array();
      link.pendingEnd = false;
      await link.handler.clear?.();
    });
    return outcome.error;
  }

  async lock(link: ServerLink, p: LockParms): Promise<number> {
    const controller = new AbortController();
    link.inFlight = controller;
    try {
      return await this.locks.acquire(link.device, link.lid, p.flags, p.lockTimeout, controller.signal);
    } finally {
      if (link.inFlight === controller) link.inFlight = undefined;
    }
  }

  /** Runs `body` once the device is not locked by another link, bounded by io_timeout (error
   * 15) and device_abort (error 23); a handler exception is an I/O error (17). A handler that
   * settles after its deadline has its result dropped. */
  async #guarded<T>(
    link: ServerLink,
    flags: number,
    lockTimeout_ms: number,
    ioTimeout_ms: number,
    body: () => Promise<T>,
  ): Promise<Outcome<T>> {
    const controller = new AbortController();
    link.inFlight = controller;
    try {
      const lockError = await this.locks.awaitAccess(
        link.device,
        link.lid,
        flags,
        lockTimeout_ms,
        controller.signal,
      );
      if (lockError !== ErrorCode.no_error) return { error: lockError };
      return await this.#bounded(link, body, ioTimeout_ms, controller.signal);
    } finally {
      if (link.inFlight === controller) link.inFlight = undefined;
    }
  }

  #bounded<T>(
    link: ServerLink,
    body: () => Promise<T>,
    timeout_ms: number,
    signal: AbortSignal,
  ): Promise<Outcome<T>> {
    return new Promise((resolve) => {
      const finish = (outcome: Outcome<T>) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      const onAbort = () => finish({ error: ErrorCode.abort });
      const timer = setTimeout(() => finish({ error: ErrorCode.io_timeout }), timeout_ms);
      signal.addEventListener('abort', onAbort, { once: true });
      body().then(
        (value) => finish({ error: 0, value }),
        (error: unknown) => {
          this.logger?.warn(
            { err: error, device: link.device, lid: link.lid },
            'vxi11 server: handler failed',
          );
          finish({ error: ErrorCode.io_error });
        },
      );
    });
  }
}
