// `nudge sim serve --bench <file>`: starts the emulated instruments of a bench file on loopback
// (sim/emulators, docs/emulators.md), prints one line per resource string, then serves until
// SIGINT or SIGTERM, when every server, connection and socat process is closed.
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import {
  startEmulatedBench,
  type EmulatedBenchConfigInput,
  type EmulatorResource,
  type RunningEmulatedBench,
} from '../../sim/emulators/index.ts';
import { boardFromCalibration } from './calibrate.ts';

/** What `sim serve` is asked for; options that change the served bench are added here. */
export interface SimServeOptions {
  /** Path of the emulated bench file, YAML or JSON (examples/emulated-bench.yaml). */
  bench: string;
  /** A calibration record file (or stored record id): the board becomes its digital twin. */
  fromCalibration?: string;
}

/** The last line printed once every resource is listed and the servers accept connections. */
export const READY_LINE = 'ready';

/** Reads the bench file and applies the options to it: the configuration the emulators run. */
export async function simServeConfig(options: SimServeOptions): Promise<EmulatedBenchConfigInput> {
  let text: string;
  try {
    text = await readFile(options.bench, 'utf8');
  } catch (error) {
    throw new Error(`--bench ${options.bench}: ${(error as Error).message}`, { cause: error });
  }
  const config: unknown = parseYaml(text);
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new RangeError(`--bench ${options.bench}: not a bench configuration (a mapping is expected)`);
  }
  const bench = config as EmulatedBenchConfigInput;
  if (options.fromCalibration === undefined) return bench;
  return { ...bench, board: await boardFromCalibration(bench.board, options.fromCalibration) };
}

/** Starts the emulated bench the options describe. */
export async function startSimServe(options: SimServeOptions): Promise<RunningEmulatedBench> {
  return startEmulatedBench(await simServeConfig(options));
}

/** `<name> <kind> <resource>`, and `portmapper=<port>` for VXI-11 resources, columns aligned. */
export function formatResources(resources: readonly EmulatorResource[]): string[] {
  const width = (pick: (r: EmulatorResource) => string) => Math.max(...resources.map((r) => pick(r).length));
  const nameWidth = width((r) => r.name);
  const kindWidth = width((r) => r.kind);
  return resources.map((r) => {
    const line = `${r.name.padEnd(nameWidth)}  ${r.kind.padEnd(kindWidth)}  ${r.resource}`;
    return r.portmapperPort === undefined ? line : `${line}  portmapper=${r.portmapperPort}`;
  });
}

/** Serves until one of `signals` arrives, then closes everything; resolves when closed. */
export async function serveUntilSignal(
  running: RunningEmulatedBench,
  print: (line: string) => void,
  signals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'],
): Promise<NodeJS.Signals> {
  for (const line of formatResources(running.resources)) print(line);
  print(READY_LINE);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const stop = (s: NodeJS.Signals) => {
      for (const name of signals) process.off(name, stop);
      resolve(s);
    };
    for (const name of signals) process.on(name, stop);
  });
  await running.close();
  return signal;
}

export function registerSimServeCommand(program: Command): void {
  const sim =
    program.commands.find((c) => c.name() === 'sim') ??
    program.command('sim').description('the simulated bench and its protocol-level emulators');
  sim
    .command('serve')
    .description(
      'start the emulated instruments of a bench file on loopback and print their resource strings',
    )
    .requiredOption('--bench <file>', 'emulated bench file, YAML or JSON (examples/emulated-bench.yaml)')
    .option(
      '--from-calibration <id|file>',
      'make the board the digital twin of a calibration: a stored record id or a record file (JSON)',
    )
    .action(async (options: SimServeOptions, command: Command) => {
      let running: RunningEmulatedBench;
      try {
        running = await startSimServe(options);
      } catch (error) {
        command.error(`nudge sim serve: ${(error as Error).message}`);
      }
      const signal = await serveUntilSignal(running, (line) => process.stdout.write(`${line}\n`));
      process.stderr.write(`nudge sim serve: ${signal}, emulators closed\n`);
    });
}
