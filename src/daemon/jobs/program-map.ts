// The `program-map` job: program-and-verify every device to a target conductance map (one value
// for all, a seeded uniform draw in a range, or explicit per-array row-major values), with every
// programming batch in the write-ahead pulse log. The result reports convergence and residuals.
import { z } from 'zod';
import { benchPort } from '../../training/bench-port.ts';
import { programAndVerify, programVerifyOptionsSchema } from '../../training/initialisation.ts';
import { DeviceMap } from '../../training/weight-mapping.ts';
import { Rng } from '../../util/random.ts';
import type { DaemonBench } from '../bench.ts';
import { badField } from '../errors.ts';
import { stoppablePort } from './guarded.ts';
import { withPulseLog } from './pulse-wal.ts';
import type { JobKind } from './types.ts';

const conductance = z.number().positive().max(1);

export const programMapParamsSchema = z.strictObject({
  target: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('uniform'), value_S: conductance }),
    z.strictObject({
      kind: z.literal('random'),
      min_S: conductance,
      max_S: conductance,
      seed: z.number().int().min(0).default(0),
    }),
    z.strictObject({ kind: z.literal('arrays'), arrays: z.array(z.array(conductance)).min(1) }),
  ]),
  options: programVerifyOptionsSchema,
});
export type ProgramMapParams = z.output<typeof programMapParamsSchema>;

/** The target in network device order (array by array, row-major). */
function targetOf(params: ProgramMapParams, bench: DaemonBench): Float64Array {
  const { layout } = bench;
  const out = new Float64Array(layout.totalDevices);
  const t = params.target;
  if (t.kind === 'uniform') return out.fill(t.value_S);
  if (t.kind === 'random') {
    if (!(t.min_S < t.max_S)) throw badField('params.target.max_S', 'must be above min_S');
    const rng = new Rng(t.seed);
    return out.map(() => rng.range(t.min_S, t.max_S));
  }
  if (t.arrays.length !== layout.arrays.length) {
    throw badField(
      'params.target.arrays',
      `${t.arrays.length} arrays given, the bench has ${layout.arrays.length}`,
    );
  }
  let offset = 0;
  t.arrays.forEach((values, a) => {
    const { rows, cols } = layout.arrays[a];
    if (values.length !== rows * cols) {
      throw badField(`params.target.arrays.${a}`, `${values.length} values for a ${rows}×${cols} array`);
    }
    out.set(values, offset);
    offset += values.length;
  });
  return out;
}

export const programMapKind: JobKind<ProgramMapParams> = {
  kind: 'program-map',
  summary: 'Program-and-verify every device to a target conductance map',
  params: programMapParamsSchema,
  resumable: false,
  check(params, bench) {
    targetOf(params, bench);
  },
  async run({ bench, store, run, params, control }) {
    const target = targetOf(params, bench);
    const port = stoppablePort(
      withPulseLog(benchPort(bench.capabilities), store, run, () => 0),
      control.signal,
    );
    const map = DeviceMap.create(bench.layout, bench.capabilities.reader.arrays);
    const report = await bench.capabilities.runStep(() =>
      programAndVerify(port, map, target, params.options),
    );
    return { ...report };
  },
};
