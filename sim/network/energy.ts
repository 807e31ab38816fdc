// Quantities of a layered-network operating point other than the solve itself: voltage drops
// across the crossbar devices, the co-content (thesis Lemma 4.1), and the exact loss gradient
// with respect to the conductances by the adjoint method.
import { diodePseudoPower } from '../circuit/diode.ts';
import type { NewtonSolver } from './newton.ts';
import type { NetworkStructure } from './structure.ts';

/** out[device (j, r, c)] = u_r − V_c: row line (input line, hidden node, or amplifier output
 * a·V_h) minus column node. */
export function deviceVoltageDrops(
  s: NetworkStructure,
  inputs_V: Float64Array,
  v: Float64Array,
  out: Float64Array,
): Float64Array {
  const offs = s.layout.deviceOffsets;
  for (let j = 0; j < s.layers; j++) {
    const rows = s.rows[j];
    const cols = s.sizes[j];
    const colOff = s.offsets[j];
    const rowOff = j === 0 ? 0 : s.offsets[j - 1];
    const rowLines = j === 0 ? inputs_V : v;
    const scale = j === 0 ? 1 : s.gain;
    let d = offs[j];
    for (let r = 0; r < rows; r++) {
      const u = scale * rowLines[rowOff + r];
      for (let c = 0; c < cols; c++) out[d++] = u - v[colOff + c];
    }
  }
  return out;
}

/** Total pseudo-power (thesis Eq. 4.7): Σ ½·g·ΔV² over the devices, the diodes' ∫I dV, minus the
 * work of the nudging current sources Σ I_k·V_k. Its gradient in V is the KCL residual when
 * gain = backwardGain (the amplifier then acts as an ideal transformer). */
export function coContent(
  s: NetworkStructure,
  inputs_V: Float64Array,
  v: Float64Array,
  nudge_A: Float64Array | null,
): number {
  if (!s.reciprocal) {
    throw new Error(
      `coContent: amplifier gain ${s.gain} ≠ backwardGain ${s.backwardGain}, the circuit is not reciprocal and has no co-content`,
    );
  }
  let e = 0;
  for (let j = 0; j < s.layers; j++) {
    const g = s.arrays[j];
    const rows = s.rows[j];
    const cols = s.sizes[j];
    const colOff = s.offsets[j];
    const rowOff = j === 0 ? 0 : s.offsets[j - 1];
    const rowLines = j === 0 ? inputs_V : v;
    const scale = j === 0 ? 1 : s.gain;
    for (let r = 0; r < rows; r++) {
      const u = scale * rowLines[rowOff + r];
      for (let c = 0; c < cols; c++) {
        const dv = u - v[colOff + c];
        e += 0.5 * g[r * cols + c] * dv * dv;
      }
    }
  }
  for (let i = 0; i < s.nodes; i++) {
    e += diodePseudoPower(s.diode, v[i] - s.biasHigh_V) + diodePseudoPower(s.diode, s.biasLow_V - v[i]);
  }
  if (nudge_A) for (let k = 0; k < nudge_A.length; k++) e -= nudge_A[k] * v[s.layout.outputOffset + k];
  return e;
}

/** dL/dg for every device at an operating point v (KCL F(v, g) = 0) given dL/dV: solve
 * Jᵀλ = dL/dV, then dL/dg = −λᵀ ∂F/∂g = (u_r − V_c)·(λ_c − b·λ_r) (λ_r = 0 for input lines).
 * The structure must be prepared for these inputs. */
export function exactGradient(
  s: NetworkStructure,
  newton: NewtonSolver,
  inputs_V: Float64Array,
  v: Float64Array,
  dLdv: Float64Array,
  out: Float64Array,
): Float64Array {
  newton.kcl.evaluate(s, v, { lambda: 1, nudge_A: null, shunt_S: 0, inject_A: null });
  const lam = Float64Array.from(dLdv);
  newton.linear.solve(newton.kcl.diag_S, lam, s.backwardGain, s.gain);
  const b = s.backwardGain;
  const offs = s.layout.deviceOffsets;
  for (let j = 0; j < s.layers; j++) {
    const rows = s.rows[j];
    const cols = s.sizes[j];
    const colOff = s.offsets[j];
    const rowOff = j === 0 ? 0 : s.offsets[j - 1];
    let d = offs[j];
    for (let r = 0; r < rows; r++) {
      const u = j === 0 ? inputs_V[r] : s.gain * v[rowOff + r];
      const back = j === 0 ? 0 : b * lam[rowOff + r];
      for (let c = 0; c < cols; c++) out[d++] = (u - v[colOff + c]) * (lam[colOff + c] - back);
    }
  }
  return out;
}

/** Fraction of the 2·nodes diodes whose incremental conductance is at least the conductance of
 * their node's crossbar devices (Σ_r g_rc + a·b·Σ_c' g_cc'). */
export function conductingFraction(s: NetworkStructure, newton: NewtonSolver, v: Float64Array): number {
  const kcl = newton.kcl;
  kcl.evaluate(s, v, { lambda: 1, nudge_A: null, shunt_S: 0, inject_A: null });
  let on = 0;
  for (let i = 0; i < s.nodes; i++) {
    const devices = kcl.diag_S[i] - kcl.upG_S[i] - kcl.downG_S[i];
    if (kcl.upG_S[i] >= devices) on++;
    if (kcl.downG_S[i] >= devices) on++;
  }
  return on / (2 * s.nodes);
}
