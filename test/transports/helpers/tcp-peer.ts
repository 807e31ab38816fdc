// A scripted TCP instrument on 127.0.0.1: every connection's bytes are recorded and handed to the
// test's handler, which answers (or not) through the socket.
import { createServer, type Server, type Socket } from 'node:net';

export interface TcpPeer {
  port: number;
  /** Every connection accepted so far, oldest first. */
  connections: Socket[];
  /** Resolves with the next connection (or the latest one if it has not been taken yet). */
  nextConnection(): Promise<Socket>;
  close(): Promise<void>;
}

export async function startTcpPeer(
  onData: (socket: Socket, data: Buffer) => void = () => undefined,
): Promise<TcpPeer> {
  const connections: Socket[] = [];
  const waiting: ((socket: Socket) => void)[] = [];
  let taken = 0;
  const server: Server = createServer((socket) => {
    connections.push(socket);
    socket.on('data', (data) => onData(socket, data));
    socket.on('error', () => undefined);
    const waiter = waiting.shift();
    if (waiter) {
      taken = connections.length;
      waiter(socket);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('tcp peer: no port');
  return {
    port: address.port,
    connections,
    nextConnection: () =>
      taken < connections.length
        ? Promise.resolve(connections[(taken = connections.length) - 1])
        : new Promise((resolve) => waiting.push(resolve)),
    close: async () => {
      for (const socket of connections) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Collects text a socket receives until `predicate` holds for it. */
export function receivedUntil(socket: Socket, predicate: (text: string) => boolean): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const onData = (data: Buffer) => {
      text += data.toString('latin1');
      if (predicate(text)) {
        socket.off('data', onData);
        resolve(text);
      }
    };
    socket.on('data', onData);
  });
}
