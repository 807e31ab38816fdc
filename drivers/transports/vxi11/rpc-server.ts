// An ONC RPC server: a dispatcher from (program, version, procedure) to handlers that answers
// the RFC 5531 §9 error replies itself, and a TCP listener speaking record marking. Calls on one
// connection are served one after another, in order, as ONC RPC clients over TCP expect.

import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import {
  AcceptStat,
  decodeCall,
  encodeAcceptErrorReply,
  encodeRecord,
  encodeRpcMismatchReply,
  encodeSuccessReply,
  RecordReader,
  RPC_VERSION,
} from './rpc.ts';
import { XdrError, XdrReader } from './xdr.ts';

/** What a procedure handler knows about the connection the call arrived on. */
export interface RpcCallContext {
  /** Registers a callback run once when the connection closes (never for UDP calls). */
  onClose(listener: () => void): void;
}

/** Decodes its arguments from `args` (an XdrError becomes GARBAGE_ARGS) and returns the
 * XDR-encoded results. Any other exception becomes SYSTEM_ERR. */
export type ProcedureHandler = (args: XdrReader, context: RpcCallContext) => Uint8Array | Promise<Uint8Array>;

export interface RpcProgram {
  program: number;
  version: number;
  procedures: ReadonlyMap<number, ProcedureHandler>;
}

export class RpcDispatcher {
  readonly #programs: RpcProgram[];

  constructor(
    programs: RpcProgram[],
    readonly logger?: Logger,
  ) {
    this.#programs = programs;
  }

  /** Answers one call message; returns undefined for a message too garbled to answer. */
  async dispatch(message: Uint8Array, context: RpcCallContext): Promise<Uint8Array | undefined> {
    let call;
    try {
      call = decodeCall(message);
    } catch (error) {
      this.logger?.debug({ err: error }, 'rpc: dropping undecodable call');
      return undefined;
    }
    const { xid } = call;
    if (call.rpcVersion !== RPC_VERSION) return encodeRpcMismatchReply(xid);
    const versions = this.#programs.filter((p) => p.program === call.program);
    if (versions.length === 0) return encodeAcceptErrorReply(xid, AcceptStat.PROG_UNAVAIL);
    const program = versions.find((p) => p.version === call.version);
    if (!program) {
      const numbers = versions.map((p) => p.version);
      return encodeAcceptErrorReply(xid, AcceptStat.PROG_MISMATCH, {
        low: Math.min(...numbers),
        high: Math.max(...numbers),
      });
    }
    const handler = program.procedures.get(call.procedure);
    if (!handler) return encodeAcceptErrorReply(xid, AcceptStat.PROC_UNAVAIL);
    try {
      const args = new XdrReader(call.args);
      const results = await handler(args, context);
      return encodeSuccessReply(xid, results);
    } catch (error) {
      if (error instanceof XdrError) return encodeAcceptErrorReply(xid, AcceptStat.GARBAGE_ARGS);
      this.logger?.error(
        { err: error, program: call.program, procedure: call.procedure },
        'rpc: procedure failed',
      );
      return encodeAcceptErrorReply(xid, AcceptStat.SYSTEM_ERR);
    }
  }
}

export class RpcTcpServer {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();

  constructor(readonly dispatcher: RpcDispatcher) {
    this.#server = createServer((socket) => this.#serve(socket));
  }

  /** Listens on `host:port` (port 0 picks a free one); resolves with the bound port. */
  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen({ port, host, exclusive: true }, () => {
        this.#server.off('error', reject);
        const address = this.#server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  /** Drops every open connection (fault injection; clients see the link fall). */
  dropConnections(): void {
    for (const socket of this.#sockets) socket.destroy();
  }

  close(): Promise<void> {
    this.dropConnections();
    return new Promise((resolve) => {
      if (!this.#server.listening) resolve();
      else this.#server.close(() => resolve());
    });
  }

  #serve(socket: Socket): void {
    this.#sockets.add(socket);
    socket.setNoDelay(true);
    const closeListeners: (() => void)[] = [];
    const context: RpcCallContext = {
      onClose: (listener) => closeListeners.push(listener),
    };
    const records = new RecordReader();
    let queue = Promise.resolve();
    socket.on('data', (chunk) => {
      let complete: Uint8Array[];
      try {
        complete = records.push(chunk);
      } catch (error) {
        this.dispatcher.logger?.debug(
          { err: error },
          'rpc: closing connection with a malformed record stream',
        );
        socket.destroy();
        return;
      }
      for (const record of complete) {
        queue = queue.then(async () => {
          const reply = await this.dispatcher.dispatch(record, context);
          if (reply && !socket.destroyed) socket.write(encodeRecord(reply));
        });
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.#sockets.delete(socket);
      for (const listener of closeListeners) listener();
    });
  }
}
