// SCPI over a byte stream (raw TCP socket, serial line): newline-terminated program messages in,
// responses out only to queries (IEEE 488.2 message exchange), with the emulator's faults applied
// per message. Binary blocks may contain newlines; the framer keeps them whole. A serial port set
// to another terminator (the 2400's CR) has it mapped to and from NL at the link (text only).
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { ProgramMessageFramer, ScpiError } from '../../drivers/scpi/server/index.ts';
import type { FaultInjector } from './faults.ts';
import { sleep } from './faults.ts';

/** What a stream session drives: a SCPI server, or the TSP interpreter of the 2600B. */
export interface MessageServer {
  /** Executes a program message; the response message (NL-terminated) or null. */
  execute(input: Uint8Array): Promise<Uint8Array | null>;
  /** Queues an error as if the message had raised it (fault injection). */
  pushError(error: ScpiError): void;
}

const NL = 0x0a;

/** The two ends of a stream link the session needs. */
export interface StreamLink {
  write(bytes: Uint8Array): void;
  /** Closes the link (a dropped connection). */
  drop(): void;
}

/** Feeds received chunks to a SCPI server one message at a time, in order. */
export class ScpiStreamSession {
  readonly #framer = new ProgramMessageFramer();
  #queue: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(
    readonly server: MessageServer,
    readonly faults: FaultInjector,
    readonly link: StreamLink,
    /** The link's message terminator byte. Default NL. */
    readonly terminator = NL,
  ) {}

  push(chunk: Uint8Array): void {
    const input = this.terminator === NL ? chunk : chunk.map((b) => (b === this.terminator ? NL : b));
    for (const message of this.#framer.push(input)) {
      this.#queue = this.#queue.then(() => this.#handle(message));
    }
  }

  close(): void {
    this.#closed = true;
  }

  async #handle(message: Uint8Array): Promise<void> {
    if (this.#closed) return;
    const fault = this.faults.next();
    if (fault.drop) {
      this.#closed = true;
      this.link.drop();
      return;
    }
    if (fault.stuck) return;
    if (fault.scpiError) {
      const { code, message: info } = fault.scpiError;
      this.server.pushError(new ScpiError(code, info, code > 0 ? 'Injected fault' : undefined));
    }
    const response = await this.server.execute(message);
    await sleep(fault.latency_ms);
    if (response === null || this.#closed) return;
    if (fault.garbage) this.link.write(fault.garbage);
    if (this.terminator !== NL && response[response.length - 1] === NL) {
      response[response.length - 1] = this.terminator;
    }
    this.link.write(response);
  }
}

export interface ScpiSocketServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Serves a SCPI server on a raw TCP socket (like port 5025 of LAN instruments). */
export async function serveScpiSocket(
  server: MessageServer,
  faults: FaultInjector,
  options: { host?: string; port?: number } = {},
): Promise<ScpiSocketServer> {
  const sockets = new Set<Socket>();
  const tcp: Server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const session = new ScpiStreamSession(server, faults, {
      write: (bytes) => void (socket.writable && socket.write(bytes)),
      drop: () => socket.destroy(),
    });
    socket.on('data', (chunk) => session.push(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      session.close();
      sockets.delete(socket);
    });
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  return {
    port: (tcp.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        tcp.close(() => resolve());
      }),
  };
}
