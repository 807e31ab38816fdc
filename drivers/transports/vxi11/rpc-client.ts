// An ONC RPC client over one TCP connection: record-marked calls, replies matched to calls by
// xid (a late reply to a call that already timed out is dropped), a deadline per call.

import { connect, type Socket } from 'node:net';
import { randomInt } from 'node:crypto';
import { TransportError, TransportTimeoutError } from '../transport.ts';
import {
  decodeReply,
  describeReplyFailure,
  encodeCall,
  encodeRecord,
  messageXid,
  RecordReader,
} from './rpc.ts';
import { XdrReader } from './xdr.ts';

export interface RpcEndpoint {
  host: string;
  port: number;
  program: number;
  version: number;
}

/** The server answered the call with something other than SUCCESS. */
export class RpcReplyError extends TransportError {
  override readonly name = 'RpcReplyError';
}

interface PendingCall {
  operation: string;
  resolve(results: XdrReader): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export class RpcTcpClient {
  readonly #socket: Socket;
  readonly #pending = new Map<number, PendingCall>();
  #nextXid = randomInt(1, 0x7fff_ffff);
  #closedReason: string | undefined;
  #onClose: ((reason: string) => void) | undefined;

  private constructor(
    readonly resource: string,
    readonly endpoint: RpcEndpoint,
    socket: Socket,
  ) {
    this.#socket = socket;
    const records = new RecordReader();
    socket.on('data', (chunk) => {
      try {
        for (const record of records.push(chunk)) this.#settle(record);
      } catch (error) {
        this.#fail(`malformed reply stream (${(error as Error).message})`);
        socket.destroy();
      }
    });
    socket.on('error', (error) => this.#fail(`connection error: ${error.message}`));
    socket.on('close', () => this.#fail('connection closed by the server'));
  }

  /** Connects to `endpoint`; `resource` and `operation` name the failure if it cannot. */
  static connect(
    resource: string,
    endpoint: RpcEndpoint,
    timeout_ms: number,
    operation: string,
  ): Promise<RpcTcpClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: endpoint.host, port: endpoint.port, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new TransportTimeoutError(resource, operation, timeout_ms));
      }, timeout_ms);
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(
          new TransportError(
            resource,
            operation,
            `cannot connect to ${endpoint.host}:${endpoint.port}: ${error.message}`,
            {
              cause: error,
            },
          ),
        );
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new RpcTcpClient(resource, endpoint, socket));
      });
    });
  }

  get isConnected(): boolean {
    return this.#closedReason === undefined;
  }

  /** Called once, with the reason, when the connection ends other than by close(). */
  set onClose(listener: (reason: string) => void) {
    this.#onClose = listener;
  }

  /** Calls `procedure` with XDR-encoded `args`; resolves with a reader over the results. */
  call(procedure: number, args: Uint8Array, timeout_ms: number, operation: string): Promise<XdrReader> {
    if (this.#closedReason !== undefined)
      return Promise.reject(new TransportError(this.resource, operation, this.#closedReason));
    const xid = this.#nextXid;
    this.#nextXid = (this.#nextXid + 1) >>> 0;
    const message = encodeCall({
      xid,
      program: this.endpoint.program,
      version: this.endpoint.version,
      procedure,
      args,
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(xid);
        reject(new TransportTimeoutError(this.resource, operation, timeout_ms));
      }, timeout_ms);
      this.#pending.set(xid, { operation, resolve, reject, timer });
      this.#socket.write(encodeRecord(message));
    });
  }

  close(): void {
    this.#onClose = undefined;
    this.#fail('connection closed');
    this.#socket.destroy();
  }

  #settle(record: Uint8Array): void {
    const call = this.#pending.get(messageXid(record));
    if (!call) return; // a reply to a call that already timed out
    this.#pending.delete(messageXid(record));
    clearTimeout(call.timer);
    const reply = decodeReply(record);
    if (reply.kind === 'success') call.resolve(new XdrReader(reply.results));
    else
      call.reject(
        new RpcReplyError(this.resource, call.operation, `RPC call rejected: ${describeReplyFailure(reply)}`),
      );
  }

  #fail(reason: string): void {
    if (this.#closedReason !== undefined) return;
    this.#closedReason = reason;
    for (const call of this.#pending.values()) {
      clearTimeout(call.timer);
      call.reject(new TransportError(this.resource, call.operation, reason));
    }
    this.#pending.clear();
    const listener = this.#onClose;
    this.#onClose = undefined;
    listener?.(reason);
  }
}
