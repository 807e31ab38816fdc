// Linear solve J·δ = r for the layered network's Jacobian. Nodes within a layer are not connected,
// so the diagonal blocks are diagonal and J is block tridiagonal:
//   block (j, j)   = diag(D_j)
//   block (j, j−1) = −a·G_jᵀ   (layer j fed by array j through row lines at a·V)
//   block (j−1, j) = −b·G_j    (layer j−1 feeding array j, CCCS gain b)
// Block forward elimination from the first hidden layer (its block is diagonal) gives Schur
// complements S_j = D_j − a·b·G_jᵀ S_{j−1}⁻¹ G_j on the later, smaller layers (20×20 for the
// digits network) and back substitution δ_{j−1} = S_{j−1}⁻¹ r'_{j−1} + b·S_{j−1}⁻¹ G_j δ_j.
// The transposed system (adjoint) is the same with a and b swapped.
// `factor` forms and factors the Schur complements once; `solveFactored` then costs only
// matrix-vector products with the arrays between floating layers and small triangular solves, so
// one factorisation serves many right-hand sides (inverse iteration for the time constant).
import { luFactor, luSolve } from '../circuit/dense-lu.ts';
import type { NetworkStructure } from './structure.ts';

export class BlockSolver {
  /** Dense Schur complement per layer j ≥ 1 (factored in place), pivots. */
  private readonly schur: Float64Array[];
  private readonly piv: Int32Array[];
  /** X_j = S_{j−1}⁻¹ G_j for j ≥ 2 (row-major rows × cols). */
  private readonly x: Float64Array[];
  /** y_j = S_j⁻¹ r'_j. */
  private readonly y: Float64Array[];
  /** a·b·G_1[h, c] / D_0[h] for one column c. */
  private readonly w: Float64Array;
  /** The factored J's diagonal and gains. */
  private readonly diag: Float64Array;
  private a = 1;
  private b = 1;

  constructor(private readonly s: NetworkStructure) {
    const L = s.layers;
    this.schur = Array.from({ length: L }, (_, j) => new Float64Array(j === 0 ? 0 : s.sizes[j] * s.sizes[j]));
    this.piv = Array.from({ length: L }, (_, j) => new Int32Array(j === 0 ? 0 : s.sizes[j]));
    this.x = Array.from({ length: L }, (_, j) => new Float64Array(j < 2 ? 0 : s.rows[j] * s.sizes[j]));
    this.y = Array.from({ length: L }, (_, j) => new Float64Array(s.sizes[j]));
    this.w = new Float64Array(L > 1 ? s.rows[1] : 0);
    this.diag = new Float64Array(s.nodes);
  }

  /** Solves J·δ = r with J given by its diagonal `diag` and gains (a, b); r is overwritten by δ. */
  solve(diag: Float64Array, r: Float64Array, a: number, b: number): void {
    this.factor(diag, a, b);
    this.solveFactored(r);
  }

  /** Forms and factors the Schur complements of J (diagonal `diag`, gains a and b). */
  factor(diag: Float64Array, a: number, b: number): void {
    const s = this.s;
    const L = s.layers;
    const ab = a * b;
    this.diag.set(diag);
    this.a = a;
    this.b = b;
    for (let j = 1; j < L; j++) {
      const g = s.arrays[j];
      const rows = s.rows[j];
      const cols = s.sizes[j];
      const off = s.offsets[j];
      const S = this.schur[j];
      if (j === 1) {
        // S_1 = D_1 − a·b·G_1ᵀ D_0⁻¹ G_1 is symmetric: upper triangle by dot products over the
        // columns of G_1 (contiguous in the transposed copy).
        const gt = s.transposed[1];
        const w = this.w;
        for (let c = 0; c < cols; c++) {
          const colC = c * rows;
          for (let h = 0; h < rows; h++) w[h] = (ab * gt[colC + h]) / diag[h];
          let k = c;
          for (; k + 3 < cols; k += 4) {
            const k0 = k * rows;
            const k1 = k0 + rows;
            const k2 = k1 + rows;
            const k3 = k2 + rows;
            let d0 = 0;
            let d1 = 0;
            let d2 = 0;
            let d3 = 0;
            for (let h = 0; h < rows; h++) {
              const wh = w[h];
              d0 += wh * gt[k0 + h];
              d1 += wh * gt[k1 + h];
              d2 += wh * gt[k2 + h];
              d3 += wh * gt[k3 + h];
            }
            S[c * cols + k] = S[k * cols + c] = -d0;
            S[c * cols + k + 1] = S[(k + 1) * cols + c] = -d1;
            S[c * cols + k + 2] = S[(k + 2) * cols + c] = -d2;
            S[c * cols + k + 3] = S[(k + 3) * cols + c] = -d3;
          }
          for (; k < cols; k++) {
            const colK = k * rows;
            let dot = 0;
            for (let h = 0; h < rows; h++) dot += w[h] * gt[colK + h];
            S[c * cols + k] = S[k * cols + c] = -dot;
          }
        }
      } else {
        const X = this.x[j];
        S.fill(0);
        X.set(g);
        luSolve(this.schur[j - 1], rows, this.piv[j - 1], X, cols);
        for (let h = 0; h < rows; h++) {
          const base = h * cols;
          for (let c = 0; c < cols; c++) {
            const gc = g[base + c];
            if (gc === 0) continue;
            const w = ab * gc;
            const sRow = c * cols;
            for (let k = 0; k < cols; k++) S[sRow + k] -= w * X[base + k];
          }
        }
      }
      for (let c = 0; c < cols; c++) S[c * cols + c] += diag[off + c];
      luFactor(S, cols, this.piv[j]);
    }
  }

  /** Solves J·δ = r with the J of the last `factor`; r is overwritten by δ. */
  solveFactored(r: Float64Array): void {
    const s = this.s;
    const L = s.layers;
    const { a, b } = this;
    const diag = this.diag;
    const n0 = s.sizes[0];
    const y0 = this.y[0];
    for (let h = 0; h < n0; h++) y0[h] = r[h] / diag[h];
    // Forward: y_j = S_j⁻¹ (r_j + a·G_jᵀ y_{j−1}).
    for (let j = 1; j < L; j++) {
      const g = s.arrays[j];
      const rows = s.rows[j];
      const cols = s.sizes[j];
      const off = s.offsets[j];
      const yPrev = this.y[j - 1];
      const yj = this.y[j];
      if (j === 1) {
        const gt = s.transposed[1];
        for (let c = 0; c < cols; c++) {
          const colC = c * rows;
          let acc = 0;
          for (let h = 0; h < rows; h++) acc += gt[colC + h] * yPrev[h];
          yj[c] = r[off + c] + a * acc;
        }
      } else {
        for (let c = 0; c < cols; c++) yj[c] = r[off + c];
        for (let h = 0; h < rows; h++) {
          const base = h * cols;
          const yh = a * yPrev[h];
          for (let c = 0; c < cols; c++) yj[c] += g[base + c] * yh;
        }
      }
      luSolve(this.schur[j], cols, this.piv[j], yj);
    }
    // Back substitution: δ_{L−1} = y_{L−1}; δ_{j−1} = y_{j−1} + b·X_j δ_j.
    const last = L - 1;
    r.set(this.y[last], s.offsets[last]);
    for (let j = last; j >= 1; j--) {
      const g = s.arrays[j];
      const rows = s.rows[j];
      const cols = s.sizes[j];
      const off = s.offsets[j];
      const prevOff = s.offsets[j - 1];
      const yPrev = this.y[j - 1];
      if (j === 1) {
        for (let h = 0; h < rows; h++) {
          let acc = 0;
          const base = h * cols;
          for (let c = 0; c < cols; c++) acc += g[base + c] * r[off + c];
          r[prevOff + h] = yPrev[h] + (b * acc) / diag[h];
        }
      } else {
        const X = this.x[j];
        for (let h = 0; h < rows; h++) {
          let acc = 0;
          const base = h * cols;
          for (let c = 0; c < cols; c++) acc += X[base + c] * r[off + c];
          r[prevOff + h] = yPrev[h] + b * acc;
        }
      }
    }
  }
}
