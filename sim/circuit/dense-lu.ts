// Dense LU factorisation with partial pivoting (Doolittle, row-major, in place, no allocation):
// the small Schur complements of the layered solver (e.g. 20×20 for the digits network) and the
// general MNA systems, which are small and not symmetric (sources, controlled sources).

/** Factors the n×n row-major matrix `a` in place (L unit-lower below the diagonal, U on and above);
 * `piv[k]` is the row swapped into row k. Throws if a pivot is zero or not finite. */
export function luFactor(a: Float64Array, n: number, piv: Int32Array): void {
  const k = tryLuFactor(a, n, piv);
  if (k >= 0) throw new RangeError(`luFactor: matrix is singular or not finite at column ${k}`);
}

/** As luFactor, but returns the first column without a usable pivot (singular matrix: a
 * floating node, a loop of voltage sources, …), or −1 on success. */
export function tryLuFactor(a: Float64Array, n: number, piv: Int32Array): number {
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
    if (!(best > 0) || !Number.isFinite(best)) return k;
    piv[k] = p;
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const t = a[k * n + j];
        a[k * n + j] = a[p * n + j];
        a[p * n + j] = t;
      }
    }
    const inv = 1 / a[k * n + k];
    for (let i = k + 1; i < n; i++) {
      const f = (a[i * n + k] *= inv);
      if (f === 0) continue;
      for (let j = k + 1; j < n; j++) a[i * n + j] -= f * a[k * n + j];
    }
  }
  return -1;
}

/** Solves A·X = B in place for m right-hand sides stored row-major in `b` (n rows × m columns),
 * given the factors from `luFactor`. m = 1 solves a vector. */
export function luSolve(a: Float64Array, n: number, piv: Int32Array, b: Float64Array, m = 1): void {
  for (let k = 0; k < n; k++) {
    const p = piv[k];
    if (p !== k) {
      for (let j = 0; j < m; j++) {
        const t = b[k * m + j];
        b[k * m + j] = b[p * m + j];
        b[p * m + j] = t;
      }
    }
  }
  for (let i = 1; i < n; i++) {
    for (let k = 0; k < i; k++) {
      const f = a[i * n + k];
      if (f === 0) continue;
      for (let j = 0; j < m; j++) b[i * m + j] -= f * b[k * m + j];
    }
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let k = i + 1; k < n; k++) {
      const f = a[i * n + k];
      if (f === 0) continue;
      for (let j = 0; j < m; j++) b[i * m + j] -= f * b[k * m + j];
    }
    const inv = 1 / a[i * n + i];
    for (let j = 0; j < m; j++) b[i * m + j] *= inv;
  }
}

/** A factorisation object for the general MNA solver: owns its matrix and pivots. */
export class DenseLu {
  /** The matrix, row-major n×n; overwritten by its L and U factors by `factor()`. */
  readonly a: Float64Array;
  private readonly piv: Int32Array;

  constructor(readonly n: number) {
    this.a = new Float64Array(n * n);
    this.piv = new Int32Array(n);
  }

  /** Factorises `a` in place; false when the matrix is singular. */
  factor(): boolean {
    return tryLuFactor(this.a, this.n, this.piv) < 0;
  }

  /** Solves A x = b with the factors from `factor()`; `x` may alias `b`. */
  solve(b: Float64Array, x: Float64Array): void {
    if (x !== b) x.set(b);
    luSolve(this.a, this.n, this.piv, x);
  }
}
