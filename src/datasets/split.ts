// Seeded stratified train/test split shared by the generated datasets and Iris.
import type { Rng } from '../util/random.ts';
import type { Split } from './types.ts';

/** For each class, shuffles its samples and moves round(testFraction · n_class) of them to the
 * test set; both sets are then shuffled so that classes are interleaved. */
export function stratifiedSplit(
  x: Float64Array[],
  y: number[],
  classes: number,
  testFraction: number,
  rng: Rng,
): { train: Split; test: Split } {
  if (x.length !== y.length) throw new RangeError(`x has ${x.length} samples but y has ${y.length}`);
  if (!(testFraction >= 0 && testFraction < 1)) {
    throw new RangeError(`testFraction must be in [0, 1), got ${testFraction}`);
  }
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  y.forEach((label, i) => {
    if (!Number.isInteger(label) || label < 0 || label >= classes) {
      throw new RangeError(`y[${i}] = ${label} is not a class in 0..${classes - 1}`);
    }
    byClass[label].push(i);
  });
  const trainIdx: number[] = [];
  const testIdx: number[] = [];
  for (const indices of byClass) {
    rng.shuffle(indices);
    const nTest = Math.round(testFraction * indices.length);
    testIdx.push(...indices.slice(0, nTest));
    trainIdx.push(...indices.slice(nTest));
  }
  rng.shuffle(trainIdx);
  rng.shuffle(testIdx);
  const take = (idx: number[]): Split => ({ x: idx.map((i) => x[i]), y: idx.map((i) => y[i]) });
  return { train: take(trainIdx), test: take(testIdx) };
}
