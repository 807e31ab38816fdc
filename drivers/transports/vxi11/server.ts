// A VXI-11 network instrument server for the protocol emulators: portmapper, core channel and
// abort channel on loopback, serving any number of links to named devices ("inst0", ...), each
// link backed by a handler the emulator supplies. Message semantics (END, requestSize, termChar,
// locks, io_timeout, abort) are handled here, so a handler only sees bytes in and bytes out.

import type { Logger } from 'pino';
import { DeviceLocks } from './device-locks.ts';
import { IPPROTO_TCP, PortmapperServer } from './portmapper.ts';
import {
  CoreProcedure,
  decode,
  DEVICE_ABORT,
  DEVICE_ASYNC,
  DEVICE_CORE,
  encode,
  ErrorCode,
} from './protocol.ts';
import { RpcDispatcher, RpcTcpServer, type ProcedureHandler } from './rpc-server.ts';
import { LinkOperations, type ServerLink } from './server-links.ts';

/** One link's view of an emulated device. */
export interface Vxi11DeviceHandler {
  /** Receives program message bytes; `end` is set on the chunk that ends the message. */
  write(data: Uint8Array, end: boolean): Promise<void>;
  /** Resolves with response bytes once some are available; `end` when they finish the response
   * message. May return more than `requestSize`: the server keeps the rest for the next read. */
  read(requestSize: number): Promise<{ data: Uint8Array; end: boolean }>;
  /** device_readstb; absent → error 8 (operation not supported). */
  readStb?(): number | Promise<number>;
  /** device_trigger; absent → error 8. */
  trigger?(): void | Promise<void>;
  /** device_clear: the server always drops its buffered output, then calls this. */
  clear?(): void | Promise<void>;
  /** device_remote / device_local; absent → accepted as no-ops. */
  remote?(): void | Promise<void>;
  local?(): void | Promise<void>;
  /** The link was destroyed (destroy_link or its connection closed). */
  close?(): void;
}

/** Creates the handler for a new link to `deviceName`; undefined for an unknown device
 * (create_link then answers error 3, device not accessible). */
export type Vxi11DeviceFactory = (
  deviceName: string,
) => Vxi11DeviceHandler | undefined | Promise<Vxi11DeviceHandler | undefined>;

export interface Vxi11ServerOptions {
  devices: Vxi11DeviceFactory;
  /** Address to bind, 127.0.0.1 by default. */
  host?: string;
  /** Core and abort channel ports, ephemeral by default. */
  corePort?: number;
  abortPort?: number;
  /** A started portmapper to register the core channel with. It holds one VXI-11 mapping, so
   * one server per portmapper: serve several instruments as devices inst0, inst1, ... of one
   * server. Without it the server starts its own on `portmapperPort` (0, the default, picks a
   * free port; 111 is where stock VISA clients look and needs root or CAP_NET_BIND_SERVICE). */
  portmapper?: PortmapperServer;
  portmapperPort?: number;
  /** maxRecvSize announced by create_link: the largest device_write data accepted. */
  maxRecvSize?: number;
  logger?: Logger;
}

export interface Vxi11ServerAddress {
  host: string;
  corePort: number;
  abortPort: number;
  portmapperPort: number;
}

export class Vxi11Server {
  readonly host: string;
  readonly #options: Vxi11ServerOptions;
  readonly #links = new Map<number, ServerLink>();
  readonly #locks = new DeviceLocks();
  readonly #core: RpcTcpServer;
  readonly #abort: RpcTcpServer;
  readonly #operations: LinkOperations;
  #portmapper: PortmapperServer | undefined;
  #ownsPortmapper = false;
  #address: Vxi11ServerAddress | undefined;
  #nextLid = 1;

  constructor(options: Vxi11ServerOptions) {
    this.#options = options;
    this.host = options.host ?? '127.0.0.1';
    const logger = options.logger;
    this.#operations = new LinkOperations(this.#locks, options.maxRecvSize ?? 65536, logger, options.devices);
    this.#core = new RpcTcpServer(
      new RpcDispatcher([{ ...DEVICE_CORE, procedures: this.#coreProcedures() }], logger),
    );
    const abortProcedures = new Map<number, ProcedureHandler>([
      [DEVICE_ABORT, (args) => encode.deviceError(this.#abortLink(decode.link(args)))],
    ]);
    this.#abort = new RpcTcpServer(
      new RpcDispatcher([{ ...DEVICE_ASYNC, procedures: abortProcedures }], logger),
    );
  }

  /** Where the server listens; throws before start(). */
  get address(): Vxi11ServerAddress {
    if (!this.#address) throw new Error('Vxi11Server: not started');
    return this.#address;
  }

  /** The VISA resource string of `deviceName` on this server. */
  resourceString(deviceName = 'inst0'): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `TCPIP0::${host}::${deviceName}::INSTR`;
  }

  /** Binds the core and abort channels and the portmapper (its own, or registers with the
   * one given). On failure (e.g. EADDRINUSE on 111) everything bound so far is closed again. */
  async start(): Promise<Vxi11ServerAddress> {
    try {
      const corePort = await this.#core.listen(this.#options.corePort ?? 0, this.host);
      const abortPort = await this.#abort.listen(this.#options.abortPort ?? 0, this.host);
      this.#operations.abortPort = abortPort;
      const portmapper =
        this.#options.portmapper ?? new PortmapperServer({ host: this.host, logger: this.#options.logger });
      if (!this.#options.portmapper) {
        await portmapper.start(this.#options.portmapperPort ?? 0);
        this.#ownsPortmapper = true;
      }
      this.#portmapper = portmapper;
      const mapping = { ...DEVICE_CORE, protocol: IPPROTO_TCP, port: corePort };
      if (!portmapper.set(mapping))
        throw new Error(
          `Vxi11Server: the portmapper already maps VXI-11 core to port ${portmapper.lookup(mapping)}`,
        );
      this.#address = { host: this.host, corePort, abortPort, portmapperPort: portmapper.port };
      return this.#address;
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  /** Links currently open (for tests and diagnostics). */
  get linkCount(): number {
    return this.#links.size;
  }

  /** Drops every core and abort connection (fault injection: a dropped link). */
  dropConnections(): void {
    this.#core.dropConnections();
    this.#abort.dropConnections();
  }

  async close(): Promise<void> {
    await this.#core.close();
    await this.#abort.close();
    for (const link of [...this.#links.values()]) this.#destroy(link);
    if (this.#portmapper) {
      if (this.#address) this.#portmapper.unset(DEVICE_CORE.program, DEVICE_CORE.version);
      if (this.#ownsPortmapper) await this.#portmapper.close();
    }
    this.#portmapper = undefined;
    this.#ownsPortmapper = false;
    this.#address = undefined;
  }

  #coreProcedures(): Map<number, ProcedureHandler> {
    const ops = this.#operations;
    const withLink = <T>(lid: number, run: (link: ServerLink) => Promise<T>, invalid: T): Promise<T> => {
      const link = this.#links.get(lid);
      return link ? run(link) : Promise.resolve(invalid);
    };
    const invalidLink = ErrorCode.invalid_link_identifier;
    const generic = (run: (link: ServerLink, p: ReturnType<typeof decode.genericParms>) => Promise<number>) =>
      (async (args) => {
        const p = decode.genericParms(args);
        return encode.deviceError(await withLink(p.lid, (link) => run(link, p), invalidLink));
      }) satisfies ProcedureHandler;
    const unsupported: ProcedureHandler = () => encode.deviceError(ErrorCode.operation_not_supported);

    return new Map<number, ProcedureHandler>([
      [
        CoreProcedure.create_link,
        async (args, context) => {
          const parms = decode.createLinkParms(args);
          const lid = this.#nextLid++;
          const result = await ops.createLink(lid, parms);
          const link = result.link;
          if (link) {
            this.#links.set(lid, link);
            context.onClose(() => this.#destroy(link));
          }
          return encode.createLinkResp(result.resp);
        },
      ],
      [
        CoreProcedure.device_write,
        async (args) => {
          const p = decode.writeParms(args);
          return encode.writeResp(
            await withLink(p.lid, (l) => ops.write(l, p), { error: invalidLink, size: 0 }),
          );
        },
      ],
      [
        CoreProcedure.device_read,
        async (args) => {
          const p = decode.readParms(args);
          const invalid = { error: invalidLink, reason: 0, data: new Uint8Array() };
          return encode.readResp(await withLink(p.lid, (l) => ops.read(l, p), invalid));
        },
      ],
      [
        CoreProcedure.device_readstb,
        async (args) => {
          const p = decode.genericParms(args);
          return encode.readStbResp(
            await withLink(p.lid, (l) => ops.readStb(l, p), { error: invalidLink, stb: 0 }),
          );
        },
      ],
      [CoreProcedure.device_trigger, generic((l, p) => ops.simple(l, p, 'trigger'))],
      [CoreProcedure.device_clear, generic((l, p) => ops.clear(l, p))],
      [CoreProcedure.device_remote, generic((l, p) => ops.simple(l, p, 'remote'))],
      [CoreProcedure.device_local, generic((l, p) => ops.simple(l, p, 'local'))],
      [
        CoreProcedure.device_lock,
        async (args) => {
          const p = decode.lockParms(args);
          return encode.deviceError(await withLink(p.lid, (l) => ops.lock(l, p), invalidLink));
        },
      ],
      [
        CoreProcedure.device_unlock,
        (args) => {
          const link = this.#links.get(decode.link(args));
          if (!link) return encode.deviceError(invalidLink);
          const released = this.#locks.release(link.device, link.lid);
          return encode.deviceError(released ? ErrorCode.no_error : ErrorCode.no_lock_held_by_this_link);
        },
      ],
      [
        CoreProcedure.destroy_link,
        (args) => {
          const link = this.#links.get(decode.link(args));
          if (!link) return encode.deviceError(invalidLink);
          this.#destroy(link);
          return encode.deviceError(ErrorCode.no_error);
        },
      ],
      [CoreProcedure.device_enable_srq, unsupported],
      [CoreProcedure.device_docmd, () => encode.docmdResp(ErrorCode.operation_not_supported)],
      [CoreProcedure.create_intr_chan, unsupported],
      [CoreProcedure.destroy_intr_chan, unsupported],
    ]);
  }

  #abortLink(lid: number): number {
    const link = this.#links.get(lid);
    if (!link) return ErrorCode.invalid_link_identifier;
    link.inFlight?.abort();
    return ErrorCode.no_error;
  }

  #destroy(link: ServerLink): void {
    if (!this.#links.delete(link.lid)) return;
    link.inFlight?.abort();
    this.#locks.release(link.device, link.lid);
    try {
      link.handler.close?.();
    } catch (error) {
      this.#options.logger?.warn({ err: error, device: link.device }, 'vxi11 server: handler close failed');
    }
  }
}
