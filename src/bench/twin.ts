// The digital twin as a bench option: a `kind: sim` bench whose `sim.fromCalibration` names a
// calibration (a record file, or a record id of the daemon's store) is built as the twin of the
// calibrated bench — the fitted DAC and read-out channel errors, node capacitance and device
// population (calibration/twin.ts) replace the simulated board's own parameters, the rest of the
// `sim` section (seed, …) is kept. `nudge sim serve --from-calibration` builds the same board.
import { readFile } from 'node:fs/promises';
import { importRecord, twinConfigFromCalibration } from '../../calibration/index.ts';
import type { CalibrationRecord, TwinConfig } from '../../calibration/index.ts';
import type { SimBenchConfig } from '../config/index.ts';

/** The records of a stored calibration: the record with this id and, beside it, the latest
 * record of every other kind (given by the daemon, which holds the store). */
export type StoredCalibration = (id: number) => Promise<CalibrationRecord[]> | CalibrationRecord[];

/** The records of a record file: one record, or an array of records (RangeError naming the file
 * and the record that is not valid). */
export async function recordsFromFile(file: string): Promise<CalibrationRecord[]> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new RangeError(`${file}: ${(error as Error).message}`, { cause: error });
  }
  return (Array.isArray(json) ? json : [json]).map((r, i) => {
    try {
      return importRecord(JSON.stringify(r));
    } catch (error) {
      throw new RangeError(`${file} record ${i}: ${(error as Error).message}`, { cause: error });
    }
  });
}

/** The twin fragment of the bench's `sim.fromCalibration`, or undefined when it names none. */
export async function twinOf(
  config: SimBenchConfig,
  stored: StoredCalibration | undefined,
): Promise<TwinConfig | undefined> {
  const from = config.sim.fromCalibration;
  if (from === undefined) return undefined;
  let records: CalibrationRecord[];
  if (typeof from === 'string') records = await recordsFromFile(from);
  else if (stored === undefined) {
    throw new RangeError(
      `calibration record ${from} is in the daemon's store, which this assembly has no access to: export the record and name its file`,
    );
  } else records = await stored(from);
  if (records.length === 0) throw new RangeError(`calibration ${from} holds no records`);
  return twinConfigFromCalibration(records, config.network);
}
