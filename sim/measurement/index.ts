// The measurement chain of the simulated board: DAC for the input lines; amplifier offset,
// sample-and-hold and ADC for the node read-out, composed by MeasurementChain.
export { Adc, adcParamsSchema } from './adc.ts';
export type { AdcParams, AdcParamsInput } from './adc.ts';
export { AmplifierOffset, amplifierOffsetParamsSchema } from './amplifier-offset.ts';
export type { AmplifierOffsetParams, AmplifierOffsetParamsInput } from './amplifier-offset.ts';
export { MeasurementChain, measurementChainParamsSchema } from './chain.ts';
export type { MeasurementChainParams, MeasurementChainParamsInput } from './chain.ts';
export { Dac, DacRangeError, dacParamsSchema } from './dac.ts';
export type { DacParams, DacParamsInput } from './dac.ts';
export { SampleAndHold, sampleAndHoldParamsSchema } from './sample-and-hold.ts';
export type { SampleAndHoldParams, SampleAndHoldParamsInput } from './sample-and-hold.ts';
export { DacChannelErrors, dacChannelErrorParamsSchema } from './dac-channel-errors.ts';
export type { DacChannelErrorParams, DacChannelErrorParamsInput } from './dac-channel-errors.ts';
