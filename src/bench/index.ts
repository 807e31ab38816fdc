// The bench layer (docs/bench-config.md): from a bench configuration to BenchCapabilities behind
// the safety interlock, and the process-level guard that drives the bench safe on a signal or a
// crash.
export { assembleBench, DEFAULT_BENCH_FILE, openBenchFromFile, simBoardConfig } from './assemble.ts';
export type { AssembledBench, AssembleOptions, SimBenchState } from './assembled.ts';
export { withCapabilities } from './calibration.ts';
export type { ApplyCalibration, CalibrationContext, CalibrationStatus } from './calibration.ts';
export { composeCapabilities, wallClock } from './compose.ts';
export type { ArrayPlacement, ChannelMap, Composition } from './compose.ts';
export {
  BenchAssemblyError,
  BenchFaultedError,
  BenchSafeStateError,
  IdentityMismatchError,
  SafeStateTimeoutError,
  StalledStepError,
} from './errors.ts';
export type { AssemblyFailure, BenchFault } from './errors.ts';
export { EXIT_CODES, installSafetyHandlers } from './process-guard.ts';
export type { SafetyHandlersOptions, ShutdownCause } from './process-guard.ts';
export type { ReferenceMeters } from './reference.ts';
export { SafeBench } from './safe-bench.ts';
export { recordsFromFile, twinOf } from './twin.ts';
export type { StoredCalibration } from './twin.ts';
export type { SafeBenchOptions } from './safe-bench.ts';
export type { BenchStatus, InstrumentHealth, InstrumentRole, InstrumentStatus } from './status.ts';
