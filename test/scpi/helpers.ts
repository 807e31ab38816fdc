// Shared helpers for the SCPI server tests.
import { ScpiServer } from '../../drivers/scpi/server/index.ts';

export const identity = { vendor: 'NUDGED', model: 'TEST-1', serial: 'SN0001', firmware: '0.1' };

export function newServer(errorQueueCapacity?: number): ScpiServer {
  return new ScpiServer({ identity, errorQueueCapacity });
}

/** Executes one message; the response as text, or null. */
export async function ask(server: ScpiServer, message: string | Uint8Array): Promise<string | null> {
  const response = await server.execute(message);
  return response === null ? null : Buffer.from(response).toString('latin1');
}

/** Drains the error queue through SYSTem:ERRor? and returns the codes, oldest first. */
export async function errorCodes(server: ScpiServer): Promise<number[]> {
  const codes: number[] = [];
  while (true) {
    const entry = await ask(server, 'SYST:ERR?');
    const code = Number(entry!.split(',')[0]);
    if (code === 0) return codes;
    codes.push(code);
  }
}
