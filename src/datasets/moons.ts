// Two interleaving half circles, as scikit-learn's make_moons: class 0 on the upper arc
// (cos t, sin t), class 1 on the lower arc (1 − cos t, 0.5 − sin t), t evenly spaced over [0, π],
// floor(n/2) points on the upper arc and the rest on the lower, plus seeded Gaussian noise.
import { Rng } from '../util/random.ts';
import { stratifiedSplit } from './split.ts';
import type { Dataset } from './types.ts';

export interface MoonsOptions {
  /** Total number of samples. */
  n: number;
  /** Standard deviation of the Gaussian noise added to each coordinate. */
  noise: number;
  testFraction: number;
  seed: number;
}

/** Evenly spaced angles over [0, π] inclusive (numpy's linspace). */
function angles(count: number): number[] {
  if (count === 1) return [0];
  return Array.from({ length: count }, (_, i) => (Math.PI * i) / (count - 1));
}

export function moonsDataset(o: MoonsOptions): Dataset {
  const rng = new Rng(o.seed);
  const nUpper = Math.floor(o.n / 2);
  const x: Float64Array[] = [];
  const y: number[] = [];
  for (const t of angles(nUpper)) {
    x.push(Float64Array.of(Math.cos(t), Math.sin(t)));
    y.push(0);
  }
  for (const t of angles(o.n - nUpper)) {
    x.push(Float64Array.of(1 - Math.cos(t), 0.5 - Math.sin(t)));
    y.push(1);
  }
  for (const p of x) {
    p[0] += o.noise * rng.normal();
    p[1] += o.noise * rng.normal();
  }
  return { name: 'moons', features: 2, classes: 2, ...stratifiedSplit(x, y, 2, o.testFraction, rng) };
}
