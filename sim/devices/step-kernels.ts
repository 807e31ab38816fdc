// The loops of the ideal training step (DeviceArray.stepRange) over the live conductances, the
// training hot path of the 'ideal' mode (every device, every mini-batch).
//
// Each loop is a function of its own whose only code after the loop is `return`: V8 optimises a
// long loop on its first call by on-stack replacement, before the code after the loop has ever
// run, and code compiled without feedback for that tail bails out at the end of every later call
// that enters it. The number of clipped steps, the loops' second result, is left in a module
// variable (a context slot, which needs no feedback) for the caller to take.

let clippedSteps = 0;

/** The clipped steps of the last stepUniform / stepPerDevice call. */
export function lastClippedSteps(): number {
  return clippedSteps;
}

/** g[i] ← clip(g[i] − eta·gradient[i − start]) to [lo, hi] for start ≤ i < end; returns Σ|Δg|. */
export function stepUniform(
  g: Float64Array,
  gradient: Float64Array,
  start: number,
  end: number,
  eta: number,
  lo: number,
  hi: number,
): number {
  let change = 0;
  let clipped = 0;
  for (let i = start, j = 0; i < end; i++, j++) {
    const old = g[i];
    const wanted = old - eta * gradient[j];
    const next = Math.min(hi, Math.max(lo, wanted));
    if (next !== wanted) clipped++;
    change += Math.abs(next - old);
    g[i] = next;
  }
  clippedSteps = clipped;
  return change;
}

/** As stepUniform, clipped to [min, max] and then to each device's own [gMin[i], gMax[i]];
 * devices with stuck[i] ≠ 0 keep their value. */
export function stepPerDevice(
  g: Float64Array,
  gradient: Float64Array,
  start: number,
  end: number,
  eta: number,
  min: number,
  max: number,
  gMin: Float64Array,
  gMax: Float64Array,
  stuck: Uint8Array,
): number {
  let change = 0;
  let clipped = 0;
  for (let i = start, j = 0; i < end; i++, j++) {
    if (stuck[i] !== 0) continue;
    const old = g[i];
    const wanted = old - eta * gradient[j];
    const next = Math.min(gMax[i], Math.max(gMin[i], Math.min(max, Math.max(min, wanted))));
    if (next !== wanted) clipped++;
    change += Math.abs(next - old);
    g[i] = next;
  }
  clippedSteps = clipped;
  return change;
}

/** The drift law's programming record of the free devices start..end-1: their conductance now,
 * programmed at time t_s. */
export function recordProgramming(
  programmedG: Float64Array,
  programmedAt: Float64Array,
  g: Float64Array,
  stuck: Uint8Array,
  start: number,
  end: number,
  t_s: number,
): void {
  for (let i = start; i < end; i++) {
    if (stuck[i] !== 0) continue;
    programmedG[i] = g[i];
    programmedAt[i] = t_s;
  }
}

/** stepUniform on the `rows` × `cols` devices of a crossbar array whose device (0, 0) is g[start],
 * with the gradient of one voltage-drop pair formed in the loop instead of read from memory:
 * gradient(r, c) = w·((rowD[r] − colD[c])·(rowS[r] − colS[c])) (sim/board/ideal-step.ts). */
export function stepUniformDropRows(
  g: Float64Array,
  start: number,
  rows: number,
  cols: number,
  rowD: Float64Array,
  rowS: Float64Array,
  colD: Float64Array,
  colS: Float64Array,
  w: number,
  eta: number,
  lo: number,
  hi: number,
): number {
  let change = 0;
  let clipped = 0;
  for (let r = 0; r < rows; r++) {
    const du = rowD[r];
    const su = rowS[r];
    const base = start + r * cols;
    for (let c = 0; c < cols; c++) {
      const old = g[base + c];
      const wanted = old - eta * (w * ((du - colD[c]) * (su - colS[c])));
      const next = Math.min(hi, Math.max(lo, wanted));
      if (next !== wanted) clipped++;
      change += Math.abs(next - old);
      g[base + c] = next;
    }
  }
  clippedSteps = clipped;
  return change;
}

/** Classical momentum on top of a plain step (IdealConductanceAccess.step): for start ≤ i < end,
 * v[i] ← mu·v[i] + (g[i] − prev[i]) (the plain step's change), then g[i] ← clip(prev[i] + v[i])
 * to [lo, hi]; returns Σ|g[i] − prev[i]|, the clipped count left for lastClippedSteps. */
export function momentumUniform(
  g: Float64Array,
  prev: Float64Array,
  v: Float64Array,
  start: number,
  end: number,
  mu: number,
  lo: number,
  hi: number,
): number {
  let change = 0;
  let clipped = 0;
  for (let i = start; i < end; i++) {
    const old = prev[i];
    const vi = mu * v[i] + (g[i] - old);
    v[i] = vi;
    const wanted = old + vi;
    const next = Math.min(hi, Math.max(lo, wanted));
    if (next !== wanted) clipped++;
    change += Math.abs(next - old);
    g[i] = next;
  }
  clippedSteps = clipped;
  return change;
}

/** As momentumUniform, clipped to [min, max] and then to each device's own [gMin[i], gMax[i]];
 * devices with stuck[i] ≠ 0 keep their value (their plain step is 0, so their velocity stays 0). */
export function momentumPerDevice(
  g: Float64Array,
  prev: Float64Array,
  v: Float64Array,
  start: number,
  end: number,
  mu: number,
  min: number,
  max: number,
  gMin: Float64Array,
  gMax: Float64Array,
  stuck: Uint8Array,
): number {
  let change = 0;
  let clipped = 0;
  for (let i = start; i < end; i++) {
    if (stuck[i] !== 0) continue;
    const old = prev[i];
    const vi = mu * v[i] + (g[i] - old);
    v[i] = vi;
    const wanted = old + vi;
    const next = Math.min(gMax[i], Math.max(gMin[i], Math.min(max, Math.max(min, wanted))));
    if (next !== wanted) clipped++;
    change += Math.abs(next - old);
    g[i] = next;
  }
  clippedSteps = clipped;
  return change;
}
