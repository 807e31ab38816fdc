// Per-device loss-gradient estimates from the voltage drops across the devices in the free and
// nudged phases (thesis Theorem 4.2). Everything works on flat Float64Arrays in the network's
// device order (array l, row r, col c → deviceOffsets[l] + r·cols + c) with no allocation per
// device: the digits network has 158,800 devices per sample.
import type { NetworkLayout } from '../network/description.ts';

export type EstimatorKind = 'one-sided' | 'centered' | 'random-sign';

/**
 * ΔV = V_row − V_col of every device into `out`, V. Row r of array 0 is input line r; row r of
 * array l > 0 is hidden neuron r of layer l, or its amplifier's output gain·V_h when the network
 * has bidirectional amplifiers (thesis §4.4.2). Column c of array l is node c of layer l+1.
 */
export function deviceVoltageDrops(
  layout: NetworkLayout,
  inputLines_V: Float64Array,
  nodes_V: Float64Array,
  out: Float64Array = new Float64Array(layout.totalDevices),
): Float64Array {
  if (inputLines_V.length !== layout.inputLines) {
    throw new RangeError(
      `inputLines_V has ${inputLines_V.length} values, the network has ${layout.inputLines} input lines`,
    );
  }
  if (nodes_V.length !== layout.floatingNodes) {
    throw new RangeError(
      `nodes_V has ${nodes_V.length} values, the network has ${layout.floatingNodes} floating nodes`,
    );
  }
  const gain = layout.desc.amplifier?.gain ?? 1;
  for (let l = 0; l < layout.arrays.length; l++) {
    const { rows, cols } = layout.arrays[l];
    const colBase = layout.layerOffsets[l];
    const rowBase = l === 0 ? 0 : layout.layerOffsets[l - 1];
    const rowSource = l === 0 ? inputLines_V : nodes_V;
    const rowGain = l === 0 ? 1 : gain;
    let d = layout.deviceOffsets[l];
    for (let r = 0; r < rows; r++) {
      const vRow = rowGain * rowSource[rowBase + r];
      for (let c = 0; c < cols; c++) out[d++] = vRow - nodes_V[colBase + c];
    }
  }
  return out;
}

/**
 * One-sided estimate (thesis Eq. 4.13, the resistive form of Eq. 2.9):
 * ∂L/∂g ≈ ((ΔV^β)² − (ΔV^0)²) / (2β), added into `into` scaled by `weight`.
 * β carries its sign: with a randomly signed β this is the random-sign estimator.
 */
export function addOneSidedEstimate(
  dropsFree: Float64Array,
  dropsNudged: Float64Array,
  beta_S: number,
  into: Float64Array,
  weight = 1,
): void {
  checkSameLength(dropsFree, dropsNudged, into);
  const k = weight / (2 * beta_S);
  for (let i = 0; i < into.length; i++) {
    const a = dropsNudged[i];
    const b = dropsFree[i];
    into[i] += k * (a * a - b * b);
  }
}

/**
 * Centered (symmetric) estimate (thesis Eq. 2.10 with the resistive pseudo-power of Eq. 4.13):
 * ∂L/∂g ≈ ((ΔV^{+β})² − (ΔV^{−β})²) / (4β); its bias is O(β²) instead of O(β) (§2.4, App. A).
 */
export function addCenteredEstimate(
  dropsPlus: Float64Array,
  dropsMinus: Float64Array,
  beta_S: number,
  into: Float64Array,
  weight = 1,
): void {
  checkSameLength(dropsPlus, dropsMinus, into);
  const k = weight / (4 * beta_S);
  for (let i = 0; i < into.length; i++) {
    const a = dropsPlus[i];
    const b = dropsMinus[i];
    into[i] += k * (a * a - b * b);
  }
}

/**
 * into[d] (+)= k·((ΔV_d^A)² − (ΔV_d^B)²) for every device d, from the node voltages of two phases
 * A and B, in one pass without forming the drops: with ΔV = u_r − V_c (u_r the row line),
 *   (ΔV^A)² − (ΔV^B)² = (ΔV^A − ΔV^B)·(ΔV^A + ΔV^B) = (δu_r − δV_c)·(σu_r − σV_c),
 * δ = A − B and σ = A + B per line, computed once per row and per column. For array 0 the row
 * lines are the input lines, equal in both phases: δu_r = 0, σu_r = 2·x_r. `assign` overwrites
 * `into` instead of adding. This is the centered estimate (Eq. 2.10, k = 1/(4β), phases ±β) and the
 * one-sided one (Eq. 4.13, k = 1/(2β), phases β and 0) of thesis Theorem 4.2.
 */
export function addSquaredDropDifference(
  layout: NetworkLayout,
  inputLines_V: Float64Array,
  nodesA_V: Float64Array,
  nodesB_V: Float64Array,
  k: number,
  into: Float64Array,
  assign = false,
): void {
  if (inputLines_V.length !== layout.inputLines) {
    throw new RangeError(
      `inputLines_V has ${inputLines_V.length} values, the network has ${layout.inputLines} input lines`,
    );
  }
  for (const [field, v] of [
    ['nodesA_V', nodesA_V],
    ['nodesB_V', nodesB_V],
  ] as const) {
    if (v.length !== layout.floatingNodes) {
      throw new RangeError(
        `${field} has ${v.length} values, the network has ${layout.floatingNodes} floating nodes`,
      );
    }
  }
  if (into.length !== layout.totalDevices) {
    throw new RangeError(
      `estimate has ${into.length} entries, the network has ${layout.totalDevices} devices`,
    );
  }
  const gain = layout.desc.amplifier?.gain ?? 1;
  // Per node: δV = A − B and σV = A + B.
  const n = layout.floatingNodes;
  const dv = new Float64Array(n);
  const sv = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    dv[i] = nodesA_V[i] - nodesB_V[i];
    sv[i] = nodesA_V[i] + nodesB_V[i];
  }
  for (let l = 0; l < layout.arrays.length; l++) {
    const { rows, cols } = layout.arrays[l];
    const colBase = layout.layerOffsets[l];
    const rowBase = l === 0 ? 0 : layout.layerOffsets[l - 1];
    const dCol = dv.subarray(colBase, colBase + cols);
    const sCol = sv.subarray(colBase, colBase + cols);
    let d = layout.deviceOffsets[l];
    for (let r = 0; r < rows; r++) {
      const du = l === 0 ? 0 : gain * dv[rowBase + r];
      const su = l === 0 ? 2 * inputLines_V[r] : gain * sv[rowBase + r];
      if (assign) {
        for (let c = 0; c < cols; c++) into[d + c] = k * ((du - dCol[c]) * (su - sCol[c]));
      } else {
        for (let c = 0; c < cols; c++) into[d + c] += k * ((du - dCol[c]) * (su - sCol[c]));
      }
      d += cols;
    }
  }
}

/** Sums per-sample estimates over a mini-batch; `mean()` is the mini-batch gradient estimate.
 * The first estimate after a reset is written, not added, so a reset costs nothing. */
export class GradientAccumulator {
  private readonly total: Float64Array;
  private samples = 0;
  private readonly meanBuffer: Float64Array;

  constructor(readonly totalDevices: number) {
    this.total = new Float64Array(totalDevices);
    this.meanBuffer = new Float64Array(totalDevices);
  }

  /** The running sum of the estimates since the last reset. */
  get sum(): Float64Array {
    if (this.samples === 0) this.total.fill(0);
    return this.total;
  }

  get count(): number {
    return this.samples;
  }

  addOneSided(dropsFree: Float64Array, dropsNudged: Float64Array, beta_S: number): void {
    addOneSidedEstimate(dropsFree, dropsNudged, beta_S, this.sum);
    this.samples++;
  }

  addCentered(dropsPlus: Float64Array, dropsMinus: Float64Array, beta_S: number): void {
    addCenteredEstimate(dropsPlus, dropsMinus, beta_S, this.sum);
    this.samples++;
  }

  /** The centered estimate (Eq. 2.10) of one sample from the node voltages of its ±β phases. */
  addCenteredFromNodes(
    layout: NetworkLayout,
    inputLines_V: Float64Array,
    plus_V: Float64Array,
    minus_V: Float64Array,
    beta_S: number,
  ): void {
    const k = 1 / (4 * beta_S);
    addSquaredDropDifference(layout, inputLines_V, plus_V, minus_V, k, this.total, this.samples === 0);
    this.samples++;
  }

  /** The one-sided estimate (Eq. 4.13; β signed) of one sample from its free and nudged nodes. */
  addOneSidedFromNodes(
    layout: NetworkLayout,
    inputLines_V: Float64Array,
    free_V: Float64Array,
    nudged_V: Float64Array,
    beta_S: number,
  ): void {
    const k = 1 / (2 * beta_S);
    addSquaredDropDifference(layout, inputLines_V, nudged_V, free_V, k, this.total, this.samples === 0);
    this.samples++;
  }

  /** The mean over the samples added since the last reset: a view valid until the next add,
   * reset or mean (for one sample, the sum itself). */
  mean(): Float64Array {
    if (this.samples === 0) throw new RangeError('GradientAccumulator.mean: no samples were added');
    if (this.samples === 1) return this.total;
    const k = 1 / this.samples;
    for (let i = 0; i < this.total.length; i++) this.meanBuffer[i] = this.total[i] * k;
    return this.meanBuffer;
  }

  reset(): void {
    this.samples = 0;
  }
}

function checkSameLength(a: Float64Array, b: Float64Array, into: Float64Array): void {
  if (a.length !== into.length || b.length !== into.length) {
    throw new RangeError(
      `voltage drops (${a.length}, ${b.length}) and estimate (${into.length}) differ in length`,
    );
  }
}
