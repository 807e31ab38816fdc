// Bench configuration: the schema, the located loader and the wiring checks (docs/bench-config.md).
export { configError, loadBenchConfig, parseBenchConfig, whereIs } from './load.ts';
export {
  benchConfigSchema,
  calibrationSchema,
  instrumentSchema,
  limitsSchema,
  referenceSchema,
  safetySchema,
  SMU_KINDS,
  wiringSchema,
} from './schema.ts';
export type {
  BenchConfig,
  BenchLimits,
  BenchWiring,
  CalibrationRef,
  InstrumentBenchConfig,
  InstrumentConfig,
  InstrumentKind,
  LevelRange,
  ReferenceConfig,
  ReferenceMeterConfig,
  SimBenchConfig,
  SmuKind,
} from './schema.ts';
export { ConfigError, formatIssue, formatPath } from './source.ts';
export type { ConfigIssue, FieldPath, Location } from './source.ts';
export { boardLayout, checkBenchConfig, isSmu, roleChannels } from './wiring.ts';
export { SMU_RATINGS } from './ratings.ts';
export type { SmuInstrument } from './wiring.ts';
export { zodFindings } from './zod-issues.ts';
export type { Finding } from './zod-issues.ts';
