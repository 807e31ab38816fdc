// Calibration suite: procedures (rxjs Observables of progress events ending in a result), fits,
// records and the digital twin. See docs/calibration.md.
export { runProcedure, resultOf, ProcedureAbortedError } from './procedure.ts';
export type { ProcedureEvent, ProcedureContext } from './procedure.ts';
export type { VoltageMeter, MeterAttachment, ReferenceSource } from './meter.ts';
export { calibrateDac } from './dac.ts';
export type {
  DacCalibrationSet,
  DacCalibrationOptions,
  DacCalibrationResult,
  DacChannelCalibration,
} from './dac.ts';
export { calibrateAdc } from './adc.ts';
export { calibrateAdcSourced } from './adc-sourced.ts';
export type { AdcSourcedSet } from './adc-sourced.ts';
export type {
  AdcCalibrationSet,
  AdcCalibrationOptions,
  AdcCalibrationResult,
  AdcChannelCalibration,
} from './adc.ts';
export { calibrateSettle } from './settle.ts';
export type { SettleCalibrationSet, SettleCalibrationOptions, SettleCalibrationResult } from './settle.ts';
export { measureDeviceIv } from './device-iv.ts';
export type { DeviceIvSet, DeviceIvOptions, DeviceIv } from './device-iv.ts';
export { checkPulsePlan, measurePulseResponse } from './pulse-response.ts';
export type {
  PulseResponseSet,
  PulseResponseOptions,
  PulseResponseResult,
  PulsePlanLimits,
  PulseShape,
} from './pulse-response.ts';
export { readConductanceMap } from './conductance-map.ts';
export type { ConductanceMapSet, ConductanceMapOptions, ConductanceMapResult } from './conductance-map.ts';
export { programAndVerify } from './program-verify.ts';
export type { ProgramVerifySet, ProgramVerifyOptions, ProgramVerifyResult } from './program-verify.ts';
export { allDevices } from './devices.ts';
export type { DeviceRef } from './devices.ts';
export { fitLine } from './fits/linear-fit.ts';
export { levenbergMarquardt } from './fits/levenberg-marquardt.ts';
export { fitStepResponse, settleTimeFor, stepResponse } from './fits/exponential.ts';
export { fitDevice, fitDeviceFamilies } from './fits/device-fit.ts';
export type { DeviceFit, PulseCurve } from './fits/device-fit.ts';
export { fitPopulation } from './fits/device-population.ts';
export type { PopulationFit } from './fits/device-population.ts';
export { deviceFamilies, nextConductance, shapeFactor } from './fits/device-families.ts';
export type { DeviceFamily, DeviceModel } from './fits/device-families.ts';
export { nodeCapacitanceFromTau } from './node-capacitance.ts';
export { calibrationRecordSchema, makeRecord, exportRecord, importRecord } from './records.ts';
export type { CalibrationRecord, CalibrationKind } from './records.ts';
export { twinConfigFromCalibration } from './twin.ts';
export type { TwinConfig } from './twin.ts';
export {
  applyChannelCalibration,
  calibratedInstruments,
  calibrationWarnings,
  channelCorrections,
  correctedSampler,
  correctedVoltageSource,
} from './apply.ts';
export type { CalibrationCheckOptions, CalibrationWarning, ChannelCorrection } from './apply.ts';
export { renderSvg, niceTicks } from './plots/svg.ts';
export type { PlotSpec, Series } from './plots/svg.ts';
export { recordFigures } from './plots/figures.ts';
export type { Figure } from './plots/figures.ts';
export { fitSharedModes } from './fits/shared-modes.ts';
export type { SharedModesFit } from './fits/shared-modes.ts';
