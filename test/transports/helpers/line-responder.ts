// The instrument end of a pty pair: answers each LF (or CR-LF) terminated line it receives.
import { SerialPort } from 'serialport';

/** Opens `path` and answers each line with `reply(line)`; null means stay silent. */
export async function startResponder(
  path: string,
  reply: (line: string) => string | Buffer | null,
): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  let pending = '';
  port.on('data', (chunk: Buffer) => {
    pending += chunk.toString('latin1');
    let at: number;
    while ((at = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, at).replace(/\r$/, '');
      pending = pending.slice(at + 1);
      const answer = reply(line);
      if (answer !== null) port.write(answer);
    }
  });
  return port;
}
