// IdealConductanceAccess.step on the simulated board: the ideal training mode's update
// g ← clip(g − η_l·∇) in place, checked whole before any conductance changes.
//
// A gradient given as voltage-drop pairs is never written out per device: a single pair on
// uniform devices (the ideal mode with mini-batches of one) is formed inside the step's loop
// (stepUniformDropRows); otherwise it is formed a block of rows at a time into a small buffer that
// stays in the first-level cache until its step (DeviceArray.stepRange) consumes it. Either way
// the only pass over memory is the one over the conductances. For a device (r, c) of array l with
// row line u_r (input line r for l = 0, the row line gain·V_h of hidden node h otherwise) and
// column node V_c,
//   (ΔV^a)² − (ΔV^b)² = (δu_r − δV_c)·(σu_r − σV_c),   δ = a − b, σ = a + b per line,
// and δu_r = 0, σu_r = 2·x_r for the input lines (the same in both states of a sample) — the
// factorisation of the pipeline's estimators (src/training/estimators.ts, thesis Theorem 4.2:
// Eq. 4.13, and Eq. 2.10 for the centered form), with the same operations in the same order, so a
// single pair gives the same conductances to the last bit.
//
// Momentum (μ > 0; IdealConductanceAccess.step): the conductances before the step are copied, the
// plain step above runs unchanged, and a second pass over the devices (DeviceArray.momentumRange)
// turns its change Δ into v ← μ·v + Δ, g ← clip(g_prev + v). The velocity v lives here, one
// double per device, made on the first step with μ > 0; μ = 0 runs the plain step alone and leaves
// v as it is (the board zeroes it when something else changes the conductances).
import type {
  DropPair,
  IdealGradient,
  IdealStepRange,
  IdealStepReport,
} from '../../src/capabilities/index.ts';
import type { NetworkLayout } from '../../src/network/description.ts';
import type { DeviceArray } from '../devices/index.ts';
import { lastClippedSteps, stepUniformDropRows } from '../devices/step-kernels.ts';

/** Gradient entries formed per block (16 KiB). */
const blockEntries = 2048;

export class IdealStepper {
  private readonly block: Float64Array;
  private readonly gain: number;
  /** δ and σ of the array's row lines (entry r·count + p: the pairs of a row side by side) and
   * of its column nodes (entry p·cols + c: a pair's columns side by side), for pair p. With one
   * pair both are simply indexed by the line. */
  private rowD = new Float64Array(0);
  private rowS = new Float64Array(0);
  private colD = new Float64Array(0);
  private colS = new Float64Array(0);
  private weights = new Float64Array(0);
  /** Several pairs: Σ_p w_p·δu_pr·σu_pr per row and Σ_p w_p·δV_pc·σV_pc per column. */
  private rowTerm = new Float64Array(0);
  private colTerm = new Float64Array(0);
  /** Momentum: each device's velocity, S (undefined = zero), and the conductances before a step. */
  private velocity: Float64Array | undefined;
  private prev: Float64Array | undefined;

  constructor(
    private readonly layout: NetworkLayout,
    private readonly devices: DeviceArray,
  ) {
    const widest = Math.max(...layout.arrays.map((a) => a.cols));
    this.block = new Float64Array(Math.max(blockEntries, widest));
    this.gain = layout.desc.amplifier?.gain ?? 1;
  }

  /** Checks every argument, then steps every device. The caller settles the circuit before and
   * tells it about the new conductances after. */
  step(
    gradient: IdealGradient,
    eta: readonly number[],
    range: IdealStepRange,
    momentum = 0,
  ): IdealStepReport {
    const { arrays, deviceOffsets, totalDevices } = this.layout;
    if (gradient.kind === 'dense') checkDense(gradient.values, totalDevices);
    else if (gradient.kind === 'drops') this.checkPairs(gradient.pairs);
    else throw new RangeError(`gradient.kind: must be 'dense' or 'drops'`);
    if (eta.length !== arrays.length) {
      throw new RangeError(`eta: ${eta.length} step sizes for ${arrays.length} arrays`);
    }
    eta.forEach((e, l) => {
      if (!Number.isFinite(e)) throw new RangeError(`eta[${l}] is ${e}, not a finite number`);
    });
    const { min_S, max_S } = range;
    if (!(Number.isFinite(min_S) && Number.isFinite(max_S) && min_S <= max_S)) {
      throw new RangeError(`range: [${min_S}, ${max_S}] S is not a finite interval`);
    }
    if (!(momentum >= 0 && momentum < 1)) {
      throw new RangeError(`momentum is ${momentum}, not a number in [0, 1)`);
    }
    const report = { change_S: 0, clipped: 0 };
    const prev = momentum > 0 ? (this.prev ??= new Float64Array(totalDevices)) : undefined;
    if (prev !== undefined) prev.set(this.devices.g_S);
    for (let l = 0; l < arrays.length; l++) {
      const start = deviceOffsets[l];
      const end = start + arrays[l].rows * arrays[l].cols;
      if (gradient.kind === 'dense') {
        const values = gradient.values.subarray(start, end);
        this.devices.stepRange(start, end, values, eta[l], min_S, max_S, report);
      } else {
        this.stepArrayFromDrops(l, gradient.pairs, eta[l], min_S, max_S, report);
      }
    }
    if (prev !== undefined) {
      // The report is of the change momentum makes, not of the plain step's.
      const velocity = (this.velocity ??= new Float64Array(totalDevices));
      report.change_S = 0;
      report.clipped = 0;
      this.devices.momentumRange(0, totalDevices, prev, velocity, momentum, min_S, max_S, report);
    }
    return { meanAbsChange_S: report.change_S / Math.max(1, totalDevices), clipped: report.clipped };
  }

  /** A copy of the momentum velocity, S per device, or undefined while it is zero. */
  velocityState(): Float64Array | undefined {
    return this.velocity?.slice();
  }

  /** Puts back a velocity taken by velocityState (undefined: zero). */
  restoreVelocity(v: Float64Array | undefined): void {
    if (v === undefined) {
      this.velocity = undefined;
      return;
    }
    const n = this.layout.totalDevices;
    if (v.length !== n) throw new RangeError(`velocity has ${v.length} values, the network has ${n} devices`);
    const bad = firstNonFinite(v);
    if (bad >= 0) throw new RangeError(`velocity[${bad}] is ${v[bad]}, not a finite number`);
    (this.velocity ??= new Float64Array(n)).set(v);
  }

  private stepArrayFromDrops(
    l: number,
    pairs: readonly DropPair[],
    eta: number,
    min_S: number,
    max_S: number,
    report: { change_S: number; clipped: number },
  ): void {
    const { rows, cols } = this.layout.arrays[l];
    this.prepareLines(l, pairs);
    const start = this.layout.deviceOffsets[l];
    const count = pairs.length;
    const bounds = count === 1 ? this.devices.uniformStepBounds(min_S, max_S) : null;
    if (bounds !== null) {
      // One pair on uniform devices: the gradient formed in the step's own loop.
      const g = this.devices.g_S;
      const w = this.weights[0];
      report.change_S += stepUniformDropRows(
        g,
        start,
        rows,
        cols,
        this.rowD,
        this.rowS,
        this.colD,
        this.colS,
        w,
        eta,
        ...bounds,
      );
      report.clipped += lastClippedSteps();
      return;
    }
    const rowsPerBlock = Math.max(1, Math.floor(this.block.length / cols));
    const { rowD, rowS, colD, colS, rowTerm, colTerm } = this;
    const lines = { rowD, rowS, colD, colS, rowTerm, colTerm };
    for (let r0 = 0; r0 < rows; r0 += rowsPerBlock) {
      const r1 = Math.min(rows, r0 + rowsPerBlock);
      if (count === 1) {
        dropRowsOne(this.block, r0, r1, cols, this.rowD, this.rowS, this.colD, this.colS, this.weights[0]);
      } else {
        dropRowsMany(this.block, r0, r1, cols, count, lines, this.weights);
      }
      this.devices.stepRange(start + r0 * cols, start + r1 * cols, this.block, eta, min_S, max_S, report);
    }
  }

  /** δ and σ of array l's row lines and column nodes for every pair. */
  private prepareLines(l: number, pairs: readonly DropPair[]): void {
    const { rows, cols } = this.layout.arrays[l];
    const count = pairs.length;
    if (this.rowD.length < count * rows) {
      this.rowD = new Float64Array(count * rows);
      this.rowS = new Float64Array(count * rows);
    }
    if (this.colD.length < count * cols) {
      this.colD = new Float64Array(count * cols);
      this.colS = new Float64Array(count * cols);
    }
    if (this.weights.length < count) this.weights = new Float64Array(count);
    const colBase = this.layout.layerOffsets[l];
    const rowBase = l === 0 ? 0 : this.layout.layerOffsets[l - 1];
    const g = this.gain;
    for (let p = 0; p < count; p++) {
      const { lines_V, a_V, b_V, weight } = pairs[p];
      this.weights[p] = weight;
      for (let r = 0; r < rows; r++) {
        const i = r * count + p;
        if (l === 0) {
          this.rowD[i] = 0;
          this.rowS[i] = 2 * lines_V[r];
        } else {
          this.rowD[i] = g * (a_V[rowBase + r] - b_V[rowBase + r]);
          this.rowS[i] = g * (a_V[rowBase + r] + b_V[rowBase + r]);
        }
      }
      for (let c = 0; c < cols; c++) {
        this.colD[p * cols + c] = a_V[colBase + c] - b_V[colBase + c];
        this.colS[p * cols + c] = a_V[colBase + c] + b_V[colBase + c];
      }
    }
    if (count === 1) return;
    if (this.rowTerm.length < rows) this.rowTerm = new Float64Array(rows);
    if (this.colTerm.length < cols) this.colTerm = new Float64Array(cols);
    const w = this.weights;
    for (let r = 0; r < rows; r++) {
      let t = 0;
      for (let p = 0; p < count; p++) t += w[p] * this.rowD[r * count + p] * this.rowS[r * count + p];
      this.rowTerm[r] = t;
    }
    for (let c = 0; c < cols; c++) {
      let t = 0;
      for (let p = 0; p < count; p++) t += w[p] * this.colD[p * cols + c] * this.colS[p * cols + c];
      this.colTerm[c] = t;
    }
  }

  /** Lengths, finite values, and a finite bound on every gradient entry (so the step can make
   * no NaN): |ΔV| ≤ (1 + |gain|)·M with M the pair's largest |voltage|. */
  private checkPairs(pairs: readonly DropPair[]): void {
    if (pairs.length === 0) throw new RangeError('gradient.pairs: no pairs');
    const { inputLines, floatingNodes } = this.layout;
    let bound = 0;
    pairs.forEach((p, i) => {
      const field = `gradient.pairs[${i}]`;
      let m = 0;
      for (const [name, v, n] of [
        ['lines_V', p.lines_V, inputLines],
        ['a_V', p.a_V, floatingNodes],
        ['b_V', p.b_V, floatingNodes],
      ] as const) {
        if (v.length !== n) throw new RangeError(`${field}.${name} has ${v.length} values, expected ${n}`);
        for (let k = 0; k < n; k++) {
          if (!Number.isFinite(v[k]))
            throw new RangeError(`${field}.${name}[${k}] is ${v[k]}, not a finite number`);
          m = Math.max(m, Math.abs(v[k]));
        }
      }
      if (!Number.isFinite(p.weight))
        throw new RangeError(`${field}.weight is ${p.weight}, not a finite number`);
      const drop = (1 + Math.abs(this.gain)) * m;
      bound += 2 * Math.abs(p.weight) * drop * drop;
    });
    if (!Number.isFinite(bound)) {
      throw new RangeError('gradient.pairs: the weights and voltages overflow the gradient');
    }
  }
}

/** out[k] for the devices of rows r0..r1−1 (cols each) from one pair of weight w. */
function dropRowsOne(
  out: Float64Array,
  r0: number,
  r1: number,
  cols: number,
  rowD: Float64Array,
  rowS: Float64Array,
  colD: Float64Array,
  colS: Float64Array,
  w: number,
): void {
  let k = 0;
  for (let r = r0; r < r1; r++) {
    const du = rowD[r];
    const su = rowS[r];
    for (let c = 0; c < cols; c++) out[k++] = w * ((du - colD[c]) * (su - colS[c]));
  }
}

/** As dropRowsOne, summed over `count` pairs, expanded so that the work per device and pair is
 * one or two multiply-adds along a row (the pairs' row and column terms precomputed):
 *   Σ_p w_p·(δu_pr − δV_pc)·(σu_pr − σV_pc)
 *     = Σ_p w_p·δu_pr·σu_pr + Σ_p w_p·δV_pc·σV_pc − Σ_p (w_p·δu_pr·σV_pc + w_p·σu_pr·δV_pc),
 * equal to the direct sum up to floating-point rounding. */
function dropRowsMany(
  out: Float64Array,
  r0: number,
  r1: number,
  cols: number,
  count: number,
  lines: {
    readonly rowD: Float64Array;
    readonly rowS: Float64Array;
    readonly colD: Float64Array;
    readonly colS: Float64Array;
    readonly rowTerm: Float64Array;
    readonly colTerm: Float64Array;
  },
  w: Float64Array,
): void {
  const { rowD, rowS, colD, colS, rowTerm, colTerm } = lines;
  for (let r = r0, k = 0; r < r1; r++, k += cols) {
    const base = rowTerm[r];
    for (let c = 0; c < cols; c++) out[k + c] = base + colTerm[c];
    for (let p = 0; p < count; p++) {
      const a = w[p] * rowD[r * count + p];
      const b = w[p] * rowS[r * count + p];
      const off = p * cols;
      if (a === 0) {
        for (let c = 0; c < cols; c++) out[k + c] -= b * colD[off + c];
      } else {
        for (let c = 0; c < cols; c++) out[k + c] -= a * colS[off + c] + b * colD[off + c];
      }
    }
  }
}

function checkDense(values: Float64Array, totalDevices: number): void {
  if (values.length !== totalDevices) {
    throw new RangeError(
      `gradient.values has ${values.length} entries, the network has ${totalDevices} devices`,
    );
  }
  const bad = firstNonFinite(values);
  if (bad >= 0) throw new RangeError(`gradient.values[${bad}] is ${values[bad]}, not a finite number`);
}

/** The index of the first NaN or infinite entry, or -1. x·0 is NaN exactly for a NaN or an
 * infinity, so one sum finds whether there is one (nonFiniteProbe) before a search for it. */
function firstNonFinite(x: Float64Array): number {
  const whole = x.length - (x.length % 4);
  let bad = !(nonFiniteProbe(x, whole) === 0);
  for (let i = whole; i < x.length; i++) bad ||= !Number.isFinite(x[i]);
  return bad ? x.findIndex((v) => !Number.isFinite(v)) : -1;
}

/** Σ x[i]·0 over i < end (a multiple of 4), four terms per step of the running sum: 0, or NaN
 * when x[0..end) holds a NaN or an infinity. The loop is a function of its own that only returns
 * after it (see sim/devices/step-kernels.ts). */
function nonFiniteProbe(x: Float64Array, end: number): number {
  let s = 0;
  for (let i = 0; i < end; i += 4) s += x[i] * 0 + x[i + 1] * 0 + x[i + 2] * 0 + x[i + 3] * 0;
  return s;
}
