// The `read-map` job: reads every crossbar array's conductances through the bench's reader and
// stores them as one conductance snapshot per array (step 0) of the run.
import { z } from 'zod';
import type { DaemonBench } from '../bench.ts';
import type { JobKind } from './types.ts';

/** Every array of the bench, read at `readVoltage_V` (row-major, S). */
export async function readConductanceMap(
  bench: DaemonBench,
  readVoltage_V: number,
): Promise<Float64Array<ArrayBuffer>[]> {
  const maps: Float64Array<ArrayBuffer>[] = [];
  for (let a = 0; a < bench.capabilities.reader.arrays.length; a++) {
    maps.push(new Float64Array(await bench.capabilities.reader.readConductances(a, readVoltage_V)));
  }
  return maps;
}

export const readMapParamsSchema = z.strictObject({
  readVoltage_V: z.number().positive().max(10).default(0.1),
});
export type ReadMapParams = z.output<typeof readMapParamsSchema>;

export const readMapKind: JobKind<ReadMapParams> = {
  kind: 'read-map',
  summary: 'Read the conductance map of every crossbar array',
  params: readMapParamsSchema,
  resumable: false,
  async run({ bench, store, run, params, job, emit }) {
    const maps = await bench.capabilities.runStep(() => readConductanceMap(bench, params.readVoltage_V));
    const arrays = bench.capabilities.reader.arrays;
    store.transaction(() =>
      maps.forEach((values, a) =>
        store.snapshots.write(run, {
          array: `layer${a}`,
          step: 0,
          values,
          shape: [arrays[a].rows, arrays[a].cols],
        }),
      ),
    );
    emit({ type: 'snapshot', job: job.id, step: 0, arrays: maps.map((_, a) => `layer${a}`) });
    const all = maps.flatMap((m) => Array.from(m));
    return { devices: all.length, minG_S: Math.min(...all), maxG_S: Math.max(...all) };
  },
};
