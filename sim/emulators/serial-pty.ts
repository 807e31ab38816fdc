// A SCPI emulator on a serial line: socat creates a linked pseudo-terminal pair; the emulator
// holds one end (opened with serialport, as a real RS-232 instrument port would be) and the other
// end's path is the client's resource (`ASRL<path>::INSTR`). A pty ignores baud rate and framing,
// so any serial settings on the client side work.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import type { FaultInjector } from './faults.ts';
import { sleep } from './faults.ts';
import { ScpiStreamSession } from './scpi-stream.ts';
import type { MessageServer } from './scpi-stream.ts';

export interface ScpiSerialServer {
  /** The client end of the pty pair, e.g. /tmp/nudged-pty-XXXX/client. */
  readonly path: string;
  close(): Promise<void>;
}

const SOCAT_START_TIMEOUT_MS = 5000;

export async function serveScpiSerial(
  server: MessageServer,
  faults: FaultInjector,
  name: string,
  /** The port's message terminator byte: NL, or CR for a 2400 set to TERMINATOR <CR>. */
  terminator = 0x0a,
): Promise<ScpiSerialServer> {
  const dir = mkdtempSync(join(tmpdir(), `nudged-pty-${name}-`));
  const instrumentEnd = join(dir, 'instrument');
  const clientEnd = join(dir, 'client');
  const socat = spawn('socat', [`pty,raw,echo=0,link=${instrumentEnd}`, `pty,raw,echo=0,link=${clientEnd}`], {
    stdio: 'ignore',
  });
  const started = Date.now();
  while (!(existsSync(instrumentEnd) && existsSync(clientEnd))) {
    if (socat.exitCode !== null || Date.now() - started > SOCAT_START_TIMEOUT_MS) {
      await stop(socat);
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`serial emulator ${name}: socat did not create the pty pair in ${dir}`);
    }
    await sleep(10);
  }
  const port = new SerialPort({ path: instrumentEnd, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
  let session: ScpiStreamSession;
  const open = () => {
    session = new ScpiStreamSession(
      server,
      faults,
      {
        write: (bytes) => void port.write(Buffer.from(bytes)),
        // A serial line cannot be disconnected; a drop discards the link's state and input instead.
        drop: () => open(),
      },
      terminator,
    );
  };
  open();
  port.on('data', (chunk: Buffer) => session.push(chunk));
  return {
    path: clientEnd,
    close: async () => {
      session.close();
      if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
      await stop(socat);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill();
  });
}
