// Modbus exception responses as typed errors naming the resource, the request (function and
// register range) and the exception code with its name from the Modbus Application Protocol
// specification V1.1b3 §7.
import { TransportError } from '../transports/transport.ts';

export const MODBUS_EXCEPTION_NAMES: Readonly<Record<number, string>> = {
  0x01: 'illegal function',
  0x02: 'illegal data address',
  0x03: 'illegal data value',
  0x04: 'server device failure',
  0x05: 'acknowledge',
  0x06: 'server device busy',
  0x08: 'memory parity error',
  0x0a: 'gateway path unavailable',
  0x0b: 'gateway target device failed to respond',
};

/** The server answered with a Modbus exception response. */
export class ModbusExceptionError extends TransportError {
  override readonly name = 'ModbusExceptionError';
  constructor(
    resource: string,
    operation: string,
    readonly exceptionCode: number,
    readonly address: number,
    options?: { cause?: unknown },
  ) {
    const name = MODBUS_EXCEPTION_NAMES[exceptionCode] ?? 'unknown exception';
    super(resource, operation, `Modbus exception ${exceptionCode} (${name})`, options);
  }
}
