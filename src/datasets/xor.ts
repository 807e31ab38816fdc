// XOR: the four corners of the unit square, label = x1 XOR x2, each corner replicated and
// optionally jittered with seeded Gaussian noise.
import { Rng } from '../util/random.ts';
import { stratifiedSplit } from './split.ts';
import type { Dataset } from './types.ts';

export interface XorOptions {
  /** Copies of each corner (4 · replicas samples in all). */
  replicas: number;
  /** Standard deviation of the Gaussian jitter added to every coordinate (0: exact corners). */
  jitter: number;
  testFraction: number;
  seed: number;
}

const CORNERS: [number, number, number][] = [
  [0, 0, 0],
  [0, 1, 1],
  [1, 0, 1],
  [1, 1, 0],
];

export function xorDataset(o: XorOptions): Dataset {
  const rng = new Rng(o.seed);
  const x: Float64Array[] = [];
  const y: number[] = [];
  for (let r = 0; r < o.replicas; r++) {
    for (const [a, b, label] of CORNERS) {
      x.push(Float64Array.of(a + o.jitter * rng.normal(), b + o.jitter * rng.normal()));
      y.push(label);
    }
  }
  return { name: 'xor', features: 2, classes: 2, ...stratifiedSplit(x, y, 2, o.testFraction, rng) };
}
