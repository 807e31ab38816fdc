// A starting point for Newton on the layered network (thesis §4.4) by block Gauss–Seidel on
// Kirchhoff's current law (thesis §4.2.1: Σ currents leaving each floating node = 0, the F_c of
// kcl.ts). A forward sweep solves each layer's nodes one scalar equation at a time with the
// previous layer at its new voltages (feed-forward: row line = a·V_h) and the next layer at its
// old voltages (the CCCS load b·Σ_c' g_hc' (a·V_h − V_c'), thesis §4.4.2, whose a·b·ΣG part
// is significant with amplifiers). Per node the equation is
//   G·V − I + I_D(V − high) − I_D(low − V) = 0,   G = Σ_r g_rc + a·b·Σ_c' g_cc',
// strictly increasing in V, so a Newton step safeguarded by bisection in a bracket converges.
// Costs about one pass over the arrays between floating layers, like one KCL evaluation.
import { diodeBranch, newDiodeEval, thermalVoltage } from '../circuit/diode.ts';
import type { NetworkStructure } from './structure.ts';

/** Scalar iterations per node: ample for a bracketed, safeguarded Newton. */
const SCALAR_ITERATIONS = 60;
/** A scalar solve stops when its Newton step is below this, V (the error is then of order its
 * square over the knee's scale): a start for the network's Newton needs no more. */
const GUESS_TOL_V = 1e-4;

export class StartGuess {
  private readonly scratch = newDiodeEval();
  /** Per array j ≥ 1: a·Σ_h g_hc V_h (into layer j) and Σ_c g_hc V_c (fed by node h of j−1). */
  private readonly into: Float64Array[];
  private readonly load: Float64Array[];

  constructor(private readonly s: NetworkStructure) {
    this.into = Array.from({ length: s.layers }, (_, j) => new Float64Array(j === 0 ? 0 : s.sizes[j]));
    this.load = Array.from({ length: s.layers }, (_, j) => new Float64Array(j === 0 ? 0 : s.rows[j]));
  }

  /** Improves v in place by one forward Gauss–Seidel sweep over the layers, for the prepared
   * inputs (structure.prepareInputs) and the nudge currents on the outputs. A backward sweep
   * (each hidden layer again for the next layer's new voltages) cut the Newton iterations on the
   * digits network by 0.1 per solve but cost more CPU than that saved. */
  sweep(v: Float64Array, nudge_A: Float64Array | null): void {
    const s = this.s;
    for (let j = 0; j < s.layers; j++) this.solveLayer(v, j, nudge_A);
  }

  /** Solves every node of layer j for its own KCL, the neighbouring layers held. */
  private solveLayer(v: Float64Array, j: number, nudge_A: Float64Array | null): void {
    const s = this.s;
    const a = s.gain;
    const b = s.backwardGain;
    const off = s.offsets[j];
    const n = s.sizes[j];
    const cs = s.colSum_S[j];
    let inCurrent = s.inputCurrent_A;
    if (j > 0) {
      // Current from the previous layer's row lines: a·Σ_h g_hc V_h.
      inCurrent = this.into[j];
      inCurrent.fill(0);
      const g = s.arrays[j];
      const rows = s.rows[j];
      const inOff = s.offsets[j - 1];
      for (let h = 0; h < rows; h++) {
        const avh = a * v[inOff + h];
        const base = h * n;
        for (let c = 0; c < n; c++) inCurrent[c] += g[base + c] * avh;
      }
    }
    const next = j + 1 < s.layers;
    if (next) {
      // Σ_c' g_cc' V_c' over the array this layer feeds (the next layer at its present voltages).
      const gt = s.transposed[j + 1];
      const rows = s.rows[j + 1];
      const cols = s.sizes[j + 1];
      const nextOff = s.offsets[j + 1];
      const load = this.load[j + 1];
      load.fill(0);
      for (let c = 0; c < cols; c++) {
        const vc = v[nextOff + c];
        const base = c * rows;
        for (let h = 0; h < rows; h++) load[h] += gt[base + h] * vc;
      }
    }
    const outputs = s.layout.outputOffset;
    for (let c = 0; c < n; c++) {
      const i = off + c;
      let g = cs[c];
      let current = inCurrent[c];
      if (next) {
        g += a * b * s.rowSum_S[j + 1][c];
        current += b * this.load[j + 1][c];
      }
      if (nudge_A && i >= outputs) current += nudge_A[i - outputs];
      v[i] = this.solveNode(g, current);
    }
  }

  /** The root of f(V) = G·V − I + I_D(V − high) − I_D(low − V) = 0. Started where the diode
   * toward which the linear solution V₀ = I/G lies would carry the whole current G·|V₀ − bias|
   * (its junction voltage vte·ln(1 + i/Is) + rs·i beyond the bias): the real current is smaller, so
   * the start lies beyond the root on the diode's convex exponential, from where Newton approaches
   * the root monotonically without overshoot. Bisection in the bracket [min(V₀, low), max(V₀,
   * high)] (every term ≥ 0 at its top, ≤ 0 at its bottom) guards the rest. */
  private solveNode(g_S: number, current_A: number): number {
    const s = this.s;
    const d = this.scratch;
    const high = s.biasHigh_V;
    const low = s.biasLow_V;
    const linear = current_A / g_S;
    let lo = Math.min(linear, low);
    let hi = Math.max(linear, high);
    let v = linear;
    if (linear > high) v = high + this.junctionVoltage(g_S * (linear - high));
    else if (linear < low) v = low - this.junctionVoltage(g_S * (low - linear));
    if (!(v >= lo && v <= hi)) v = linear;
    for (let k = 0; k < SCALAR_ITERATIONS; k++) {
      diodeBranch(s.diode, v - high, d);
      let f = g_S * v - current_A + d.i_A;
      let df = g_S + d.g_S;
      diodeBranch(s.diode, low - v, d);
      f -= d.i_A;
      df += d.g_S;
      if (f === 0) return v;
      if (f > 0) hi = v;
      else lo = v;
      let vn = v - f / df;
      if (!(vn > lo && vn < hi)) vn = 0.5 * (lo + hi);
      if (Math.abs(vn - v) <= GUESS_TOL_V) return vn;
      v = vn;
    }
    return v;
  }

  /** Forward voltage of one neuron diode at current i_A (Shockley with series resistance; the
   * ideal diode: i·r_on). */
  private junctionVoltage(i_A: number): number {
    const m = this.s.diode;
    if (m.kind === 'ideal') return i_A * m.ron_Ohm;
    return m.n * thermalVoltage(m.temp_K) * Math.log1p(i_A / m.is_A) + m.rs_Ohm * i_A;
  }
}
