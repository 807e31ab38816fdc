// loadDataset(name, options): one entry point for every dataset, with zod-validated options whose
// errors name the field. Features come back in natural units; see scaling.ts for volts.
import { z } from 'zod';
import { digitsDataset } from './digits.ts';
import { irisDataset } from './iris.ts';
import { moonsDataset } from './moons.ts';
import type { Dataset } from './types.ts';
import { xorDataset } from './xor.ts';

const seed = z.number().int('seed must be an integer').default(0);
const testFraction = z
  .number()
  .min(0, 'testFraction must be >= 0')
  .lt(1, 'testFraction must be < 1')
  .default(0.2);

export const datasetOptionSchemas = {
  xor: z
    .object({
      replicas: z.number().int().positive('replicas must be > 0').default(25),
      jitter: z.number().nonnegative('jitter must be >= 0').default(0),
      testFraction,
      seed,
    })
    .strict(),
  moons: z
    .object({
      n: z.number().int().min(4, 'n must be >= 4').default(200),
      noise: z.number().nonnegative('noise must be >= 0').default(0.1),
      testFraction,
      seed,
    })
    .strict(),
  iris: z.object({ testFraction, seed }).strict(),
  digits: z.object({}).strict(),
  'digits-14': z.object({}).strict(),
} as const;

export type DatasetName = keyof typeof datasetOptionSchemas;
export const DATASET_NAMES = Object.keys(datasetOptionSchemas) as DatasetName[];
export type DatasetOptions<N extends DatasetName> = z.input<(typeof datasetOptionSchemas)[N]>;

function parseOptions<S extends z.ZodType>(name: DatasetName, schema: S, options: unknown): z.output<S> {
  const r = schema.safeParse(options ?? {});
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`);
    throw new RangeError(`dataset '${name}' options: ${issues.join('; ')}`);
  }
  return r.data;
}

export function loadDataset<N extends DatasetName>(name: N, options?: DatasetOptions<N>): Dataset {
  switch (name) {
    case 'xor':
      return xorDataset(parseOptions('xor', datasetOptionSchemas.xor, options));
    case 'moons':
      return moonsDataset(parseOptions('moons', datasetOptionSchemas.moons, options));
    case 'iris':
      return irisDataset(parseOptions('iris', datasetOptionSchemas.iris, options));
    case 'digits':
    case 'digits-14':
      parseOptions(name, datasetOptionSchemas[name], options);
      return digitsDataset({ downsample: name === 'digits-14' });
    default:
      throw new RangeError(`dataset name '${String(name)}' is not one of ${DATASET_NAMES.join(', ')}`);
  }
}
