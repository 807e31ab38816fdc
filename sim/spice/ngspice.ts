// Runs ngspice in batch mode on a deck from `toSpiceDeck` and reads its results back exactly:
// the deck gets a .control block that runs the analysis once and writes a binary rawfile (raw
// doubles, no decimal rounding), which `parseRawfile` decodes into vector name → values.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Circuit } from '../circuit/netlist.ts';
import { toSpiceDeck } from './export.ts';
import type { SpiceAnalysis, SpiceDeck, SpiceOptions } from './export.ts';

export const NGSPICE_PATH = '/usr/bin/ngspice';

/** Messages of ngspice-39 when an analysis gives up (it still writes whatever plot it has). */
const FAILURE_PATTERN = /timestep too small|no convergence|simulation\(s\) aborted|singular matrix|^error/im;

export interface NgspiceRun {
  /** Plot name from the rawfile ('Operating Point', 'Transient Analysis', …); '' without analysis. */
  plot: string;
  /** Vector name (lower case, e.g. 'v(n3)', 'i(v2)', 'time') → values per point. */
  vectors: Map<string, Float64Array>;
  /** Wall time of the ngspice process, ms. */
  wall_ms: number;
  stdout: string;
  stderr: string;
}

export interface NgspiceOptions {
  binary?: string;
  timeout_ms?: number;
}

/** Runs `deckText` (ending in `.end`); if `analyse`, runs its analysis card and reads the results,
 * else only loads (parses) the deck — the baseline for timing an analysis. */
export async function runNgspice(
  deckText: string,
  analyse = true,
  options: NgspiceOptions = {},
): Promise<NgspiceRun> {
  const dir = await mkdtemp(join(tmpdir(), 'nudged-ngspice-'));
  try {
    // `quit 0`: ngspice -b exits with 1 after some successful runs (.tran); failures are detected
    // from its messages and the rawfile instead. A deck that fails to load still exits with 1.
    const analysis = analyse ? ['set filetype=binary', 'run', 'write out.raw all'] : [];
    const control = ['.control', ...analysis, 'quit 0', '.endc'];
    const body = deckText.replace(/^\.end\s*$/m, [...control, '.end'].join('\n'));
    await writeFile(join(dir, 'deck.cir'), body);
    const started = performance.now();
    const { code, stdout, stderr } = await execute(
      options.binary ?? NGSPICE_PATH,
      ['-b', 'deck.cir'],
      dir,
      options.timeout_ms,
    );
    const wall_ms = performance.now() - started;
    if (code !== 0) throw new Error(`ngspice exited with code ${code}: ${tail(stderr || stdout)}`);
    const failure = FAILURE_PATTERN.exec(stdout + stderr);
    if (failure) throw new Error(`ngspice failed (${failure[0]}): ${tail(stderr || stdout)}`);
    if (!analyse) return { plot: '', vectors: new Map(), wall_ms, stdout, stderr };
    let raw: Buffer;
    try {
      raw = await readFile(join(dir, 'out.raw'));
    } catch {
      throw new Error(`ngspice wrote no results: ${tail(stderr || stdout)}`);
    }
    const parsed = parseRawfile(raw);
    const first = parsed.vectors.values().next().value;
    if (!first || first.length === 0)
      throw new Error(`ngspice analysis produced no points: ${tail(stderr || stdout)}`);
    return { ...parsed, wall_ms, stdout, stderr };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Node voltages of an ngspice run per point: out[point][node], indexed like `circuit.nodeNames`. */
export interface NgspiceNodeResult {
  run: NgspiceRun;
  deck: SpiceDeck;
  /** The sweep variable or time per point (absent for .op). */
  axis?: Float64Array;
  v_V: Float64Array[];
}

/** Exports `circuit`, runs the analysis in ngspice and returns every node voltage at every point. */
export async function simulateWithNgspice(
  circuit: Circuit,
  analysis: SpiceAnalysis,
  spiceOptions: Partial<SpiceOptions> = {},
  options: NgspiceOptions = {},
): Promise<NgspiceNodeResult> {
  const deck = toSpiceDeck(circuit, analysis, spiceOptions);
  const run = await runNgspice(deck.text, true, options);
  const nodes = circuit.nodeNames.length;
  const columns: (Float64Array | undefined)[] = [];
  let points = 0;
  for (let n = 1; n < nodes; n++) {
    const col = run.vectors.get(deck.nodeVector(n) as string);
    if (!col)
      throw new Error(
        `ngspice results have no vector ${deck.nodeVector(n)} (node '${circuit.nodeNames[n]}')`,
      );
    columns[n] = col;
    points = col.length;
  }
  if (nodes === 1) points = 1;
  const v_V = Array.from({ length: points }, (_, p) => {
    const row = new Float64Array(nodes);
    for (let n = 1; n < nodes; n++) row[n] = (columns[n] as Float64Array)[p];
    return row;
  });
  const axisName =
    analysis.kind === 'tran' ? 'time' : analysis.kind === 'op' ? undefined : firstVectorName(run);
  return { run, deck, axis: axisName === undefined ? undefined : run.vectors.get(axisName), v_V };
}

function firstVectorName(run: NgspiceRun): string | undefined {
  return run.vectors.keys().next().value;
}

/**
 * Decodes an ngspice binary rawfile (real data): an ASCII header ending in 'Binary:\n' that lists
 * 'No. Variables', 'No. Points' and the variables, then points × variables little-endian doubles,
 * point-major. Only the last plot is kept (one analysis per run).
 */
export function parseRawfile(buf: Buffer): { plot: string; vectors: Map<string, Float64Array> } {
  const marker = buf.indexOf('Binary:\n');
  if (marker < 0) throw new Error('rawfile: no "Binary:" section (ASCII rawfiles are not supported)');
  const header = buf.subarray(0, marker).toString('latin1');
  const field = (label: string) => {
    const m = new RegExp(`^${label}:\\s*(.*)$`, 'm').exec(header);
    if (!m) throw new Error(`rawfile: header has no '${label}'`);
    return m[1].trim();
  };
  if (!/^real$/.test(field('Flags'))) throw new Error(`rawfile: Flags '${field('Flags')}' is not 'real'`);
  const nVars = Number(field('No. Variables'));
  const nPoints = Number(field('No. Points'));
  const listStart = /^Variables:/m.exec(header);
  if (!listStart) throw new Error("rawfile: header has no 'Variables:' list");
  const names = header
    .slice(listStart.index + 'Variables:'.length)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .map((l) => l.split(/\s+/)[1].toLowerCase());
  if (names.length !== nVars)
    throw new Error(`rawfile: ${names.length} variable names for ${nVars} variables`);
  const start = marker + 'Binary:\n'.length;
  if (buf.length < start + nVars * nPoints * 8)
    throw new Error(`rawfile: ${buf.length - start} data bytes, expected ${nVars * nPoints * 8}`);
  const data = new DataView(buf.buffer, buf.byteOffset + start, nVars * nPoints * 8);
  const vectors = new Map<string, Float64Array>();
  names.forEach((nm, j) => {
    const col = new Float64Array(nPoints);
    for (let p = 0; p < nPoints; p++) col[p] = data.getFloat64((p * nVars + j) * 8, true);
    vectors.set(nm, col);
  });
  return { plot: field('Plotname'), vectors };
}

function execute(
  cmd: string,
  args: string[],
  cwd: string,
  timeout_ms = 600_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeout_ms });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }),
    );
  });
}

function tail(s: string): string {
  return s.trim().split('\n').slice(-8).join(' | ');
}
