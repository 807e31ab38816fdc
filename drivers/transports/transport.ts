// The message-transport contract every instrument link implements (TCP socket, VXI-11, serial,
// USBTMC, the pyvisa bridge). Drivers and the SCPI client talk only to this interface, so the
// same driver runs over any of them, against a real instrument or an emulator on loopback.

export interface ReadOptions {
  /** Overrides the transport's default I/O timeout for this call, milliseconds. */
  timeout_ms?: number;
}

export interface MessageTransport {
  /** The VISA-style resource string this transport was opened from. */
  readonly resource: string;
  readonly isOpen: boolean;
  open(): Promise<void>;
  /** Idempotent; never throws for an already-closed transport. */
  close(): Promise<void>;
  /** Sends one complete program message. Stream transports append their write terminator;
   * message-based ones (VXI-11, USBTMC) set END on the last byte instead. */
  write(message: string | Uint8Array, options?: ReadOptions): Promise<void>;
  /** Reads one complete response message: up to and including the read terminator on stream
   * transports (the terminator is stripped), up to END on message-based ones. */
  read(options?: ReadOptions): Promise<Uint8Array>;
  /** Reads exactly `count` bytes (for IEEE 488.2 definite-length blocks, whose payload may
   * contain the terminator byte). */
  readBytes(count: number, options?: ReadOptions): Promise<Uint8Array>;
  /** Device clear (VXI-11 device_clear, USBTMC INITIATE_CLEAR, or the protocol's nearest
   * equivalent): aborts pending I/O and empties the instrument's buffers. */
  clear(): Promise<void>;
}

/** An I/O error on a transport, naming the resource and the operation. */
export class TransportError extends Error {
  override readonly name: string = 'TransportError';
  constructor(
    readonly resource: string,
    readonly operation: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${resource}: ${operation}: ${message}`, options);
  }
}

export class TransportTimeoutError extends TransportError {
  override readonly name = 'TransportTimeoutError';
  constructor(resource: string, operation: string, timeout_ms: number) {
    super(resource, operation, `timed out after ${timeout_ms} ms`);
  }
}
