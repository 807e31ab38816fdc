// The slowest time constant of the simulated board's node dynamics, so the board knows when a
// hold comes late enough that the circuit has reached its equilibrium (then one DC solve replaces
// the transient integration, exact to floating-point precision) and when it must integrate.
//
// Linearised at zero bias every neuron diode is off (only GMIN across the junction), which is the
// slowest the circuit can be: conducting diodes add conductance to ground and only speed it up
// (for the reciprocal circuit, adding a positive diagonal raises the smallest eigenvalue of the
// nodal matrix). The circuit obeys C·dV/dt = −G·V + sources, so τ_max = C / λ_min(G).
import type { NetworkLayout } from '../../src/network/description.ts';
import { luFactor, luSolve } from '../circuit/dense-lu.ts';

/** The nodal conductance matrix of the floating nodes (row-major, n×n), zero-bias diodes. */
export function zeroBiasNodalMatrix(
  layout: NetworkLayout,
  g_S: Float64Array,
  diodeOff_S: number,
): Float64Array {
  const n = layout.floatingNodes;
  const m = new Float64Array(n * n);
  const amp = layout.desc.amplifier;
  const gain = amp?.gain ?? 1;
  const backward = amp?.backwardGain ?? gain;
  for (let i = 0; i < n; i++) m[i * n + i] = 2 * diodeOff_S;
  layout.arrays.forEach(({ rows, cols }, l) => {
    const colBase = layout.layerOffsets[l];
    const rowBase = l === 0 ? -1 : layout.layerOffsets[l - 1];
    const off = layout.deviceOffsets[l];
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const g = g_S[off + r * cols + c];
        const j = colBase + c;
        m[j * n + j] += g;
        if (rowBase < 0) continue;
        // Row line = gain·V_h; the CCCS sinks backwardGain × the delivered current from h (§4.4.2).
        const h = rowBase + r;
        m[j * n + h] -= gain * g;
        m[h * n + h] += backward * gain * g;
        m[h * n + j] -= backward * g;
      }
    }
  });
  return m;
}

/** τ_max = C / λ_min(G) by inverse iteration on G (seconds); 0 without node capacitance. */
export function slowestTimeConstant(
  layout: NetworkLayout,
  g_S: Float64Array,
  diodeOff_S: number,
  iterations = 40,
): number {
  const c = layout.desc.nodeCapacitance_F;
  if (c === 0) return 0;
  const n = layout.floatingNodes;
  const a = zeroBiasNodalMatrix(layout, g_S, diodeOff_S);
  const piv = new Int32Array(n);
  luFactor(a, n, piv);
  // Start from a positive vector: the slowest mode of a diagonally dominant nodal matrix is
  // non-negative, so this start is never orthogonal to it.
  const x = new Float64Array(n).fill(1 / Math.sqrt(n));
  let growth = 0;
  for (let k = 0; k < iterations; k++) {
    luSolve(a, n, piv, x);
    let norm = 0;
    for (let i = 0; i < n; i++) norm += x[i] * x[i];
    norm = Math.sqrt(norm);
    growth = norm; // ‖G⁻¹x‖ for unit x → 1/λ_min
    for (let i = 0; i < n; i++) x[i] /= norm;
  }
  return c * growth;
}
