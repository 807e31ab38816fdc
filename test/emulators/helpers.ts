// Test-side clients for the emulators, written with plain node:net (the drivers are separate), and
// the independent physics the tests compare against.
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import type { SimBoard } from '../../sim/board/index.ts';
import type { EmulatedBenchConfigInput } from '../../sim/emulators/index.ts';

/** A small Iris-size board: 4 features doubled → 8 lines, hidden [8], 3 differential outputs. */
export const irisBoard = {
  network: { inputs: 4, hidden: [8], outputs: 3 },
  seed: 7,
} satisfies EmulatedBenchConfigInput['board'];

/** A raw-socket SCPI client: writes program messages, reads NL-terminated responses, with
 * definite-length blocks kept whole. */
export class LineClient {
  #buffer = Buffer.alloc(0);
  #waiters: (() => void)[] = [];
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.#wake();
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new LineClient(socket.setNoDelay(true))));
      socket.once('error', reject);
    });
  }

  write(message: string | Uint8Array): void {
    this.socket.write(typeof message === 'string' ? `${message}\n` : message);
  }

  /** Raw bytes received so far and not consumed. */
  get pending(): Buffer {
    return this.#buffer;
  }

  /** Waits until `n` bytes are buffered (or the socket closed) and takes them. */
  async take(n: number): Promise<Buffer> {
    while (this.#buffer.length < n) {
      if (this.closed) throw new Error(`connection closed with ${this.#buffer.length} of ${n} bytes`);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
    const out = this.#buffer.subarray(0, n);
    this.#buffer = this.#buffer.subarray(n);
    return out;
  }

  /** Reads one response message: text up to NL, or a definite block and its NL. */
  async readResponse(): Promise<Buffer> {
    const head = await this.take(1);
    if (head[0] === 0x23) {
      const digits = Number((await this.take(1)).toString());
      const length = Number((await this.take(digits)).toString());
      const payload = Buffer.from(await this.take(length));
      await this.take(1);
      return payload;
    }
    let line = Buffer.from(head);
    while (line[line.length - 1] !== 0x0a) line = Buffer.concat([line, await this.take(1)]);
    return line.subarray(0, -1);
  }

  async query(message: string | Uint8Array): Promise<string> {
    this.write(message);
    return (await this.readResponse()).toString('latin1');
  }

  /** Waits until the peer closes the connection. */
  async closedByPeer(): Promise<void> {
    while (!this.closed) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  close(): void {
    this.socket.destroy();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}

export function portOf(resource: string): number {
  const match = /::(\d+)::SOCKET$/.exec(resource) ?? /:(\d+)\?/.exec(resource);
  if (!match) throw new Error(`no port in ${resource}`);
  return Number(match[1]);
}

/** Current drawn from input line `line` by Ohm's law over row `line` of array 0, computed from
 * the board's conductances and true node voltages. */
export function expectedLineCurrent(board: SimBoard, line: number): number {
  const { layout } = board;
  const cols = layout.arrays[0].cols;
  const v = board.trueNodeVoltages();
  const vLine = board.appliedInputs()[line];
  let sum = 0;
  for (let c = 0; c < cols; c++) sum += board.devices.g_S[line * cols + c] * (vLine - v[c]);
  return sum;
}

export async function drainErrors(client: LineClient): Promise<number[]> {
  const codes: number[] = [];
  while (true) {
    const code = Number((await client.query('SYST:ERR?')).split(',')[0]);
    if (code === 0) return codes;
    codes.push(code);
  }
}
