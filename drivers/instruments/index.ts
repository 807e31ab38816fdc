// Instrument drivers implementing the capability interfaces (docs/drivers.md).
export { Keithley2450, KEITHLEY_2450_MAX_LIST_POINTS, type LinearSweep } from './keithley-2450.ts';
export { Keithley2400, KEITHLEY_2400_RS232, type Reading2400 } from './keithley-2400.ts';
export { KeysightB2900 } from './keysight-b2900.ts';
export { Keithley2600B } from './keithley-2600b.ts';
export { TspClient, TspInstrumentError, TspResponseError, type TspErrorEntry } from './tsp-client.ts';
export {
  SmuChannelSchema,
  SmuConfigSchema,
  SourceMeter,
  RangeSettingSchema,
  type CommandLink,
  type RangeSetting,
  type SmuChannelConfig,
  type SmuConfig,
  type SmuConfigInput,
  type SourceMeterOptions,
  type SourceMode,
} from './source-meter.ts';
export {
  ModbusDac,
  ModbusDacConfigSchema,
  DacRegisterMapSchema,
  ModuleIdentityError,
  type DacRegisterMap,
  type DacRegisterMapInput,
  type ModbusDacConfigInput,
  type RegisterLink,
} from './modbus-dac.ts';
export { DAC_PRESETS, type DacPresetName } from './dac-presets.ts';
export {
  CrossbarBoard,
  CrossbarBoardConfigSchema,
  LayoutMismatchError,
  type CrossbarBoardConfig,
  type CrossbarBoardConfigInput,
} from './crossbar-board.ts';
export { encodePulseBatch, PULSE_RECORD_BYTES, type PulseLimits } from './crossbar-pulses.ts';
export {
  ChannelLimitsSchema,
  RangeSchema,
  checkRange,
  parseConfig,
  type ChannelLimits,
  type Range,
} from './limits.ts';
export { RampSchema, rampSteps, wallClockSleep, type Ramp, type Sleep } from './ramp.ts';
export { SafeStateError } from './safe-state.ts';
export { IdentityMismatchError, checkIdentity } from './identity.ts';
