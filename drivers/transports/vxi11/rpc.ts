// ONC RPC version 2 messages (RFC 5531 §9) and TCP record marking (RFC 5531 §11).
// Credentials are AUTH_NONE on calls we make; calls we serve may carry any flavour, which the
// VXI-11 and portmapper services here ignore (they grant nothing on the strength of a credential).

import { XdrError, XdrReader, XdrWriter } from './xdr.ts';

export const RPC_VERSION = 2;

export const MessageType = { CALL: 0, REPLY: 1 } as const;
export const ReplyStat = { MSG_ACCEPTED: 0, MSG_DENIED: 1 } as const;
export const AuthFlavor = { AUTH_NONE: 0, AUTH_SYS: 1 } as const;

/** RFC 5531 §9 accept_stat. */
export const AcceptStat = {
  SUCCESS: 0,
  PROG_UNAVAIL: 1,
  PROG_MISMATCH: 2,
  PROC_UNAVAIL: 3,
  GARBAGE_ARGS: 4,
  SYSTEM_ERR: 5,
} as const;

/** RFC 5531 §9 reject_stat. */
export const RejectStat = { RPC_MISMATCH: 0, AUTH_ERROR: 1 } as const;

const ACCEPT_STAT_NAMES = [
  'SUCCESS',
  'PROG_UNAVAIL',
  'PROG_MISMATCH',
  'PROC_UNAVAIL',
  'GARBAGE_ARGS',
  'SYSTEM_ERR',
];
const AUTH_STAT_NAMES = [
  'AUTH_OK',
  'AUTH_BADCRED',
  'AUTH_REJECTEDCRED',
  'AUTH_BADVERF',
  'AUTH_REJECTEDVERF',
  'AUTH_TOOWEAK',
  'AUTH_INVALIDRESP',
  'AUTH_FAILED',
];

/** RFC 5531 §8.2: opaque_auth bodies are at most 400 bytes. */
const MAX_AUTH_BODY = 400;

export interface RpcCall {
  xid: number;
  rpcVersion: number;
  program: number;
  version: number;
  procedure: number;
  credentialFlavor: number;
  /** The XDR-encoded procedure arguments. */
  args: Uint8Array;
}

export interface VersionRange {
  low: number;
  high: number;
}

export type RpcReply =
  | { xid: number; kind: 'success'; results: Uint8Array }
  | { xid: number; kind: 'accept-error'; acceptStat: number; mismatch?: VersionRange }
  | { xid: number; kind: 'rpc-mismatch'; mismatch: VersionRange }
  | { xid: number; kind: 'auth-error'; authStat: number };

export function encodeCall(call: Omit<RpcCall, 'rpcVersion' | 'credentialFlavor'>): Uint8Array {
  return new XdrWriter()
    .uint(call.xid)
    .int(MessageType.CALL)
    .uint(RPC_VERSION)
    .uint(call.program)
    .uint(call.version)
    .uint(call.procedure)
    .int(AuthFlavor.AUTH_NONE)
    .opaque(new Uint8Array())
    .int(AuthFlavor.AUTH_NONE)
    .opaque(new Uint8Array())
    .raw(call.args)
    .bytes();
}

/** Decodes a call message. `rpcVersion` is returned unchecked so the server can answer
 * RPC_MISMATCH; malformed headers throw XdrError. */
export function decodeCall(message: Uint8Array): RpcCall {
  const r = new XdrReader(message);
  const xid = r.uint();
  const type = r.int();
  if (type !== MessageType.CALL) throw new XdrError(`message type ${type} is not CALL`);
  const rpcVersion = r.uint();
  const program = r.uint();
  const version = r.uint();
  const procedure = r.uint();
  const credentialFlavor = r.int();
  r.opaque(MAX_AUTH_BODY);
  r.int(); // verifier flavour
  r.opaque(MAX_AUTH_BODY);
  return { xid, rpcVersion, program, version, procedure, credentialFlavor, args: r.rest() };
}

/** Peeks at the transaction id of any message (call or reply). */
export function messageXid(message: Uint8Array): number {
  return new XdrReader(message).uint();
}

function acceptedHeader(xid: number, acceptStat: number): XdrWriter {
  return new XdrWriter()
    .uint(xid)
    .int(MessageType.REPLY)
    .int(ReplyStat.MSG_ACCEPTED)
    .int(AuthFlavor.AUTH_NONE)
    .opaque(new Uint8Array())
    .int(acceptStat);
}

export function encodeSuccessReply(xid: number, results: Uint8Array): Uint8Array {
  return acceptedHeader(xid, AcceptStat.SUCCESS).raw(results).bytes();
}

/** An accepted call that failed: PROG_UNAVAIL, PROC_UNAVAIL, GARBAGE_ARGS, SYSTEM_ERR, or
 * PROG_MISMATCH with the supported version range. */
export function encodeAcceptErrorReply(xid: number, acceptStat: number, mismatch?: VersionRange): Uint8Array {
  const w = acceptedHeader(xid, acceptStat);
  if (acceptStat === AcceptStat.PROG_MISMATCH) {
    if (!mismatch) throw new Error('PROG_MISMATCH needs the supported version range');
    w.uint(mismatch.low).uint(mismatch.high);
  }
  return w.bytes();
}

export function encodeRpcMismatchReply(xid: number): Uint8Array {
  return new XdrWriter()
    .uint(xid)
    .int(MessageType.REPLY)
    .int(ReplyStat.MSG_DENIED)
    .int(RejectStat.RPC_MISMATCH)
    .uint(RPC_VERSION)
    .uint(RPC_VERSION)
    .bytes();
}

export function decodeReply(message: Uint8Array): RpcReply {
  const r = new XdrReader(message);
  const xid = r.uint();
  const type = r.int();
  if (type !== MessageType.REPLY) throw new XdrError(`message type ${type} is not REPLY`);
  const replyStat = r.int();
  if (replyStat === ReplyStat.MSG_ACCEPTED) {
    r.int(); // verifier flavour
    r.opaque(MAX_AUTH_BODY);
    const acceptStat = r.int();
    if (acceptStat === AcceptStat.SUCCESS) return { xid, kind: 'success', results: r.rest() };
    if (acceptStat === AcceptStat.PROG_MISMATCH)
      return { xid, kind: 'accept-error', acceptStat, mismatch: { low: r.uint(), high: r.uint() } };
    return { xid, kind: 'accept-error', acceptStat };
  }
  if (replyStat !== ReplyStat.MSG_DENIED)
    throw new XdrError(`reply_stat ${replyStat} is neither accepted nor denied`);
  const rejectStat = r.int();
  if (rejectStat === RejectStat.RPC_MISMATCH)
    return { xid, kind: 'rpc-mismatch', mismatch: { low: r.uint(), high: r.uint() } };
  if (rejectStat === RejectStat.AUTH_ERROR) return { xid, kind: 'auth-error', authStat: r.int() };
  throw new XdrError(`reject_stat ${rejectStat} is unknown`);
}

/** A human-readable reason for an unsuccessful reply. */
export function describeReplyFailure(reply: Exclude<RpcReply, { kind: 'success' }>): string {
  switch (reply.kind) {
    case 'accept-error': {
      const name = ACCEPT_STAT_NAMES[reply.acceptStat] ?? `accept_stat ${reply.acceptStat}`;
      return reply.mismatch
        ? `${name} (server supports versions ${reply.mismatch.low}..${reply.mismatch.high})`
        : name;
    }
    case 'rpc-mismatch':
      return `RPC_MISMATCH (server speaks RPC versions ${reply.mismatch.low}..${reply.mismatch.high})`;
    case 'auth-error':
      return `AUTH_ERROR ${AUTH_STAT_NAMES[reply.authStat] ?? reply.authStat}`;
  }
}

// ---- Record marking (RFC 5531 §11) ---------------------------------------------------------

const LAST_FRAGMENT = 0x8000_0000;
const MAX_FRAGMENT_LENGTH = 0x7fff_ffff;

/** Frames one message as a record: fragments of at most `maxFragment` bytes, each behind a
 * 4-byte header whose top bit marks the last fragment and whose low 31 bits give its length. */
export function encodeRecord(message: Uint8Array, maxFragment = MAX_FRAGMENT_LENGTH): Uint8Array {
  if (maxFragment < 1 || maxFragment > MAX_FRAGMENT_LENGTH)
    throw new RangeError(`fragment size ${maxFragment}`);
  const parts: Uint8Array[] = [];
  let offset = 0;
  do {
    const length = Math.min(maxFragment, message.length - offset);
    const last = offset + length === message.length;
    const header = new Uint8Array(4);
    new DataView(header.buffer).setUint32(0, (last ? LAST_FRAGMENT : 0) + length);
    parts.push(header, message.subarray(offset, offset + length));
    offset += length;
  } while (offset < message.length);
  return new Uint8Array(Buffer.concat(parts));
}

/** Reassembles records from a TCP byte stream delivered in arbitrary chunks. */
export class RecordReader {
  #buffered = Buffer.alloc(0);
  #fragments: Buffer[] = [];
  #recordLength = 0;

  /** @param maxRecordLength a record larger than this is a protocol violation (guards memory). */
  constructor(readonly maxRecordLength = 64 * 1024 * 1024) {}

  /** Feeds bytes; returns the records completed by them, in order. Throws XdrError on a
   * record exceeding the limit. */
  push(chunk: Uint8Array): Uint8Array[] {
    this.#buffered =
      this.#buffered.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#buffered, chunk]);
    const records: Uint8Array[] = [];
    while (this.#buffered.length >= 4) {
      const header = this.#buffered.readUInt32BE(0);
      const length = header & MAX_FRAGMENT_LENGTH;
      if (this.#recordLength + length > this.maxRecordLength)
        throw new XdrError(`record exceeds ${this.maxRecordLength} bytes`);
      if (this.#buffered.length < 4 + length) break;
      this.#fragments.push(this.#buffered.subarray(4, 4 + length));
      this.#recordLength += length;
      this.#buffered = this.#buffered.subarray(4 + length);
      if (header & LAST_FRAGMENT) {
        records.push(new Uint8Array(Buffer.concat(this.#fragments, this.#recordLength)));
        this.#fragments = [];
        this.#recordLength = 0;
      }
    }
    return records;
  }
}
