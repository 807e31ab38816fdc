// pino logging for the daemon: JSON lines (or pino-pretty on a terminal) and every record also
// handed to a callback, which the daemon turns into `log` live events. Job code logs through child
// loggers carrying `job` and `run`, so every line says which run it belongs to.
import { Writable } from 'node:stream';
import pino from 'pino';
import type { Logger } from 'pino';
import pretty from 'pino-pretty';

export interface LoggerOptions {
  level?: string;
  /** Human-readable output; default: when stdout is a terminal. */
  pretty?: boolean;
  /** Where the formatted lines go; default stdout. */
  destination?: NodeJS.WritableStream;
}

export interface LogRecord {
  level: number;
  time: number;
  msg?: string;
  job?: number;
  run?: string;
}

export function createLogger(options: LoggerOptions, onRecord: (record: LogRecord) => void): Logger {
  const destination = options.destination ?? process.stdout;
  const human = options.pretty ?? (process.stdout.isTTY === true && destination === process.stdout);
  const main = human ? pretty({ colorize: true, destination, sync: true }) : destination;
  const tap = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.length > 0) onRecord(JSON.parse(line) as LogRecord);
      }
      done();
    },
  });
  return pino(
    { level: options.level ?? 'info', base: { name: 'nudged' } },
    pino.multistream([
      { level: options.level ?? 'info', stream: main },
      { level: options.level ?? 'info', stream: tap },
    ]),
  );
}
