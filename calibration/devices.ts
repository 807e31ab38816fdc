// Addressing of crossbar devices by the calibration procedures, and reading a whole array with
// several reads averaged.
import type { ConductanceReader } from '../src/capabilities/index.ts';

export interface DeviceRef {
  array: number;
  row: number;
  col: number;
}

/** Throws naming the field when a device is not on the board. */
export function checkDevices(field: string, devices: readonly DeviceRef[], reader: ConductanceReader): void {
  devices.forEach((d, i) => {
    const a = reader.arrays[d.array];
    if (!a) throw new RangeError(`${field}[${i}].array: no array ${d.array}`);
    if (!(Number.isInteger(d.row) && d.row >= 0 && d.row < a.rows)) {
      throw new RangeError(`${field}[${i}].row: ${d.row} is outside 0..${a.rows - 1}`);
    }
    if (!(Number.isInteger(d.col) && d.col >= 0 && d.col < a.cols)) {
      throw new RangeError(`${field}[${i}].col: ${d.col} is outside 0..${a.cols - 1}`);
    }
  });
}

/** Every device of the given arrays, row-major. */
export function allDevices(reader: ConductanceReader, arrays?: readonly number[]): DeviceRef[] {
  const out: DeviceRef[] = [];
  for (const array of arrays ?? reader.arrays.map((_, a) => a)) {
    const { rows, cols } = reader.arrays[array];
    for (let row = 0; row < rows; row++) for (let col = 0; col < cols; col++) out.push({ array, row, col });
  }
  return out;
}

/** Mean of `reads` bulk reads of one array. */
export async function readArrayMean(
  reader: ConductanceReader,
  array: number,
  readVoltage_V: number,
  reads: number,
): Promise<Float64Array> {
  const sum = await reader.readConductances(array, readVoltage_V);
  for (let k = 1; k < reads; k++) {
    const g = await reader.readConductances(array, readVoltage_V);
    for (let i = 0; i < sum.length; i++) sum[i] += g[i];
  }
  return sum.map((v) => v / reads);
}

export function deviceIndex(reader: ConductanceReader, d: DeviceRef): number {
  return d.row * reader.arrays[d.array].cols + d.col;
}
