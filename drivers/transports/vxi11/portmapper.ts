// Portmapper version 2 (RFC 1833 §3): the GETPORT client VXI-11 uses to find the core channel,
// and a small portmapper server for the emulators (TCP and UDP on the same port, 111 when the
// process may bind it, an ephemeral port otherwise).

import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Logger } from 'pino';
import { RpcTcpClient } from './rpc-client.ts';
import { RpcDispatcher, RpcTcpServer, type ProcedureHandler } from './rpc-server.ts';
import { XdrWriter, type XdrReader } from './xdr.ts';

export const PMAP_PROGRAM = 100000;
export const PMAP_VERSION = 2;
export const PMAP_PORT = 111;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

/** RFC 1833 §3.2 procedure numbers (CALLIT, 5, is not served). */
export const PmapProcedure = { NULL: 0, SET: 1, UNSET: 2, GETPORT: 3, DUMP: 4 } as const;

export interface PortMapping {
  program: number;
  version: number;
  protocol: number;
  port: number;
}

function encodeMapping(w: XdrWriter, m: PortMapping): XdrWriter {
  return w.uint(m.program).uint(m.version).uint(m.protocol).uint(m.port);
}

function decodeMapping(r: XdrReader): PortMapping {
  return { program: r.uint(), version: r.uint(), protocol: r.uint(), port: r.uint() };
}

export interface GetPortOptions {
  program: number;
  version: number;
  /** Portmapper port, 111 unless overridden (tests, emulators on an ephemeral port). */
  portmapperPort?: number;
  timeout_ms: number;
  /** Names the resource in errors. */
  resource: string;
}

/** PMAPPROC_GETPORT over TCP: the TCP port of `program`/`version` on `host`, 0 if unregistered. */
export async function getPort(host: string, options: GetPortOptions): Promise<number> {
  const port = options.portmapperPort ?? PMAP_PORT;
  const operation = 'portmapper GETPORT';
  const client = await RpcTcpClient.connect(
    options.resource,
    { host, port, program: PMAP_PROGRAM, version: PMAP_VERSION },
    options.timeout_ms,
    operation,
  );
  try {
    const query = { program: options.program, version: options.version, protocol: IPPROTO_TCP, port: 0 };
    const args = encodeMapping(new XdrWriter(), query).bytes();
    const reply = await client.call(PmapProcedure.GETPORT, args, options.timeout_ms, operation);
    return reply.uint();
  } finally {
    client.close();
  }
}

export interface PortmapperServerOptions {
  /** Address to bind, 127.0.0.1 by default. */
  host?: string;
  logger?: Logger;
}

/** A portmapper holding the mappings its owner sets (SET/UNSET from the network are honoured
 * too, as rpcbind does for local callers; this server only ever binds loopback by default). */
export class PortmapperServer {
  readonly host: string;
  readonly #mappings = new Map<string, PortMapping>();
  readonly #tcp: RpcTcpServer;
  readonly #dispatcher: RpcDispatcher;
  #udp: UdpSocket | undefined;
  #port = 0;

  constructor(options: PortmapperServerOptions = {}) {
    this.host = options.host ?? '127.0.0.1';
    const procedures = new Map<number, ProcedureHandler>([
      [PmapProcedure.NULL, () => new Uint8Array()],
      [PmapProcedure.SET, (args) => new XdrWriter().bool(this.set(decodeMapping(args))).bytes()],
      [PmapProcedure.UNSET, (args) => new XdrWriter().bool(this.#unsetWire(decodeMapping(args))).bytes()],
      [PmapProcedure.GETPORT, (args) => new XdrWriter().uint(this.lookup(decodeMapping(args))).bytes()],
      [PmapProcedure.DUMP, () => this.#dump()],
    ]);
    this.#dispatcher = new RpcDispatcher(
      [{ program: PMAP_PROGRAM, version: PMAP_VERSION, procedures }],
      options.logger,
    );
    this.#tcp = new RpcTcpServer(this.#dispatcher);
  }

  /** The bound port (0 before start). */
  get port(): number {
    return this.#port;
  }

  /** Binds TCP and UDP on `port` (default 111; 0 picks a free port). Rejects with the socket
   * error (EADDRINUSE, EACCES) when the port is taken or privileged. */
  async start(port = PMAP_PORT): Promise<number> {
    this.#port = await this.#tcp.listen(port, this.host);
    try {
      this.#udp = await this.#bindUdp(this.#port);
    } catch (error) {
      await this.#tcp.close();
      throw error;
    }
    for (const protocol of [IPPROTO_TCP, IPPROTO_UDP])
      this.set({ program: PMAP_PROGRAM, version: PMAP_VERSION, protocol, port: this.#port });
    return this.#port;
  }

  /** Registers a mapping; false if (program, version, protocol) is already mapped (RFC 1833). */
  set(mapping: PortMapping): boolean {
    const key = `${mapping.program}:${mapping.version}:${mapping.protocol}`;
    if (this.#mappings.has(key)) return false;
    this.#mappings.set(key, { ...mapping });
    return true;
  }

  /** Removes every protocol's mapping of `program`/`version`. */
  unset(program: number, version: number): boolean {
    let removed = false;
    for (const [key, m] of this.#mappings)
      if (m.program === program && m.version === version) removed = this.#mappings.delete(key) || removed;
    return removed;
  }

  /** GETPORT semantics: the port, or 0 when unregistered (the query's port is ignored). */
  lookup(query: PortMapping): number {
    return this.#mappings.get(`${query.program}:${query.version}:${query.protocol}`)?.port ?? 0;
  }

  async close(): Promise<void> {
    await this.#tcp.close();
    const udp = this.#udp;
    this.#udp = undefined;
    if (udp) await new Promise<void>((resolve) => udp.close(() => resolve()));
  }

  #unsetWire(mapping: PortMapping): boolean {
    return mapping.program !== PMAP_PROGRAM && this.unset(mapping.program, mapping.version);
  }

  /** RFC 1833 §3.1 pmaplist: an XDR optional-data linked list. */
  #dump(): Uint8Array {
    const w = new XdrWriter();
    for (const m of this.#mappings.values()) encodeMapping(w.bool(true), m);
    return w.bool(false).bytes();
  }

  #bindUdp(port: number): Promise<UdpSocket> {
    return new Promise((resolve, reject) => {
      const socket = createSocket(isIPv6(this.host) ? 'udp6' : 'udp4');
      socket.once('error', reject);
      socket.bind({ port, address: this.host, exclusive: true }, () => {
        socket.off('error', reject);
        socket.on('message', (message, remote) => {
          const context = { onClose: () => undefined };
          void this.#dispatcher.dispatch(message, context).then((reply) => {
            if (reply && this.#udp === socket) socket.send(reply, remote.port, remote.address);
          });
        });
        resolve(socket);
      });
    });
  }
}
