// The training engine's public API.
export { Trainer } from './trainer.ts';
export type { EpochSummary, RunOptions, TrainingSummary } from './trainer.ts';
export { learningRateFactor, parseTrainingConfig, trainingConfigSchema } from './config.ts';
export type { TrainingConfig, TrainingConfigInput } from './config.ts';
export type { EvaluationResult, TrainingEvent, TrainingEventType } from './events.ts';
export {
  BenchBusyError,
  OperationTimeoutError,
  SettleError,
  StepError,
  TrainingCancelledError,
} from './errors.ts';
export type { StepPhase } from './errors.ts';
export { acquireBench, benchPort } from './bench-port.ts';
export type { BenchPort } from './bench-port.ts';
export type { LabelledSamples } from './pipeline.ts';
export { createLoss, nudgingCurrents, predictClass } from './losses.ts';
export type { Loss, LossConfig } from './losses.ts';
export {
  GradientAccumulator,
  addCenteredEstimate,
  addOneSidedEstimate,
  deviceVoltageDrops,
} from './estimators.ts';
export type { EstimatorKind } from './estimators.ts';
export { planSignSgdPulses, pulseBatches } from './sign-sgd.ts';
export type { PulseCountPolicy, PulsePlan, PulseShape, SignSgdConfig } from './sign-sgd.ts';
export { applyIdealUpdate } from './ideal-update.ts';
export type { IdealUpdateReport } from './ideal-update.ts';
export { ConductanceAverager } from './weight-averaging.ts';
export { DeviceMap, setSignedInputWeights, signedInputWeights } from './weight-mapping.ts';
export type { InputPairing, PhysicalCell, Tile } from './weight-mapping.ts';
export {
  initialiseRandomConductances,
  programAndVerify,
  programVerifyOptionsSchema,
  randomConductances,
} from './initialisation.ts';
export type { ProgramVerifyOptions, ProgramVerifyReport } from './initialisation.ts';
export type { SettleConfig } from './settle.ts';
