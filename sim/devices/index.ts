// Memristor device models: parameters and presets, the pulse response, and the DeviceArray that
// holds a population of seeded devices. docs/device-models.md documents the equations.
export { DeviceArray } from './device-array.ts';
export type { DeviceArraySnapshot, InitialConductance, PulsePolarity } from './device-array.ts';
export { devicePresets, deviceParamsSchema, parseDeviceParams } from './params.ts';
export type { DeviceParams, DeviceParamsInput, DevicePresetName, ResponseFamily } from './params.ts';
export { pulseScale } from './response.ts';
