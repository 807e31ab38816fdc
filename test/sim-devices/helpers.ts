// Shared helpers of the device-model tests: sample statistics and small device factories.
import { DeviceArray, parseDeviceParams } from '../../sim/devices/index.ts';
import type { DeviceParamsInput } from '../../sim/devices/index.ts';
import { Rng } from '../../src/util/random.ts';

export const G_MIN = 1e-6;
export const G_MAX = 1e-4;
/** Reference pulse of the default parameters: the nominal step exactly. */
export const REF_V = 1.2;
export const REF_W = 100e-9;

export function devices(input: DeviceParamsInput, count: number, seed = 1, init?: number | Float64Array) {
  return new DeviceArray(parseDeviceParams(input), count, new Rng(seed), init);
}

export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
}

/** Sample standard deviation (n − 1). */
export function std(xs: ArrayLike<number>): number {
  const m = mean(xs);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (xs[i] - m) ** 2;
  return Math.sqrt(s / (xs.length - 1));
}
