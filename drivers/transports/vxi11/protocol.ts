// VXI-11 (TCP/IP Instrument Protocol Specification, VXIbus Consortium, rev 1.0, 1995): program
// numbers, procedures, flags, reasons and error codes, and the XDR codecs of the core and abort
// channel structures (the RPCL of appendix C). Client and server share these codecs.

import { XdrWriter, type XdrReader } from './xdr.ts';

export const DEVICE_CORE = { program: 0x0607af, version: 1 } as const;
export const DEVICE_ASYNC = { program: 0x0607b0, version: 1 } as const;

/** Core channel procedure numbers (appendix C). */
export const CoreProcedure = {
  create_link: 10,
  device_write: 11,
  device_read: 12,
  device_readstb: 13,
  device_trigger: 14,
  device_clear: 15,
  device_remote: 16,
  device_local: 17,
  device_lock: 18,
  device_unlock: 19,
  device_enable_srq: 20,
  device_docmd: 22,
  destroy_link: 23,
  create_intr_chan: 25,
  destroy_intr_chan: 26,
} as const;

/** The abort channel's one procedure, device_abort. */
export const DEVICE_ABORT = 1;

/** Device_Flags bits. */
export const Flag = { WAITLOCK: 0x01, END: 0x08, TERMCHRSET: 0x80 } as const;

/** device_read reason bits: why the returned data ended. */
export const Reason = { REQCNT: 0x1, CHR: 0x2, END: 0x4 } as const;

/** Error codes, table B.2. */
export const ErrorCode = {
  no_error: 0,
  syntax_error: 1,
  device_not_accessible: 3,
  invalid_link_identifier: 4,
  parameter_error: 5,
  channel_not_established: 6,
  operation_not_supported: 8,
  out_of_resources: 9,
  device_locked_by_another_link: 11,
  no_lock_held_by_this_link: 12,
  io_timeout: 15,
  io_error: 17,
  invalid_address: 21,
  abort: 23,
  channel_already_established: 29,
} as const;

const ERROR_DESCRIPTIONS: Record<number, string> = {
  1: 'syntax error',
  3: 'device not accessible',
  4: 'invalid link identifier',
  5: 'parameter error',
  6: 'channel not established',
  8: 'operation not supported',
  9: 'out of resources',
  11: 'device locked by another link',
  12: 'no lock held by this link',
  15: 'I/O timeout',
  17: 'I/O error',
  21: 'invalid address',
  23: 'abort',
  29: 'channel already established',
};

/** "error 11 (device locked by another link)". */
export function describeError(code: number): string {
  return `error ${code} (${ERROR_DESCRIPTIONS[code] ?? 'unknown error code'})`;
}

// ---- Structures (appendix C). Device_Link, Device_Flags and Device_ErrorCode are XDR longs,
// i.e. 4-byte ints; unsigned short and unsigned char widen to 4-byte unsigned ints. ----------

export interface CreateLinkParms {
  clientId: number;
  lockDevice: boolean;
  lockTimeout: number;
  device: string;
}
export interface CreateLinkResp {
  error: number;
  lid: number;
  abortPort: number;
  maxRecvSize: number;
}
export interface WriteParms {
  lid: number;
  ioTimeout: number;
  lockTimeout: number;
  flags: number;
  data: Uint8Array;
}
export interface WriteResp {
  error: number;
  size: number;
}
export interface ReadParms {
  lid: number;
  requestSize: number;
  ioTimeout: number;
  lockTimeout: number;
  flags: number;
  termChar: number;
}
export interface ReadResp {
  error: number;
  reason: number;
  data: Uint8Array;
}
export interface ReadStbResp {
  error: number;
  stb: number;
}
export interface GenericParms {
  lid: number;
  flags: number;
  lockTimeout: number;
  ioTimeout: number;
}
export interface LockParms {
  lid: number;
  flags: number;
  lockTimeout: number;
}

export const encode = {
  createLinkParms: (p: CreateLinkParms) =>
    new XdrWriter().int(p.clientId).bool(p.lockDevice).uint(p.lockTimeout).string(p.device).bytes(),
  createLinkResp: (p: CreateLinkResp) =>
    new XdrWriter().int(p.error).int(p.lid).uint(p.abortPort).uint(p.maxRecvSize).bytes(),
  writeParms: (p: WriteParms) =>
    new XdrWriter().int(p.lid).uint(p.ioTimeout).uint(p.lockTimeout).int(p.flags).opaque(p.data).bytes(),
  writeResp: (p: WriteResp) => new XdrWriter().int(p.error).uint(p.size).bytes(),
  readParms: (p: ReadParms) =>
    new XdrWriter()
      .int(p.lid)
      .uint(p.requestSize)
      .uint(p.ioTimeout)
      .uint(p.lockTimeout)
      .int(p.flags)
      .int(p.termChar)
      .bytes(),
  readResp: (p: ReadResp) => new XdrWriter().int(p.error).int(p.reason).opaque(p.data).bytes(),
  readStbResp: (p: ReadStbResp) => new XdrWriter().int(p.error).uint(p.stb).bytes(),
  genericParms: (p: GenericParms) =>
    new XdrWriter().int(p.lid).int(p.flags).uint(p.lockTimeout).uint(p.ioTimeout).bytes(),
  lockParms: (p: LockParms) => new XdrWriter().int(p.lid).int(p.flags).uint(p.lockTimeout).bytes(),
  link: (lid: number) => new XdrWriter().int(lid).bytes(),
  deviceError: (error: number) => new XdrWriter().int(error).bytes(),
  /** Device_DocmdResp with no data_out, for refusing device_docmd. */
  docmdResp: (error: number) => new XdrWriter().int(error).opaque(new Uint8Array()).bytes(),
};

/** Decoders consume the whole structure and reject trailing bytes (malformed → GARBAGE_ARGS). */
function whole<T>(r: XdrReader, value: T): T {
  r.end();
  return value;
}

export const decode = {
  createLinkParms: (r: XdrReader): CreateLinkParms =>
    whole(r, { clientId: r.int(), lockDevice: r.bool(), lockTimeout: r.uint(), device: r.string() }),
  createLinkResp: (r: XdrReader): CreateLinkResp =>
    whole(r, { error: r.int(), lid: r.int(), abortPort: r.uint(), maxRecvSize: r.uint() }),
  writeParms: (r: XdrReader): WriteParms =>
    whole(r, { lid: r.int(), ioTimeout: r.uint(), lockTimeout: r.uint(), flags: r.int(), data: r.opaque() }),
  writeResp: (r: XdrReader): WriteResp => whole(r, { error: r.int(), size: r.uint() }),
  readParms: (r: XdrReader): ReadParms =>
    whole(r, {
      lid: r.int(),
      requestSize: r.uint(),
      ioTimeout: r.uint(),
      lockTimeout: r.uint(),
      flags: r.int(),
      termChar: r.int() & 0xff,
    }),
  readResp: (r: XdrReader): ReadResp => whole(r, { error: r.int(), reason: r.int(), data: r.opaque() }),
  readStbResp: (r: XdrReader): ReadStbResp => whole(r, { error: r.int(), stb: r.uint() & 0xff }),
  genericParms: (r: XdrReader): GenericParms =>
    whole(r, { lid: r.int(), flags: r.int(), lockTimeout: r.uint(), ioTimeout: r.uint() }),
  lockParms: (r: XdrReader): LockParms => whole(r, { lid: r.int(), flags: r.int(), lockTimeout: r.uint() }),
  link: (r: XdrReader): number => whole(r, r.int()),
  deviceError: (r: XdrReader): number => whole(r, r.int()),
};
