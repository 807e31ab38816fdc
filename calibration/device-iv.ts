// Device I–V. The capability set routes no single device to a source-measure unit: the crossbar
// board's read-out applies a read voltage to a whole array and returns each device's I/V. So the
// I–V of the selected devices is reconstructed from conductance reads at a staircase of read
// voltages, I = g(V)·V, bounded by the reader's non-disturb limit (a request beyond it ends the
// sweep with a 'limit' event, nothing applied). A least-squares line I(V) gives each device's
// conductance, its offset current and the nonlinearity (largest residual relative to the largest
// current). Beyond the read limit (switching region) only the pulse response characterises a device.
import type { ConductanceReader } from '../src/capabilities/index.ts';
import type { DeviceRef } from './devices.ts';
import { checkDevices, deviceIndex, readArrayMean } from './devices.ts';
import { fitLine } from './fits/linear-fit.ts';
import { runProcedure } from './procedure.ts';

export interface DeviceIvSet {
  reader: ConductanceReader;
}

export interface DeviceIvOptions {
  devices: readonly DeviceRef[];
  /** Read voltages of the staircase, V (nonzero). Default ±0.05…±0.2 V in 0.05 V steps. */
  voltages_V?: readonly number[];
  /** Reads averaged per step. Default 4. */
  reads?: number;
}

export interface DeviceIv {
  device: DeviceRef;
  voltage_V: number[];
  current_A: number[];
  conductance_S: number;
  offset_A: number;
  /** max |residual| / max |I|. */
  nonlinearity: number;
}

export function measureDeviceIv(set: DeviceIvSet, options: DeviceIvOptions) {
  return runProcedure<{ voltage_V: number }, DeviceIv[]>('device-iv', [], async (ctx) => {
    const reader = ctx.guard(set.reader);
    checkDevices('devices', options.devices, set.reader);
    const voltages = options.voltages_V ?? [-0.2, -0.15, -0.1, -0.05, 0.05, 0.1, 0.15, 0.2];
    const reads = options.reads ?? 4;
    const arrays = [...new Set(options.devices.map((d) => d.array))];
    const currents = options.devices.map(() => [] as number[]);
    for (const [k, v] of voltages.entries()) {
      if (v === 0) throw new RangeError(`voltages_V[${k}]: must be nonzero`);
      const maps = new Map<number, Float64Array>();
      for (const a of arrays) maps.set(a, await readArrayMean(reader, a, v, reads));
      options.devices.forEach((d, i) => currents[i].push(maps.get(d.array)![deviceIndex(set.reader, d)] * v));
      ctx.progress(k + 1, voltages.length, { voltage_V: v });
    }
    return options.devices.map((device, i) => {
      const fit = fitLine(voltages, currents[i]);
      const peak = Math.max(...currents[i].map(Math.abs));
      return {
        device,
        voltage_V: [...voltages],
        current_A: currents[i],
        conductance_S: fit.slope,
        offset_A: fit.intercept,
        nonlinearity: peak > 0 ? fit.inl / peak : 0,
      };
    });
  });
}
