// `nudge calibrate <procedure>`: runs one calibration procedure in-process on a bench (the
// built-in simulated bench by default, or a bench file), prints its headline figures (or the
// whole record with --json), writes the record (-o) and its figures (--plot, SVG and with --png
// PNG); with --daemon it is submitted to the running daemon as a `calibrate` job instead.
// The digital twin's board configuration (`nudge sim serve --from-calibration`) is built here too:
// calibration/twin.ts gives the plain fragment, this top layer merges it into a SimBoard config.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import {
  calibrationRecordSchema,
  exportRecord,
  recordFigures,
  twinConfigFromCalibration,
} from '../../calibration/index.ts';
import type { CalibrationRecord, CalibrationWarning } from '../../calibration/index.ts';
import { assembleBench, DEFAULT_BENCH_FILE, SafeBench, simBoardConfig, twinOf } from '../bench/index.ts';
import { LimitError } from '../capabilities/index.ts';
import type { BenchCapabilities, Identity } from '../capabilities/index.ts';
import { loadBenchConfig } from '../config/index.ts';
import type { NetworkInput } from '../network/description.ts';
import { SimBoard } from '../../sim/board/index.ts';
import type { SimBoardConfigInput } from '../../sim/board/index.ts';
import {
  calibrateParamsSchema,
  calibrationHook,
  calibrationProcedures,
  loadCalibrationRecords,
  recordSummary,
  runCalibration,
} from '../daemon/jobs/calibrate.ts';
import type { CalibrateParams, MeterProvider } from '../daemon/jobs/calibrate.ts';
import { trueVoltageMeters } from '../daemon/calibrations.ts';
import { dataDir, databasePath } from '../daemon/paths.ts';
import { Store } from '../daemon/store/index.ts';
import { ApiClient, CliError, clientOptions } from './client.ts';
import type { ClientOptions } from './client.ts';

const CHROMIUM = '/usr/bin/chromium';
const calibrationKinds = ['dac', 'adc', 'settle', 'pulse-response', 'conductance-map'] as const;

export interface CalibrationBench {
  name: string;
  capabilities: BenchCapabilities;
  instruments: { role: string; identity: Identity }[];
  meters?: MeterProvider;
  close(): Promise<void>;
}

/** Reference meters on the simulated board: its true line or node voltages plus gaussian meter
 * noise (20 µV rms, seeded), as a 6½-digit DMM on the lines and nodes would give. */
export function simMeters(board: SimBoard, seed = 1): MeterProvider {
  return trueVoltageMeters(
    { inputLines: () => board.appliedInputs(), nodes: () => board.trueNodeVoltages() },
    { noiseRms_V: 2e-5, seed },
  );
}

/** Opens the bench for an in-process calibration. A simulated bench is built here (behind the
 * interlock) so that its reference meters can read the board; an instrument bench is assembled by
 * src/bench with its configured calibration applied, its reference meters those of its
 * configuration's `reference` section. */
export async function openCalibrationBench(spec: string | undefined): Promise<CalibrationBench> {
  const file = spec === undefined || spec === 'sim' ? DEFAULT_BENCH_FILE : spec;
  const config = await loadBenchConfig(file);
  if (config.kind === 'sim') {
    // A twin bench (`sim.fromCalibration`) is built as the twin: an id from the daemon's store.
    const twin = await twinOf(config, (id) => recordsFor(String(id)));
    const board = new SimBoard(simBoardConfig(config, twin));
    const capabilities = new SafeBench(board, { limits: config.limits, ...config.safety });
    await capabilities.safeState();
    const identity = {
      vendor: 'nudged',
      model: 'SimBoard',
      serial: `seed ${board.config.seed}`,
      firmware: 'in-process',
    };
    return {
      name: config.name ?? 'sim',
      capabilities,
      instruments: [{ role: 'bench', identity }],
      meters: simMeters(board),
      close: () => capabilities.safeState(),
    };
  }
  // A calibration named by record id is read from the daemon's store in its data folder.
  const store =
    config.calibration && 'record' in config.calibration ? Store.open(databasePath(dataDir())) : undefined;
  let assembled: Awaited<ReturnType<typeof assembleBench>>;
  const warn = (w: CalibrationWarning) => process.stderr.write(`nudge: warning: ${w.message}\n`);
  try {
    // The hook compares the records with the identities the instruments answered, warns (stale,
    // other instruments) and applies only the records of these instruments.
    assembled = await assembleBench(config, {
      applyCalibration: calibrationHook({ store, onWarning: warn }),
    });
  } finally {
    store?.close();
  }
  return {
    name: assembled.name,
    capabilities: assembled.capabilities,
    instruments: assembled.instruments.map((i) => ({
      role: `${i.name} (${i.roles.join(', ')})`,
      identity: i.identity,
    })),
    ...(assembled.referenceMeters && { meters: assembled.referenceMeters.meters }),
    close: () => assembled.close(),
  };
}

/** Renders an SVG to PNG with Debian's chromium (playwright-core), else rsvg-convert. */
export async function svgToPng(svg: string, out: string): Promise<void> {
  if (existsSync(CHROMIUM)) {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM });
    try {
      const width = Number(/width="(\d+)"/.exec(svg)?.[1] ?? 720);
      const height = Number(/height="(\d+)"/.exec(svg)?.[1] ?? 420);
      const page = await browser.newPage({ viewport: { width, height } });
      await page.setContent(`<html><body style="margin:0">${svg}</body></html>`);
      await page.screenshot({ path: out, clip: { x: 0, y: 0, width, height } });
    } finally {
      await browser.close();
    }
    return;
  }
  try {
    const child = promisify(execFile)('rsvg-convert', ['-f', 'png', '-o', out]);
    child.child.stdin?.end(svg);
    await child;
  } catch (error) {
    throw new CliError(
      `--png: neither ${CHROMIUM} nor rsvg-convert could render (${(error as Error).message})`,
    );
  }
}

/** Writes every figure of the record into `dir` as SVG (and PNG); returns the paths. */
export async function writeFigures(record: CalibrationRecord, dir: string, png: boolean): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  for (const f of recordFigures(record)) {
    const svgPath = join(dir, `${f.name}.svg`);
    await writeFile(svgPath, f.svg);
    paths.push(svgPath);
    if (png) {
      const pngPath = join(dir, `${f.name}.png`);
      await svgToPng(f.svg, pngPath);
      paths.push(pngPath);
    }
  }
  return paths;
}

/** Records from a file, or (an id) from the daemon's store in its data folder ($NUDGED_DATA): the
 * record with that id and the latest record of each other kind. */
export async function recordsFor(ref: string): Promise<CalibrationRecord[]> {
  if (!/^\d+$/.test(ref)) return loadCalibrationRecords(ref);
  const store = Store.open(databasePath(dataDir()));
  try {
    const records = await loadCalibrationRecords(ref, store);
    // The record asked for, and the latest record of every other kind beside it.
    for (const kind of calibrationKinds) {
      if (records.some((r) => r.kind === kind)) continue;
      const latest = store.calibrations.latest(kind);
      const parsed = latest && calibrationRecordSchema.safeParse(latest.raw);
      if (parsed?.success) records.push(parsed.data);
    }
    return records;
  } finally {
    store.close();
  }
}

/** The simulated board configuration of the digital twin: `board` with the calibration's channel
 * gains and offsets, node capacitance and device model in place of its own. */
export async function boardFromCalibration(
  board: SimBoardConfigInput,
  ref: string,
  records?: CalibrationRecord[],
): Promise<SimBoardConfigInput> {
  const list = records ?? (await recordsFor(ref));
  const twin = twinConfigFromCalibration(list, board.network as NetworkInput);
  return { ...board, ...(twin as Omit<SimBoardConfigInput, 'network'>), network: twin.network };
}

export interface CalibrateCommandOptions extends Partial<ClientOptions> {
  bench?: string;
  params?: string;
  json?: boolean;
  output?: string;
  plot?: string;
  png?: boolean;
  daemon?: boolean;
}

/** Parses the procedure and its --params JSON; a bad field is one clear line. */
export function calibrateParams(procedure: string, json: string | undefined): CalibrateParams {
  let extra: unknown = {};
  if (json !== undefined) {
    try {
      extra = JSON.parse(json);
    } catch (error) {
      throw new CliError(`--params: not JSON (${(error as Error).message})`);
    }
  }
  if (typeof extra !== 'object' || extra === null || Array.isArray(extra)) {
    throw new CliError('--params: must be a JSON object of the procedure options');
  }
  const parsed = calibrateParamsSchema.safeParse({ ...extra, procedure });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue.path.join('.');
    throw new CliError(
      `${path === 'procedure' ? 'procedure' : `--params ${path || '(root)'}`}: ${issue.message}`,
    );
  }
  return parsed.data;
}

export async function calibrateCommand(procedure: string, options: CalibrateCommandOptions): Promise<void> {
  const params = calibrateParams(procedure, options.params);
  if (options.daemon) {
    const client = new ApiClient({ url: options.url!, token: options.token });
    const job = await client.json<{ id: number }>('POST', '/api/runs', { kind: 'calibrate', params });
    process.stdout.write(
      `job ${job.id}: calibrate ${procedure} queued; \`nudge watch ${job.id}\` follows it\n`,
    );
    return;
  }
  const bench = await openCalibrationBench(options.bench);
  let record: CalibrationRecord;
  const abort = new AbortController();
  const stop = () => abort.abort(new CliError('interrupted: the sources are in their safe state'));
  process.once('SIGINT', stop);
  try {
    record = await runCalibration(params, {
      capabilities: bench.capabilities,
      bench: bench.name,
      instruments: bench.instruments,
      meters: bench.meters,
      signal: abort.signal,
      onProgress: (done, total) => process.stderr.write(`\r${procedure}: ${done}/${total}`),
    });
    process.stderr.write('\n');
  } catch (error) {
    if (error instanceof RangeError || error instanceof LimitError || error instanceof CliError) {
      throw new CliError(error.message);
    }
    throw error;
  } finally {
    process.off('SIGINT', stop);
    await bench.close();
  }
  if (options.output !== undefined) await writeFile(options.output, exportRecord(record));
  if (options.json) process.stdout.write(`${exportRecord(record)}\n`);
  else {
    const summary = recordSummary(record);
    for (const [k, v] of Object.entries(summary)) process.stdout.write(`${k.padEnd(20)} ${v}\n`);
  }
  if (options.plot !== undefined) {
    for (const p of await writeFigures(record, options.plot, options.png === true))
      process.stderr.write(`wrote ${p}\n`);
  }
}

export function registerCalibrateCommand(program: Command): void {
  clientOptions(
    program
      .command('calibrate <procedure>')
      .description(`run a calibration procedure on a bench (${calibrationProcedures.join(', ')})`),
  )
    .option('--bench <file|sim>', 'bench configuration file, or sim for the built-in simulated bench', 'sim')
    .option('--params <json>', 'procedure options as a JSON object (docs/calibration.md)')
    .option('--json', 'print the whole calibration record as JSON')
    .option('-o, --output <file>', 'write the calibration record (JSON)')
    .option('--plot <dir>', 'write the figures as SVG files into this folder')
    .option('--png', 'with --plot: also render each figure to PNG')
    .option('--daemon', 'submit to the running daemon as a calibrate job instead')
    .action(async (procedure: string, options: CalibrateCommandOptions) => {
      try {
        await calibrateCommand(procedure, options);
      } catch (error) {
        if (!(error instanceof CliError)) throw error;
        process.stderr.write(`nudge: ${error.message}\n`);
        process.exitCode = 1;
      }
    });
}
