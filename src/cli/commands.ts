// Client commands of a running daemon: runs, watch <id>, export <id>, estop, clear-fault,
// reconnect, pause/resume/abort <id>. They talk to the daemon's HTTP API (client.ts).
import { createWriteStream } from 'node:fs';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Command } from 'commander';
import type { BenchStatus } from '../daemon/bench.ts';
import type { LiveEvent } from '../daemon/events.ts';
import type { JobRecord } from '../daemon/store/index.ts';
import type { RunDetail, RunSummary } from '../daemon/surface.ts';
import { ApiClient, CliError, clientOptions, type ClientOptions } from './client.ts';
import { ProgressPrinter } from './progress.ts';

const TERMINAL = new Set(['done', 'failed', 'aborted']);

function jobId(text: string): number {
  const id = Number(text);
  if (!Number.isInteger(id) || id < 1) throw new CliError(`<id>: must be a positive job id, got "${text}"`);
  return id;
}

function row(s: RunSummary): string {
  const latest =
    s.latest === null
      ? ''
      : `step ${s.latest.step} loss ${s.latest.loss.toFixed(4)} acc ${s.latest.accuracy.toFixed(2)}`;
  const created = new Date(s.job.created).toISOString().replace('T', ' ').slice(0, 19);
  return [
    String(s.job.id).padStart(5),
    s.job.kind.padEnd(12),
    s.job.state.padEnd(12),
    created,
    latest,
    s.job.reason ?? '',
  ]
    .join('  ')
    .trimEnd();
}

export async function listRunsCommand(
  options: ClientOptions & { state?: string; limit?: string },
): Promise<void> {
  const client = new ApiClient(options);
  const query = new URLSearchParams();
  if (options.state !== undefined) query.set('state', options.state);
  if (options.limit !== undefined) query.set('limit', options.limit);
  const runs = await client.json<RunSummary[]>('GET', `/api/runs?${query}`);
  if (runs.length === 0) {
    process.stdout.write('no runs\n');
    return;
  }
  process.stdout.write(
    `${['   id', 'kind'.padEnd(12), 'state'.padEnd(12), 'created (UTC)'.padEnd(19), 'latest'].join('  ')}\n`,
  );
  for (const s of runs) process.stdout.write(`${row(s)}\n`);
}

interface SocketLike {
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onclose: (() => void) | null;
  close(): void;
}
type SocketConstructor = new (url: string) => SocketLike;

/** The platform WebSocket (Node ≥ 22), else the `ws` package that @fastify/websocket installs. */
function socketClass(): SocketConstructor {
  const global = (globalThis as { WebSocket?: SocketConstructor }).WebSocket;
  return global ?? (createRequire(import.meta.url)('ws') as SocketConstructor);
}

export async function watchCommand(id: string, options: ClientOptions): Promise<void> {
  const job = jobId(id);
  const client = new ApiClient(options);
  const detail = await client.json<RunDetail>('GET', `/api/runs/${job}?maxPoints=1`);
  const printer = new ProgressPrinter(process.stdout);
  if (TERMINAL.has(detail.job.state)) {
    printer.line(`job ${job} is ${detail.job.state}${detail.job.reason ? `: ${detail.job.reason}` : ''}`);
    if (detail.result !== null) printer.line(`result ${JSON.stringify(detail.result)}`);
    return;
  }
  printer.line(
    `watching job ${job} (${detail.job.kind}, ${detail.job.state}); Ctrl-C stops watching, not the job`,
  );
  const Socket = socketClass();
  await new Promise<void>((resolve, reject) => {
    const socket = new Socket(client.eventsUrl(`job=${job}`).toString());
    socket.onmessage = (message) => {
      const event = JSON.parse(String(message.data)) as LiveEvent;
      printer.handle(event);
      if (event.type === 'job' && TERMINAL.has(event.state)) socket.close();
    };
    socket.onerror = () => reject(new CliError(`the event stream of ${client.base.origin} failed`));
    socket.onclose = () => resolve();
  });
}

export async function exportCommand(
  id: string,
  options: ClientOptions & { format: string; output?: string },
): Promise<void> {
  if (options.format !== 'csv' && options.format !== 'jsonl') {
    throw new CliError(`--format: must be csv or jsonl, got "${options.format}"`);
  }
  const client = new ApiClient(options);
  const response = await client.request('GET', `/api/runs/${jobId(id)}/export?format=${options.format}`);
  if (response.body === null) throw new CliError('the daemon sent an empty export');
  const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
  await pipeline(body, options.output === undefined ? process.stdout : createWriteStream(options.output));
  if (options.output !== undefined) process.stderr.write(`wrote ${options.output}\n`);
}

export async function estopCommand(options: ClientOptions & { reason: string }): Promise<void> {
  await new ApiClient(options).json('POST', '/api/estop', { reason: options.reason });
  process.stdout.write('emergency stop: bench in its safe state; `nudge clear-fault` allows new jobs\n');
}

export async function clearFaultCommand(options: ClientOptions): Promise<void> {
  await new ApiClient(options).json('POST', '/api/clear-fault', {});
  process.stdout.write('fault cleared\n');
}

/** POST /api/bench/reconnect: every instrument link closed (outputs safe first), opened, the
 * instrument identified and configured again; one line per instrument. */
export async function reconnectCommand(options: ClientOptions): Promise<void> {
  const status = await new ApiClient(options).json<BenchStatus>('POST', '/api/bench/reconnect', {});
  const lines = status.instruments.map(
    (i) =>
      `  ${i.healthy ? 'ok  ' : 'DOWN'} ${i.name} (${i.role}) ${i.identity.vendor} ${i.identity.model} ` +
      `s/n ${i.identity.serial} at ${i.resource}\n`,
  );
  process.stdout.write(`bench ${status.name} re-assembled, outputs safe:\n${lines.join('')}`);
}

export async function controlCommand(
  action: 'pause' | 'resume' | 'abort',
  id: string,
  options: ClientOptions & { reason?: string },
): Promise<void> {
  const body = action === 'abort' && options.reason !== undefined ? { reason: options.reason } : {};
  const job = await new ApiClient(options).json<JobRecord>('POST', `/api/runs/${jobId(id)}/${action}`, body);
  const note = action === 'resume' ? '' : ' (takes effect at the next step boundary)';
  process.stdout.write(
    `job ${job.id}: ${action} requested${job.state === 'running' ? note : `; now ${job.state}`}\n`,
  );
}

/** Runs a command body, printing a CliError as one line and exiting 1. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>) {
  return async (...args: A): Promise<void> => {
    try {
      await fn(...args);
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      process.stderr.write(`nudge: ${error.message}\n`);
      process.exitCode = 1;
    }
  };
}

export function registerClientCommands(program: Command): void {
  clientOptions(program.command('runs').description('list jobs and their runs'))
    .option('--state <state>', 'only jobs in this state')
    .option('--limit <n>', 'at most this many')
    .action(
      action((options: ClientOptions & { state?: string; limit?: string }) => listRunsCommand(options)),
    );
  clientOptions(program.command('watch <id>').description('follow a run live (progress bar)')).action(
    action((id: string, options: ClientOptions) => watchCommand(id, options)),
  );
  clientOptions(
    program
      .command('export <id>')
      .description('export a run: step metrics as CSV, or every document as JSON Lines'),
  )
    .option('--format <format>', 'csv or jsonl', 'jsonl')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .action(
      action((id: string, options: ClientOptions & { format: string; output?: string }) =>
        exportCommand(id, options),
      ),
    );
  clientOptions(
    program.command('estop').description('emergency stop: outputs safe at once, the active job fails'),
  )
    .option('--reason <text>', 'why', 'emergency stop (CLI)')
    .action(action((options: ClientOptions & { reason: string }) => estopCommand(options)));
  clientOptions(
    program.command('clear-fault').description('allow jobs again after an emergency stop or a bench fault'),
  ).action(action((options: ClientOptions) => clearFaultCommand(options)));
  clientOptions(
    program
      .command('reconnect')
      .description('re-assemble a bench of instruments: every link reopened, identified, outputs safe'),
  ).action(action((options: ClientOptions) => reconnectCommand(options)));
  const verbs = {
    pause: 'pause the running job at its next step boundary',
    resume: 'continue a paused job, or requeue an interrupted one where it stopped',
    abort: 'abort a job (the running one at its next step boundary)',
  } as const;
  for (const verb of ['pause', 'resume', 'abort'] as const) {
    const command = clientOptions(program.command(`${verb} <id>`).description(verbs[verb]));
    if (verb === 'abort') command.option('--reason <text>', 'why');
    command.action(
      action((id: string, options: ClientOptions & { reason?: string }) => controlCommand(verb, id, options)),
    );
  }
}
