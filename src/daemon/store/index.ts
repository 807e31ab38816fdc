// Public surface of the daemon's persistence layer.
export { Store, type StoreOptions } from './store.ts';
export { StoreError } from './errors.ts';
export type { Durability } from './database.ts';
export { MIGRATIONS, LATEST_SCHEMA_VERSION, type Migration } from './migrations.ts';
export { DEFAULT_DECIMATION, decimationBound, keepsSnapshot, type DecimationPolicy } from './decimation.ts';
export { digestBatch, type PulseIntentRecord, type StepStateRecord } from './pulse-log.ts';
export { JOB_TRANSITIONS, type JobRecord } from './jobs.ts';
export type { RunRecord, DescriptorRecord, EventRecord, LifecycleRecord, RunStatus } from './runs.ts';
export type {
  StepMetricsRecord,
  EpochMetricsRecord,
  DecimatedStepRecord,
  DecimatedEpochRecord,
} from './metrics.ts';
export type { Snapshot, SnapshotMeta } from './snapshots.ts';
export type { InstrumentRecord, CalibrationRecord } from './instruments.ts';
export type { RecoveryReport, RecoveredRun, RecoveredJob, ResumePoint } from './recovery.ts';
export {
  RUN_KINDS,
  EXIT_STATUSES,
  JOB_STATES,
  type RunKind,
  type ExitStatus,
  type JobState,
  type JsonObject,
  type JsonValue,
  type RunStartInput,
  type DescriptorInput,
  type EventInput,
  type StopInput,
  type StepMetricsInput,
  type EpochMetricsInput,
  type SnapshotInput,
  type JobInput,
  type InstrumentInput,
  type CalibrationInput,
  type DataKey,
} from './schemas.ts';
