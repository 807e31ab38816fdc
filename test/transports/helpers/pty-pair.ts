// A linked pseudo-terminal pair from socat in a fresh temp dir: bytes written to one end come
// out of the other, standing in for a serial cable (or, for USBTMC tests, a character device).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PtyPair {
  /** The end the transport under test opens. */
  a: string;
  /** The end the test's responder drives. */
  b: string;
  close(): Promise<void>;
}

export async function startPtyPair(): Promise<PtyPair> {
  const dir = mkdtempSync(join(tmpdir(), 'nudged-pty-'));
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  const child: ChildProcess = spawn(
    '/usr/bin/socat',
    ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`socat did not start within 5 s: ${log}`)), 5000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('starting data transfer loop')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return {
    a,
    b,
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
