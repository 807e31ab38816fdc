// Node capacitance from a measured settle time constant. The layered network's nodes obey
// C·dV/dt = −G·V + sources (every node has the same capacitance C to ground), so its slowest time
// constant is τ = C/λ_min(G), G the nodal conductance matrix at zero bias (diodes off, each
// junction leaving only GMIN): C = τ·λ_min(G). G is built from a conductance map as the simulated
// board builds it (crossbar stamps; with amplifiers, the VCVS gain forward and the CCCS gain
// backward, thesis §4.4.2), and λ_min is found by inverse iteration.
import type { NetworkLayout } from '../src/network/description.ts';
import { solve } from './fits/linear-algebra.ts';

/** ngspice's default GMIN across each neuron diode junction, S. */
const diodeOff_S = 1e-12;

export function nodalMatrix(
  layout: NetworkLayout,
  conductances_S: readonly (readonly number[])[],
): Float64Array {
  const n = layout.floatingNodes;
  const m = new Float64Array(n * n);
  const gain = layout.desc.amplifier?.gain ?? 1;
  const backward = layout.desc.amplifier?.backwardGain ?? gain;
  for (let i = 0; i < n; i++) m[i * n + i] = 2 * diodeOff_S;
  layout.arrays.forEach(({ rows, cols }, l) => {
    const g = conductances_S[l];
    if (!g || g.length !== rows * cols) {
      throw new RangeError(`conductances_S[${l}]: needs ${rows * cols} values, got ${g?.length ?? 0}`);
    }
    const colBase = layout.layerOffsets[l];
    const rowBase = l === 0 ? -1 : layout.layerOffsets[l - 1];
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const gd = g[r * cols + c];
        const j = colBase + c;
        m[j * n + j] += gd;
        if (rowBase < 0) continue;
        const h = rowBase + r;
        m[j * n + h] -= gain * gd;
        m[h * n + h] += backward * gain * gd;
        m[h * n + j] -= backward * gd;
      }
    }
  });
  return m;
}

/** Smallest eigenvalue of the nodal matrix, S (inverse iteration from a positive vector, which
 * the slowest mode of a diagonally dominant nodal matrix is never orthogonal to). */
export function slowestNodalConductance(m: Float64Array, n: number, iterations = 40): number {
  let x: Float64Array = new Float64Array(n).fill(1 / Math.sqrt(n));
  let growth = 0;
  for (let k = 0; k < iterations; k++) {
    x = solve(m, x, n);
    growth = Math.hypot(...x);
    x = x.map((v) => v / growth);
  }
  return 1 / growth;
}

/** C = τ·λ_min(G), farads. */
export function nodeCapacitanceFromTau(
  layout: NetworkLayout,
  conductances_S: readonly (readonly number[])[],
  tau_s: number,
): number {
  return tau_s * slowestNodalConductance(nodalMatrix(layout, conductances_S), layout.floatingNodes);
}
