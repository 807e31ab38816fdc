// Status registers shared by the client (decoding *ESR?/*STB? replies) and the server (keeping
// them). Bit assignments: IEEE 488.2-1992 §11.5.1.1 (Standard Event Status Register) and §11.2.2
// (Status Byte), with the SCPI-1999 vol.1 §9 additions to the status byte (EAV, QUES, OPER).

/** Standard Event Status Register bits, IEEE 488.2 §11.5.1.1. */
export const EVENT_STATUS_BITS = {
  /** Operation Complete: set by *OPC once pending operations have finished. */
  OPC: 0x01,
  /** Request Control (controller-capable devices only). */
  RQC: 0x02,
  /** Query Error: -4xx errors. */
  QYE: 0x04,
  /** Device-Dependent Error: -3xx errors and positive device codes. */
  DDE: 0x08,
  /** Execution Error: -2xx errors. */
  EXE: 0x10,
  /** Command Error: -1xx errors. */
  CME: 0x20,
  /** User Request. */
  URQ: 0x40,
  /** Power On. */
  PON: 0x80,
} as const;

/** Status Byte bits, IEEE 488.2 §11.2.2 and SCPI-1999 vol.1 §9.1. */
export const STATUS_BYTE_BITS = {
  /** Error/Event queue not empty (SCPI). */
  EAV: 0x04,
  /** Questionable Status summary (SCPI). */
  QUES: 0x08,
  /** Message Available: the output queue holds response data. */
  MAV: 0x10,
  /** Event Status Bit: (ESR & ESE) != 0. */
  ESB: 0x20,
  /** Master Summary Status (read by *STB?; RQS when serial-polled). */
  MSS: 0x40,
  /** Operation Status summary (SCPI). */
  OPER: 0x80,
} as const;

export type EventStatusBit = keyof typeof EVENT_STATUS_BITS;
export type StatusByteBit = keyof typeof STATUS_BYTE_BITS;

/** A register value with each named bit decoded. */
export type DecodedRegister<Bit extends string> = { readonly value: number } & {
  readonly [B in Bit]: boolean;
};

function decode<Bit extends string>(
  field: string,
  value: number,
  bits: Readonly<Record<Bit, number>>,
): DecodedRegister<Bit> {
  if (!Number.isInteger(value) || value < 0 || value > 255) {
    throw new RangeError(`${field} must be an integer in 0..255, got ${value}`);
  }
  const decoded: Record<string, number | boolean> = { value };
  for (const [name, mask] of Object.entries(bits) as [Bit, number][]) decoded[name] = (value & mask) !== 0;
  return decoded as DecodedRegister<Bit>;
}

/** Decodes a *ESR? value into its IEEE 488.2 §11.5.1.1 bits. */
export function decodeEventStatus(value: number): DecodedRegister<EventStatusBit> {
  return decode('event status register', value, EVENT_STATUS_BITS);
}

/** Decodes a *STB? value into its IEEE 488.2 §11.2.2 / SCPI bits. */
export function decodeStatusByte(value: number): DecodedRegister<StatusByteBit> {
  return decode('status byte', value, STATUS_BYTE_BITS);
}

/** The event status bit an error/event code sets, per SCPI-1999 vol.2 §21.8 classes. */
export function eventStatusBitFor(code: number): number {
  if (code <= -100 && code > -200) return EVENT_STATUS_BITS.CME;
  if (code <= -200 && code > -300) return EVENT_STATUS_BITS.EXE;
  if (code <= -300 && code > -400) return EVENT_STATUS_BITS.DDE;
  if (code <= -400 && code > -500) return EVENT_STATUS_BITS.QYE;
  if (code > 0) return EVENT_STATUS_BITS.DDE;
  return 0;
}
