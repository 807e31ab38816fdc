// A WebSocket client for the tests and the api-load bench: Node 20 has no global WebSocket, so this
// is the `ws` package that @fastify/websocket installs, typed to the little used here.
import { createRequire } from 'node:module';

export interface ClientSocket {
  on(event: 'open', listener: () => void): this;
  on(event: 'message', listener: (data: Buffer) => void): this;
  on(event: 'close', listener: (code: number, reason: Buffer) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  on(event: 'unexpected-response', listener: (req: unknown, res: { statusCode?: number }) => void): this;
  pause(): void;
  close(): void;
  terminate(): void;
}

type SocketConstructor = new (url: string, options?: { headers?: Record<string, string> }) => ClientSocket;

export const WebSocket = createRequire(import.meta.url)('ws') as SocketConstructor;

/** Connects and resolves once open; rejects with the HTTP status when the upgrade is refused. */
export function connect(url: string, headers: Record<string, string> = {}): Promise<ClientSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => resolve(ws));
    ws.on('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.on('error', reject);
  });
}
