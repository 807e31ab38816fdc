// A two-class toy dataset for the linear fake bench: class 0 when x0 > x1, separable by the sign
// of a linear score, as a linear network can learn. Seeded.
import { Rng } from '../../src/util/random.ts';

export function diagonalDataset(n: number, seed: number): { x: Float64Array[]; y: number[] } {
  const rng = new Rng(seed);
  const x: Float64Array[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = rng.range(-1, 1);
    const b = rng.range(-1, 1);
    x.push(Float64Array.of(a, b));
    y.push(a > b ? 0 : 1);
  }
  return { x, y };
}
