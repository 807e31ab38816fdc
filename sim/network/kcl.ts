// Kirchhoff's current law at the floating nodes of the layered network and the diagonal of its
// Jacobian. F_c is the current leaving node c (the circuit is solved when F = 0):
//   F_c = Σ_r g_rc (V_c − u_r)                       array feeding c; u_r = x_r or a·V_r
//       + b·Σ_c' g_cc' (a·V_c − V_c')                array fed by c (hidden nodes; CCCS)
//       + I_D(V_c − λ·high) − I_D(λ·low − V_c)       antiparallel diodes to the bias sources
//       + shunt·V_c − inject_c − λ·nudge_c           gmin stepping / integration terms; nudging
// λ scales every independent source (source stepping). The off-diagonal Jacobian blocks are −a·Gᵀ
// (node fed by array) and −b·G (node feeding array): see block-solver.ts.
import { diodeBranch, newDiodeEval } from '../circuit/diode.ts';
import type { NetworkStructure } from './structure.ts';

export interface KclTerms {
  /** Source-stepping factor applied to inputs, bias sources and nudging currents. */
  lambda: number;
  nudge_A: Float64Array | null;
  /** Conductance from every floating node to ground, S. */
  shunt_S: number;
  /** Extra current injected into every floating node, A (integration history). */
  inject_A: Float64Array | null;
}

export class KclWorkspace {
  readonly f_A: Float64Array;
  readonly diag_S: Float64Array;
  readonly upI_A: Float64Array;
  readonly upG_S: Float64Array;
  readonly downI_A: Float64Array;
  readonly downG_S: Float64Array;
  /** Per array j ≥ 1: Σ_h g_hc V_h (into layer j) and Σ_c g_hc V_c (out of layer j−1). */
  private readonly fedBy: Float64Array[];
  private readonly feeding: Float64Array[];
  private readonly scratch = newDiodeEval();

  constructor(s: NetworkStructure) {
    const n = s.nodes;
    this.f_A = new Float64Array(n);
    this.diag_S = new Float64Array(n);
    this.upI_A = new Float64Array(n);
    this.upG_S = new Float64Array(n);
    this.downI_A = new Float64Array(n);
    this.downG_S = new Float64Array(n);
    this.fedBy = Array.from({ length: s.layers }, (_, j) => new Float64Array(j === 0 ? 0 : s.sizes[j]));
    this.feeding = Array.from({ length: s.layers }, (_, j) => new Float64Array(j === 0 ? 0 : s.rows[j]));
  }

  /** Fills f_A and diag_S at node voltages v; returns max |F|. */
  evaluate(s: NetworkStructure, v: Float64Array, t: KclTerms): number {
    const a = s.gain;
    const b = s.backwardGain;
    for (let j = 1; j < s.layers; j++) {
      const g = s.arrays[j];
      const rows = s.rows[j];
      const cols = s.sizes[j];
      const inOff = s.offsets[j - 1];
      const outOff = s.offsets[j];
      const into = this.fedBy[j];
      const out = this.feeding[j];
      into.fill(0);
      for (let h = 0; h < rows; h++) {
        const vh = v[inOff + h];
        const base = h * cols;
        let acc = 0;
        for (let c = 0; c < cols; c++) {
          const gv = g[base + c];
          into[c] += gv * vh;
          acc += gv * v[outOff + c];
        }
        out[h] = acc;
      }
    }
    const lam = t.lambda;
    const high = lam * s.biasHigh_V;
    const low = lam * s.biasLow_V;
    const d = this.scratch;
    let worst = 0;
    for (let j = 0; j < s.layers; j++) {
      const off = s.offsets[j];
      const n = s.sizes[j];
      const cs = s.colSum_S[j];
      const next = j + 1 < s.layers;
      const rsNext = next ? s.rowSum_S[j + 1] : cs;
      const outNext = next ? this.feeding[j + 1] : cs;
      const into = j === 0 ? s.inputCurrent_A : this.fedBy[j];
      const inScale = j === 0 ? lam : a;
      for (let c = 0; c < n; c++) {
        const i = off + c;
        const vc = v[i];
        let f = vc * cs[c] - inScale * into[c];
        let diag = cs[c] + t.shunt_S;
        if (next) {
          f += b * (a * vc * rsNext[c] - outNext[c]);
          diag += a * b * rsNext[c];
        }
        diodeBranch(s.diode, vc - high, d);
        this.upI_A[i] = d.i_A;
        this.upG_S[i] = d.g_S;
        f += d.i_A;
        diag += d.g_S;
        diodeBranch(s.diode, low - vc, d);
        this.downI_A[i] = d.i_A;
        this.downG_S[i] = d.g_S;
        f -= d.i_A;
        diag += d.g_S;
        f += t.shunt_S * vc;
        if (t.inject_A) f -= t.inject_A[i];
        if (t.nudge_A && i >= s.layout.outputOffset) f -= lam * t.nudge_A[i - s.layout.outputOffset];
        this.f_A[i] = f;
        this.diag_S[i] = diag;
        const m = Math.abs(f);
        if (m > worst || m !== m) worst = m; // keeps a NaN
      }
    }
    return worst;
  }
}
