// Emulated Modbus TCP analog-output module in the style of an Advantech ADAM-6224 (12-bit codes,
// per-channel output range), whose channels drive input lines of the simulated circuit. The
// register map (docs/emulators.md), zero-based protocol addresses:
//   holding 0..N-1    output code of channel k, 0..4095 (FC03 read, FC06/FC16 write)
//   holding 100..N-1  output range code of channel k: 0 = ±10 V (default), 1 = 0..10 V,
//                     2 = ±5 V, 3 = 0..5 V; the held code is re-converted when it changes
//   holding 200       module id 0x6224 (read-only)
//   input   0..N-1    output read-back, mV as two's-complement int16 (FC04)
// Conversion: bipolar V = −span + 2·span·code/4095, unipolar V = span·code/4095.
// Exceptions: 2 (illegal data address) outside the map, 3 (illegal data value) for a code or range
// code out of range or a write to a read-only register, 4 (server device failure) if the board
// refuses the level.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ServerTCP } from 'modbus-serial';
import type { IServiceVector } from 'modbus-serial';
import type { EmulatedBench } from './emulated-bench.ts';
import type { FaultInjector } from './faults.ts';
import { sleep } from './faults.ts';

export const DAC_MAX_CODE = 4095;
export const RANGE_REGISTER_BASE = 100;
export const MODULE_ID_REGISTER = 200;
export const MODULE_ID = 0x6224;

/** Output ranges by range code: span in volts and whether it is bipolar. */
export const OUTPUT_RANGES: readonly { span_V: number; bipolar: boolean }[] = [
  { span_V: 10, bipolar: true },
  { span_V: 10, bipolar: false },
  { span_V: 5, bipolar: true },
  { span_V: 5, bipolar: false },
];

export function codeToVolts(code: number, rangeCode: number): number {
  const { span_V, bipolar } = OUTPUT_RANGES[rangeCode];
  return bipolar ? -span_V + (2 * span_V * code) / DAC_MAX_CODE : (span_V * code) / DAC_MAX_CODE;
}

class ModbusException extends Error {
  constructor(
    readonly modbusErrorCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** The module's registers and their effect on the input lines, transport-free. */
export class ModbusDacModule {
  readonly codes: Uint16Array;
  readonly rangeCodes: Uint16Array;

  constructor(
    readonly bench: EmulatedBench,
    /** Input line driven by each channel. */
    readonly lines: readonly number[],
  ) {
    this.codes = new Uint16Array(lines.length);
    this.rangeCodes = new Uint16Array(lines.length);
    // Power-on: mid-scale code 2048, the code nearest 0 V on the default ±10 V range (+2.4 mV).
    this.codes.fill(Math.round(DAC_MAX_CODE / 2));
  }

  voltage(channel: number): number {
    return codeToVolts(this.codes[channel], this.rangeCodes[channel]);
  }

  readHolding(address: number, length: number): number[] {
    return Array.from({ length }, (_, i) => {
      const a = address + i;
      const n = this.lines.length;
      if (a < n) return this.codes[a];
      if (a >= RANGE_REGISTER_BASE && a < RANGE_REGISTER_BASE + n)
        return this.rangeCodes[a - RANGE_REGISTER_BASE];
      if (a === MODULE_ID_REGISTER) return MODULE_ID;
      throw new ModbusException(2, `holding register ${a} does not exist`);
    });
  }

  readInput(address: number, length: number): number[] {
    return Array.from({ length }, (_, i) => {
      const a = address + i;
      if (a >= this.lines.length) throw new ModbusException(2, `input register ${a} does not exist`);
      return Math.round(this.voltage(a) * 1000) & 0xffff;
    });
  }

  /** Writes registers; the lines of every changed channel move in one board update. */
  async write(address: number, values: readonly number[]): Promise<void> {
    const n = this.lines.length;
    const codes = Uint16Array.from(this.codes);
    const rangeCodes = Uint16Array.from(this.rangeCodes);
    values.forEach((value, i) => {
      const a = address + i;
      if (a < n) {
        if (value > DAC_MAX_CODE)
          throw new ModbusException(3, `channel ${a} code ${value} exceeds ${DAC_MAX_CODE}`);
        codes[a] = value;
      } else if (a >= RANGE_REGISTER_BASE && a < RANGE_REGISTER_BASE + n) {
        if (value >= OUTPUT_RANGES.length) throw new ModbusException(3, `range code ${value} is not 0..3`);
        rangeCodes[a - RANGE_REGISTER_BASE] = value;
      } else if (a === MODULE_ID_REGISTER) {
        throw new ModbusException(3, 'the module id register is read-only');
      } else {
        throw new ModbusException(2, `holding register ${a} does not exist`);
      }
    });
    const levels = new Map<number, number>();
    this.lines.forEach((line, k) => levels.set(line, codeToVolts(codes[k], rangeCodes[k])));
    await this.bench.sync();
    try {
      await this.bench.setLines(levels);
    } catch (error) {
      throw new ModbusException(4, `the board refused the levels: ${(error as Error).message}`);
    }
    this.codes.set(codes);
    this.rangeCodes.set(rangeCodes);
  }

  /** Drives the module's present levels onto its lines (at start-up). */
  async apply(): Promise<void> {
    await this.write(0, Array.from(this.codes));
  }
}

export interface ModbusDacServer {
  readonly port: number;
  readonly unitId: number;
  close(): Promise<void>;
}

/** Serves the module on Modbus TCP (modbus-serial ServerTCP) on loopback. */
export async function serveModbusDac(
  module: ModbusDacModule,
  faults: FaultInjector,
  options: { host?: string; port?: number; unitId?: number } = {},
): Promise<ModbusDacServer> {
  const unitId = options.unitId ?? 1;
  let server: ServerTCP | undefined;
  const guarded =
    <A extends unknown[], R>(operation: (...args: A) => R | Promise<R>) =>
    async (...args: A): Promise<R> => {
      const fault = faults.next();
      if (fault.drop) {
        for (const socket of server?.socks.keys() ?? []) socket.destroy();
        return new Promise<R>(() => undefined);
      }
      if (fault.stuck) return new Promise<R>(() => undefined);
      await sleep(fault.latency_ms);
      if (fault.modbusException !== undefined) {
        throw new ModbusException(fault.modbusException, 'injected fault');
      }
      if (fault.garbage) for (const socket of server?.socks.keys() ?? []) socket.write(fault.garbage);
      return operation(...args);
    };
  // Multi-register reads must use the callback form: modbus-serial takes any other return value of
  // getMultiple* as the register array itself.
  const multiRead =
    (read: (addr: number, length: number) => number[]) =>
    (addr: number, length: number, _unitID: number, cb: (err: Error | null, values: number[]) => void) =>
      void guarded(read)(addr, length).then(
        (values) => cb(null, values),
        (error: Error) => cb(error, []),
      );
  const vector: IServiceVector = {
    getHoldingRegister: guarded((addr: number) => module.readHolding(addr, 1)[0]),
    getMultipleHoldingRegisters: multiRead((addr, length) => module.readHolding(addr, length)),
    getInputRegister: guarded((addr: number) => module.readInput(addr, 1)[0]),
    getMultipleInputRegisters: multiRead((addr, length) => module.readInput(addr, length)),
    setRegister: guarded((addr: number, value: number) => module.write(addr, [value])),
    setRegisterArray: guarded((addr: number, values: number[]) => module.write(addr, values)),
  };
  // ServerTCP treats port 0 as "default 502", so an ephemeral port is found first.
  for (let attempt = 0; ; attempt++) {
    const port = options.port ?? (await freePort());
    const candidate = new ServerTCP(vector, { host: options.host ?? '127.0.0.1', port, unitID: unitId });
    try {
      await new Promise<void>((resolve, reject) => {
        candidate.on('initialized', () => resolve());
        candidate.on('serverError', (error) => reject(error));
      });
      server = candidate;
      const listening = candidate;
      return {
        port,
        unitId,
        close: () => new Promise<void>((resolve) => listening.close(() => resolve())),
      };
    } catch (error) {
      if (options.port !== undefined || attempt >= 4) throw error;
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
