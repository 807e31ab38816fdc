// Dense LU factorisation with partial pivoting (Doolittle, row-major, in place). General MNA
// systems are small and not symmetric (sources, controlled sources), so a dense factorisation is
// the simple, robust choice; the layered network has its own structured solver in sim/network.

export class DenseLu {
  /** The matrix, row-major n×n; overwritten by L (unit lower, below the diagonal) and U. */
  readonly a: Float64Array;
  /** perm[i] = original row now at row i. */
  private readonly perm: Int32Array;
  private readonly work: Float64Array;

  constructor(readonly n: number) {
    this.a = new Float64Array(n * n);
    this.perm = new Int32Array(n);
    this.work = new Float64Array(n);
  }

  /** Factorises `a` in place. Returns false when a pivot is exactly zero or not finite (singular
   * matrix: a floating node, a loop of voltage sources, …). */
  factor(): boolean {
    const { a, n, perm } = this;
    for (let i = 0; i < n; i++) perm[i] = i;
    for (let k = 0; k < n; k++) {
      let p = k;
      let best = Math.abs(a[k * n + k]);
      for (let i = k + 1; i < n; i++) {
        const m = Math.abs(a[i * n + k]);
        if (m > best) {
          best = m;
          p = i;
        }
      }
      if (!(best > 0) || !Number.isFinite(best)) return false;
      if (p !== k) {
        for (let j = 0; j < n; j++) {
          const t = a[k * n + j];
          a[k * n + j] = a[p * n + j];
          a[p * n + j] = t;
        }
        const t = perm[k];
        perm[k] = perm[p];
        perm[p] = t;
      }
      const pivot = a[k * n + k];
      for (let i = k + 1; i < n; i++) {
        const f = a[i * n + k] / pivot;
        if (f === 0) continue;
        a[i * n + k] = f;
        for (let j = k + 1; j < n; j++) a[i * n + j] -= f * a[k * n + j];
      }
    }
    return true;
  }

  /** Solves A x = b with the factors from `factor()`; writes x into `x` (may alias `b`). */
  solve(b: Float64Array, x: Float64Array): void {
    const { a, n, perm, work } = this;
    for (let i = 0; i < n; i++) {
      let s = b[perm[i]];
      for (let j = 0; j < i; j++) s -= a[i * n + j] * work[j];
      work[i] = s;
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = work[i];
      for (let j = i + 1; j < n; j++) s -= a[i * n + j] * work[j];
      work[i] = s / a[i * n + i];
    }
    x.set(work);
  }
}
