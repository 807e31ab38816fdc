// Device parameters of the calibration tests: the families of docs/device-models.md with a
// device-to-device spread, cycle-to-cycle noise and read noise the fits must see through.
import type { DeviceParamsInput } from '../../sim/devices/index.ts';

/** The calibration pulse: the device model's reference amplitude and width. */
export const pulse = { amplitude_V: 1.2, width_s: 100e-9 };

export function deviceParams(response: DeviceParamsInput['response'], noisy = true): DeviceParamsInput {
  return {
    gMin_S: 1e-6,
    gMax_S: 1e-4,
    stepUp_S: 4e-6,
    stepDown_S: 3e-6,
    response,
    variation: { distribution: 'lognormal', step: 0.2, upDown: 0.05, gMin: 0.05, gMax: 0.05 },
    cycleToCycle: noisy ? 0.1 : 0,
    readNoise: noisy ? { fraction: 0.005, floor_S: 1e-8 } : { fraction: 0, floor_S: 0 },
  };
}
