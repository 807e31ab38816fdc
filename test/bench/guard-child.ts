// Child process of process-guard.test.ts: assembles the bench file given as argv[2], installs the
// safety handlers, drives the outputs, prints READY, then meets the end named by argv[3]: a signal
// from the parent (SIGTERM, SIGINT), an uncaught exception (throw) or an unhandled rejection, the
// last two once the parent writes GO on stdin.
import pino from 'pino';
import { installSafetyHandlers, openBenchFromFile } from '../../src/bench/index.ts';

const [file, end] = process.argv.slice(2);
const logger = pino({ level: 'info' }, pino.destination({ fd: 2, sync: true }));
const bench = await openBenchFromFile(file, { logger });
installSafetyHandlers(bench, logger, {
  cleanup: async () => {
    await bench.close();
    process.stdout.write('CLOSED\n');
  },
});
await bench.capabilities.inputs.setVoltages(Float64Array.of(0.5, 0.5, -0.5, -0.5));
await bench.capabilities.nudge.setCurrents(Float64Array.of(1e-5));
process.stdout.write('READY\n');
// The crash comes only once the parent has seen the live outputs (it writes GO on stdin), so the
// parent never races the safe state.
const go = () => new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
if (end === 'throw') {
  void go().then(() =>
    setTimeout(() => {
      throw new Error('a step crashed');
    }, 0),
  );
} else if (end === 'reject') {
  void go().then(() => void Promise.reject(new Error('a promise nobody awaited')));
} else {
  setInterval(() => undefined, 1000);
}
