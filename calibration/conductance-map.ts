// Conductance map read: every device of the selected arrays read `reads` times at one read
// voltage, giving the map (mean) and each device's read-to-read spread. The spreads over the
// whole map are fitted with the read-noise model of the devices (docs/device-models.md),
//   σ² = (fraction·g)² + floor²,
// by linear least squares of the sample variances on [g², 1].
import type { ConductanceReader } from '../src/capabilities/index.ts';
import { fitLinearModel } from './fits/linear-fit.ts';
import { runProcedure } from './procedure.ts';

export interface ConductanceMapSet {
  reader: ConductanceReader;
}

export interface ConductanceMapOptions {
  /** Arrays to read. Default all. */
  arrays?: readonly number[];
  /** Default 0.1 V. */
  readVoltage_V?: number;
  /** Reads per device (≥ 2 for the spread). Default 8. */
  reads?: number;
}

export interface ArrayMap {
  array: number;
  rows: number;
  cols: number;
  /** Row-major mean conductance, S. */
  mean_S: number[];
  /** Row-major read-to-read standard deviation, S. */
  sd_S: number[];
}

export interface ConductanceMapResult {
  readVoltage_V: number;
  reads: number;
  maps: ArrayMap[];
  readNoise: { fraction: number; floor_S: number };
}

export function readConductanceMap(set: ConductanceMapSet, options: ConductanceMapOptions = {}) {
  return runProcedure<{ array: number }, ConductanceMapResult>('conductance-map', [], async (ctx) => {
    const reader = ctx.guard(set.reader);
    const arrays = options.arrays ?? set.reader.arrays.map((_, a) => a);
    const readV = options.readVoltage_V ?? 0.1;
    const reads = options.reads ?? 8;
    if (!Number.isInteger(reads) || reads < 2)
      throw new RangeError(`reads: must be an integer >= 2, got ${reads}`);
    const maps: ArrayMap[] = [];
    for (const [k, array] of arrays.entries()) {
      const geometry = set.reader.arrays[array];
      if (!geometry) throw new RangeError(`arrays[${k}]: no array ${array}`);
      const n = geometry.rows * geometry.cols;
      const sum = new Float64Array(n);
      const sumSq = new Float64Array(n);
      for (let r = 0; r < reads; r++) {
        const g = await reader.readConductances(array, readV);
        for (let i = 0; i < n; i++) {
          sum[i] += g[i];
          sumSq[i] += g[i] * g[i];
        }
      }
      const mean = Array.from(sum, (s) => s / reads);
      const sd = mean.map((m, i) => Math.sqrt(Math.max(0, (sumSq[i] - reads * m * m) / (reads - 1))));
      maps.push({ array, ...geometry, mean_S: mean, sd_S: sd });
      ctx.progress(k + 1, arrays.length, { array });
    }
    return { readVoltage_V: readV, reads, maps, readNoise: fitReadNoise(maps) };
  });
}

function fitReadNoise(maps: ArrayMap[]): { fraction: number; floor_S: number } {
  const g = maps.flatMap((m) => m.mean_S);
  const v = maps.flatMap((m) => m.sd_S.map((s) => s * s));
  if (g.length < 3) return { fraction: 0, floor_S: Math.sqrt(v.reduce((a, b) => a + b, 0) / g.length) };
  const [slope, intercept] = fitLinearModel(
    g.flatMap((x) => [x * x, 1]),
    v,
    2,
  );
  return { fraction: Math.sqrt(Math.max(0, slope)), floor_S: Math.sqrt(Math.max(0, intercept)) };
}
