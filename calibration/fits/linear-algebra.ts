// Dense linear algebra for the small systems of the calibration fits (a handful of parameters):
// Gaussian elimination with partial pivoting, and the inverse built column by column from it.

/** Solves A·x = b for a square row-major n×n matrix; A and b are not modified. Throws when A is
 * singular to working precision. */
export function solve(a: ArrayLike<number>, b: ArrayLike<number>, n: number): Float64Array {
  const m = Float64Array.from(a);
  const x = Float64Array.from(b);
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale = Math.max(scale, Math.abs(m[i]));
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(m[i * n + k]) > Math.abs(m[p * n + k])) p = i;
    if (!(Math.abs(m[p * n + k]) > 1e-14 * scale))
      throw new RangeError('matrix: singular to working precision');
    if (p !== k) {
      for (let j = 0; j < n; j++) [m[k * n + j], m[p * n + j]] = [m[p * n + j], m[k * n + j]];
      [x[k], x[p]] = [x[p], x[k]];
    }
    for (let i = k + 1; i < n; i++) {
      const f = m[i * n + k] / m[k * n + k];
      if (f === 0) continue;
      for (let j = k; j < n; j++) m[i * n + j] -= f * m[k * n + j];
      x[i] -= f * x[k];
    }
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i];
    for (let j = i + 1; j < n; j++) s -= m[i * n + j] * x[j];
    x[i] = s / m[i * n + i];
  }
  return x;
}

/** Inverse of a square row-major n×n matrix. */
export function invert(a: ArrayLike<number>, n: number): Float64Array {
  const inv = new Float64Array(n * n);
  const e = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    e.fill(0);
    e[j] = 1;
    const col = solve(a, e, n);
    for (let i = 0; i < n; i++) inv[i * n + j] = col[i];
  }
  return inv;
}
