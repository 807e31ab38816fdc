// An emulated instrument as a VXI-11 device (drivers/transports/vxi11/server.ts): device_write
// chunks are collected until END, the program message is executed with the emulator's faults
// applied, and its response waits for device_read. The VXI-11 server already keeps unread output
// per link, discards it on a new program message and bounds a read by io_timeout, so the
// emulator's `execute()` (rather than ScpiServer's receive/readResponse) suits it, and the TSP
// interpreter of the 2600B plugs in the same way. A read with no response pending times out
// (io_timeout), as on instruments. A dropped message closes the server's connections (`drop`),
// so the client sees its link go down.
import { ScpiError } from '../../drivers/scpi/server/index.ts';
import type { Vxi11DeviceHandler } from '../../drivers/transports/vxi11/server.ts';
import type { FaultInjector } from './faults.ts';
import { sleep } from './faults.ts';
import type { MessageServer } from './scpi-stream.ts';

export class EmulatorVxi11Device implements Vxi11DeviceHandler {
  #input: Buffer[] = [];
  #output: Uint8Array | undefined;
  #waiter: ((response: { data: Uint8Array; end: boolean }) => void) | undefined;

  constructor(
    readonly server: MessageServer,
    readonly faults: FaultInjector,
    /** Closes the VXI-11 server's connections (the `drop` fault). */
    readonly drop: () => void = () => undefined,
  ) {}

  async write(data: Uint8Array, end: boolean): Promise<void> {
    this.#input.push(Buffer.from(data));
    if (!end) return;
    const message = Buffer.concat(this.#input);
    this.#input = [];
    this.#output = undefined;
    // A read still waiting belongs to an earlier message whose device_read has timed out: the
    // new message's response must not go to it.
    this.#waiter = undefined;
    const fault = this.faults.next();
    // A dropped or stuck message is not executed.
    if (fault.drop) return this.drop();
    if (fault.stuck) return;
    if (fault.scpiError) {
      const { code, message: info } = fault.scpiError;
      this.server.pushError(new ScpiError(code, info, code > 0 ? 'Injected fault' : undefined));
    }
    const response = await this.server.execute(message);
    await sleep(fault.latency_ms);
    if (response === null) return;
    this.#deliver(fault.garbage ? Buffer.concat([fault.garbage, response]) : response);
  }

  read(): Promise<{ data: Uint8Array; end: boolean }> {
    const output = this.#output;
    if (output !== undefined) {
      this.#output = undefined;
      return Promise.resolve({ data: output, end: true });
    }
    return new Promise((resolve) => (this.#waiter = resolve));
  }

  clear(): void {
    this.#input = [];
    this.#output = undefined;
  }

  readStb(): number {
    return 'statusByte' in this.server ? Number(this.server.statusByte) : 0;
  }

  #deliver(data: Uint8Array): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    if (waiter) waiter({ data, end: true });
    else this.#output = data;
  }
}
