// loadBenchConfig: read, parse (YAML or JSON), validate the types with zod and the wiring with
// checkBenchConfig, and throw one ConfigError listing every issue with its file:line:column —
// nothing is opened or started by loading. A calibration file named relative to the bench file
// (`calibration.file`, `sim.fromCalibration`) is resolved against the bench file's folder. The source of every loaded configuration is kept
// (a WeakMap, not a field of the plain config) so that later checks, e.g. the bench's check of
// driver options, can locate their findings in the same file.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { benchConfigSchema } from './schema.ts';
import type { BenchConfig } from './schema.ts';
import { ConfigError, ConfigSource, type FieldPath } from './source.ts';
import { checkBenchConfig } from './wiring.ts';
import { zodFindings, type Finding } from './zod-issues.ts';

const sources = new WeakMap<object, ConfigSource>();

/** Parses and validates a bench configuration held in memory; `file` names it in errors. */
export function parseBenchConfig(text: string, file: string): BenchConfig {
  const parsed = ConfigSource.parse(text, file);
  if (parsed.issues.length > 0) throw new ConfigError(parsed.issues);
  const result = benchConfigSchema.safeParse(parsed.data);
  if (!result.success) throw locate(zodFindings(result.error, parsed.data));
  const findings = checkBenchConfig(result.data);
  if (findings.length > 0) throw locate(findings);
  sources.set(result.data, parsed.source);
  return result.data;

  function locate(findings: Finding[]): ConfigError {
    return new ConfigError(findings.map((f) => parsed.source.issue(f)));
  }
}

/** Reads and validates the bench configuration file at `path` (YAML or JSON). */
export async function loadBenchConfig(path: string): Promise<BenchConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError([{ file: path, line: 1, column: 1, path: '', message: `cannot read: ${reason}` }]);
  }
  const config = parseBenchConfig(text, path);
  if (config.calibration?.file !== undefined) {
    config.calibration.file = resolve(dirname(path), config.calibration.file);
  }
  if (config.kind === 'sim' && typeof config.sim.fromCalibration === 'string') {
    config.sim.fromCalibration = resolve(dirname(path), config.sim.fromCalibration);
  }
  return config;
}

/**
 * A ConfigError for findings about `config` made after loading (paths relative to the whole
 * configuration). Located in the file when the configuration was loaded from one; otherwise
 * (a configuration built in code) at 1:1 of `<config>`.
 */
export function configError(config: BenchConfig, findings: readonly Finding[]): ConfigError {
  const source = sources.get(config) ?? inMemory;
  return new ConfigError(findings.map((f) => source.issue(f)));
}

const inMemory = ConfigSource.parse('', '<config>').source;

/** `file:line:column` of the value at `path` of `config` (1:1 of `<config>` for a configuration
 * built in code), for errors found after loading, e.g. an instrument that fails to connect. */
export function whereIs(config: BenchConfig, path: FieldPath): string {
  const source = sources.get(config) ?? inMemory;
  const { line, column } = source.locate(path);
  return `${source.file}:${line}:${column}`;
}
