// Shared configuration fixtures and a recording sleep for the driver tests.
import type { ChannelLimits } from '../../drivers/instruments/limits.ts';
import { TransportError, type MessageTransport } from '../../drivers/transports/transport.ts';
import type { CrossbarBoardConfigInput } from '../../drivers/instruments/crossbar-board.ts';
import { CrossbarBoardEmulator, type RunningEmulatedBench } from '../../sim/emulators/index.ts';

/** ±10 V, ±10 mA, compliance at most 1 mA / 20 V. */
export const LIMITS: ChannelLimits = {
  voltage_V: { min: -10, max: 10 },
  current_A: { min: -0.01, max: 0.01 },
  compliance: { current_A: 1e-3, voltage_V: 20 },
};

/** A Sleep that records the requested pauses and returns at once. */
export function recordingSleep(): { sleep: (s: number) => Promise<void>; pauses: number[] } {
  const pauses: number[] = [];
  return { pauses, sleep: async (s: number) => void pauses.push(s) };
}

export const NO_ERROR: [string, string] = ['SYST:ERR?', '0,"No error"'];

/** A write-only transport that records messages and fails those `fails` selects, for safe-state
 * tests (an instrument that stops accepting some writes). Reads are never expected. */
export class FlakyWriteTransport implements MessageTransport {
  readonly resource = 'FLAKY::INSTR';
  readonly isOpen = true;
  readonly written: string[] = [];
  constructor(private readonly fails: (message: string) => boolean) {}
  async open(): Promise<void> {}
  async close(): Promise<void> {}
  async write(message: string | Uint8Array): Promise<void> {
    const text = typeof message === 'string' ? message : Buffer.from(message).toString('latin1');
    if (this.fails(text)) throw new TransportError(this.resource, 'write', `refused ${JSON.stringify(text)}`);
    this.written.push(text);
  }
  async read(): Promise<Uint8Array> {
    throw new TransportError(this.resource, 'read', 'no reply expected');
  }
  async readBytes(): Promise<Uint8Array> {
    throw new TransportError(this.resource, 'readBytes', 'no reply expected');
  }
  async clear(): Promise<void> {}
}

/** A CrossbarBoard driver configuration matching the emulated board `name` (default the first
 * crossbar board) of a running bench: its layout, and its ratings as the limits. */
export function boardConfigFor(running: RunningEmulatedBench, name?: string): CrossbarBoardConfigInput {
  const emulator = [...running.instruments.entries()].find(
    ([n, e]) => e instanceof CrossbarBoardEmulator && (name === undefined || n === name),
  )?.[1];
  if (!(emulator instanceof CrossbarBoardEmulator)) throw new Error('the bench has no crossbar board');
  const { ratings } = emulator.board;
  const layout = running.bench.board.layout;
  return {
    expectedModel: 'XBAR',
    layout: {
      lines: layout.inputLines,
      nodes: layout.floatingNodes,
      outputs: layout.outputNodes,
      arrays: layout.arrays.map(({ rows, cols }) => ({ rows, cols })),
    },
    limits: {
      voltage_V: ratings.voltage_V,
      current_A: ratings.current_A,
      pulse: {
        amplitude_V: ratings.pulseAmplitude_V.max,
        width_s: ratings.pulseWidth_s,
        count: ratings.pulseCount.max,
      },
      readVoltage_V: ratings.readVoltage_V.max,
    },
  };
}
