// ModbusClient: Modbus TCP / RTU over `modbus-serial`, opened from a Modbus (modbus-tcp:// / modbus-rtu://)
// resource string. modbus-serial keeps one pending request per connection and misroutes replies
// if called concurrently, so every request goes through a FIFO queue here. Requests that time out
// are retried (every request used here is idempotent); exception responses are not.
import modbusSerial from 'modbus-serial';
import type { Logger } from 'pino';
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay, resolveReconnectPolicy, type ReconnectPolicy } from '../transports/backoff.ts';
import {
  formatResource,
  parseResource,
  type ModbusRtuResource,
  type ModbusTcpResource,
} from '../transports/resource-string.ts';
import { TransportError, TransportTimeoutError } from '../transports/transport.ts';
import {
  decodeValues,
  encodeValues,
  registersPerValue,
  type RegisterType,
  type WordOrder,
} from './encoding.ts';
import { ModbusExceptionError } from './errors.ts';

export interface ModbusClientOptions {
  /** Per-request response timeout, ms. Default 1000. */
  timeout_ms?: number;
  /** TCP connect timeout, ms. Default 5000. */
  connectTimeout_ms?: number;
  /** Extra attempts after a request times out. Default 2. */
  retries?: number;
  /** Word order of 32-bit values unless a call names one. Default 'ABCD'. */
  wordOrder?: WordOrder;
  /** Reconnect policy when the connection is found closed before a request. */
  reconnect?: ReconnectPolicy;
  /** RTU line settings. Defaults 9600 8N1. */
  baudRate?: number;
  dataBits?: 5 | 6 | 7 | 8;
  parity?: 'none' | 'even' | 'odd' | 'mark' | 'space';
  stopBits?: 1 | 2;
  /** Requests and replies at debug level, retries and reconnects at warn. */
  logger?: Logger;
}

// modbus-serial is CommonJS (`module.exports = ModbusRTU`) but its typings declare an ES default
// export, so under NodeNext the default import is the class at runtime and the namespace in types.
const ModbusRTU = modbusSerial as unknown as typeof modbusSerial.default;
type Link = InstanceType<typeof ModbusRTU>;

export class ModbusClient {
  readonly resource: string;
  readonly unit: number;
  readonly #target: ModbusTcpResource | ModbusRtuResource;
  readonly #options: ModbusClientOptions;
  readonly #timeout_ms: number;
  readonly #retries: number;
  #link: Link | undefined;
  #wanted = false;
  #tail: Promise<unknown> = Promise.resolve();

  constructor(resource: string | ModbusTcpResource | ModbusRtuResource, options: ModbusClientOptions = {}) {
    const parsed = typeof resource === 'string' ? parseResource(resource) : resource;
    if (parsed.kind !== 'modbus-tcp' && parsed.kind !== 'modbus-rtu') {
      throw new TypeError(
        `ModbusClient needs a MODBUS-TCP or MODBUS-RTU resource, got ${formatResource(parsed)}`,
      );
    }
    this.#target = parsed;
    this.resource = formatResource(parsed);
    this.unit = parsed.unit;
    this.#options = options;
    this.#timeout_ms = options.timeout_ms ?? 1000;
    this.#retries = options.retries ?? 2;
  }

  /** A client for `resource`, connected. */
  static async connect(
    resource: string | ModbusTcpResource | ModbusRtuResource,
    options?: ModbusClientOptions,
  ): Promise<ModbusClient> {
    const client = new ModbusClient(resource, options);
    await client.open();
    return client;
  }

  get isOpen(): boolean {
    return this.#link?.isOpen ?? false;
  }

  open(): Promise<void> {
    return this.#queued(async () => {
      await this.#connect();
      this.#wanted = true;
    });
  }

  close(): Promise<void> {
    return this.#queued(async () => {
      this.#wanted = false;
      await this.#disconnect();
    });
  }

  readHoldingRegisters(address: number, count: number): Promise<number[]> {
    return this.#request('read holding registers', address, count, async (link) => {
      return (await link.readHoldingRegisters(address, count)).data;
    });
  }

  readInputRegisters(address: number, count: number): Promise<number[]> {
    return this.#request('read input registers', address, count, async (link) => {
      return (await link.readInputRegisters(address, count)).data;
    });
  }

  /** Function 6 for one register, 16 for several (one request either way). */
  async writeRegisters(address: number, values: readonly number[]): Promise<void> {
    for (const v of values) {
      if (!Number.isInteger(v) || v < 0 || v > 0xffff)
        throw new RangeError(`${this.resource}: register value ${v} at ${address} is not in 0..65535`);
    }
    const single = values.length === 1;
    await this.#request(
      single ? 'write register' : 'write registers',
      address,
      values.length,
      async (link) => {
        if (single) await link.writeRegister(address, values[0]);
        else await link.writeRegisters(address, [...values]);
      },
    );
  }

  readCoils(address: number, count: number): Promise<boolean[]> {
    return this.#request('read coils', address, count, async (link) => {
      // The reply is whole bytes of bits; only the first `count` are coils.
      return (await link.readCoils(address, count)).data.slice(0, count);
    });
  }

  /** Function 5 for one coil, 15 for several. */
  async writeCoils(address: number, states: readonly boolean[]): Promise<void> {
    const single = states.length === 1;
    await this.#request(single ? 'write coil' : 'write coils', address, states.length, async (link) => {
      if (single) await link.writeCoil(address, states[0]);
      else await link.writeCoils(address, [...states]);
    });
  }

  /** `count` values of `type` from consecutive holding registers. */
  async readValues(address: number, type: RegisterType, count: number, order?: WordOrder): Promise<number[]> {
    const registers = await this.readHoldingRegisters(address, count * registersPerValue(type));
    return decodeValues(type, registers, order ?? this.#options.wordOrder ?? 'ABCD');
  }

  /** Values of `type` into consecutive holding registers, in one write. */
  async writeValues(
    address: number,
    type: RegisterType,
    values: readonly number[],
    order?: WordOrder,
  ): Promise<void> {
    let registers: number[];
    try {
      registers = encodeValues(type, values, order ?? this.#options.wordOrder ?? 'ABCD');
    } catch (error) {
      throw new RangeError(`${this.resource}: register ${address}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    await this.writeRegisters(address, registers);
  }

  #request<T>(what: string, address: number, count: number, send: (link: Link) => Promise<T>): Promise<T> {
    const operation = `${what} ${count === 1 ? address : `${address}..${address + count - 1}`} (unit ${this.unit})`;
    return this.#queued(async () => {
      await this.#ensureLink(operation);
      const logger = this.#options.logger;
      for (let attempt = 0; ; attempt++) {
        logger?.debug({ resource: this.resource, op: operation, attempt });
        try {
          const result = await send(this.#link!);
          logger?.debug({ resource: this.resource, op: operation, result });
          return result;
        } catch (error) {
          const code = (error as { modbusCode?: number }).modbusCode;
          if (typeof code === 'number')
            throw new ModbusExceptionError(this.resource, operation, code, address, { cause: error });
          if (!isTimeout(error)) {
            const message = error instanceof Error ? error.message : String(error);
            throw new TransportError(this.resource, operation, message, { cause: error });
          }
          if (attempt >= this.#retries || !this.isOpen) {
            throw new TransportTimeoutError(
              this.resource,
              `${operation} after ${attempt + 1} attempts`,
              this.#timeout_ms,
            );
          }
          logger?.warn({ resource: this.resource, op: operation, attempt }, 'timed out, retrying');
        }
      }
    });
  }

  #queued<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(work);
    this.#tail = result.catch(() => undefined);
    return result;
  }

  async #ensureLink(operation: string): Promise<void> {
    if (!this.#wanted) throw new TransportError(this.resource, operation, 'not open');
    if (this.isOpen) return;
    const policy = resolveReconnectPolicy(this.#options.reconnect);
    let lastError: unknown;
    for (let attempt = 0; attempt < policy.attempts; attempt++) {
      await sleep(backoffDelay(attempt, policy));
      this.#options.logger?.warn({ resource: this.resource, attempt: attempt + 1 }, 'reconnecting');
      try {
        await this.#connect();
        return;
      } catch (error) {
        lastError = error;
      }
    }
    throw new TransportError(
      this.resource,
      operation,
      `connection lost; ${policy.attempts} reconnect attempts failed`,
      {
        cause: lastError,
      },
    );
  }

  async #connect(): Promise<void> {
    await this.#disconnect();
    const link = new ModbusRTU();
    const target = this.#target;
    const o = this.#options;
    const connecting =
      target.kind === 'modbus-tcp'
        ? link.connectTCP(target.host, { port: target.port })
        : link.connectRTUBuffered(target.path, {
            // Line settings in the resource string win over the options.
            baudRate: target.baudRate ?? o.baudRate ?? 9600,
            dataBits: target.dataBits ?? o.dataBits ?? 8,
            parity: target.parity ?? o.parity ?? 'none',
            stopBits: target.stopBits ?? o.stopBits ?? 1,
          });
    const connectTimeout_ms = o.connectTimeout_ms ?? 5000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new TransportTimeoutError(this.resource, 'connect', connectTimeout_ms)),
        connectTimeout_ms,
      );
    });
    try {
      await Promise.race([connecting, timeout]);
    } catch (error) {
      link.close(() => undefined);
      if (error instanceof TransportError) throw error;
      throw new TransportError(this.resource, 'connect', (error as Error).message, { cause: error });
    } finally {
      clearTimeout(timer);
    }
    link.setID(this.unit);
    link.setTimeout(this.#timeout_ms);
    this.#link = link;
  }

  async #disconnect(): Promise<void> {
    const link = this.#link;
    this.#link = undefined;
    if (link?.isOpen) await new Promise<void>((resolve) => link.close(() => resolve()));
  }
}

function isTimeout(error: unknown): boolean {
  const e = error as { errno?: string; message?: string };
  return e.errno === 'ETIMEDOUT' || e.message === 'Timed out';
}
