// `nudge serve`: the daemon on a bench (default: the built-in simulated bench) with its HTTP API,
// WebSocket stream and dashboard. SIGINT, SIGTERM and a crash drive the bench safe first, then
// the running job is left interrupted and the store closed (installSafetyHandlers). `--demo`
// queues a short Iris training run and prints its progress here.
import type { Command } from 'commander';
import { ApiConfigError, DEFAULT_HOST, DEFAULT_PORT, startApi, type RunningApi } from '../api/index.ts';
import { DEFAULT_BENCH_FILE, installSafetyHandlers } from '../bench/index.ts';
import { describe } from '../bench/errors.ts';
import { Daemon } from '../daemon/daemon.ts';
import { CliError } from './client.ts';
import { action } from './commands.ts';
import { ProgressPrinter } from './progress.ts';

export interface ServeOptions {
  bench: string;
  host: string;
  port: string;
  token?: string;
  data?: string;
  demo?: boolean;
  resume?: boolean;
  exitWhenIdle?: boolean;
  logLevel: string;
}

/** The demo run of `npm start`: Iris on the simulated bench, single-sample steps (they learn fast
 * on its ideal-linear devices: ~90 % test accuracy after 8 epochs), well under a minute. */
export const DEMO_PARAMS = { dataset: 'iris', epochs: 10, batchSize: 1, seed: 0, snapshotEvery: 10 } as const;

function port(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new CliError(`--port: must be an integer 0–65535, got "${text}"`);
  return n;
}

export async function serve(options: ServeOptions): Promise<void> {
  const portNumber = port(options.port);
  let daemon: Daemon;
  try {
    daemon = await Daemon.open({
      benchFile: options.bench,
      dataDir: options.data,
      resumeInterrupted: options.resume === true,
      logger: { level: options.logLevel },
      start: false,
    });
  } catch (error) {
    // A bench file that does not validate, an unreachable instrument, a database newer than this
    // build: one clear message, nothing started.
    throw new CliError(describe(error));
  }
  let api: RunningApi | null = null;
  const shutdown = async (reason: string) => {
    await api?.close();
    await daemon.close(reason);
  };
  const removeHandlers = installSafetyHandlers(daemon.bench, daemon.log, {
    cleanup: () => shutdown('signal'),
  });
  try {
    api = await startApi(daemon, {
      host: options.host,
      port: portNumber,
      token: options.token,
      logger: daemon.log,
    });
  } catch (error) {
    await shutdown('the API did not start');
    removeHandlers();
    if (error instanceof ApiConfigError) throw new CliError(error.message);
    throw error;
  }
  daemon.start();
  const printer = new ProgressPrinter(process.stdout);
  // Progress of every job on this terminal (the logs carry the details).
  daemon.events$.subscribe((event) => printer.handle(event));
  printer.line(`nudged ${daemon.version} on bench "${daemon.bench.name}", data ${daemon.store.path}`);
  printer.line(`API ${api.url}/api  dashboard ${api.url}/  (listening)`);
  if (options.demo === true) {
    const job = daemon.submit('train', DEMO_PARAMS);
    printer.line(
      `demo: training job ${job.id} queued (Iris, ${DEMO_PARAMS.epochs} epochs); watch it at ${api.url}/`,
    );
  }
  if (options.exitWhenIdle === true) {
    await new Promise<void>((resolve) => {
      const check = () => {
        const h = daemon.health();
        if (h.activeJob === null && h.queued === 0) resolve();
        else setTimeout(check, 200);
      };
      check();
    });
    await daemon.idle();
    await shutdown('idle');
    removeHandlers();
    printer.line('idle: daemon stopped');
  }
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the daemon: job queue, HTTP API, WebSocket stream and dashboard')
    .option('--bench <file>', 'bench configuration file', DEFAULT_BENCH_FILE)
    .option('--host <host>', 'interface to bind (beyond loopback a token is required)', DEFAULT_HOST)
    .option('--port <port>', 'TCP port (0: any free port)', String(DEFAULT_PORT))
    .option(
      '--token <token>',
      'API token for mutating requests (default $NUDGED_TOKEN)',
      process.env.NUDGED_TOKEN,
    )
    .option('--data <dir>', 'data directory (default $NUDGED_DATA or ~/.local/share/nudged)')
    .option('--demo', 'queue a demo training run (Iris) and print its progress')
    .option(
      '--resume',
      'requeue jobs a crash or shutdown left interrupted (they continue where they stopped)',
    )
    .option('--exit-when-idle', 'stop once no job is running or queued (scripts, tests)')
    .option('--log-level <level>', 'pino log level', 'info')
    .action(action((options: ServeOptions) => serve(options)));
}
