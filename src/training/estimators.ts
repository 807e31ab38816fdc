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

/** Sums per-sample estimates over a mini-batch; `mean()` is the mini-batch gradient estimate. */
export class GradientAccumulator {
  readonly sum: Float64Array;
  private samples = 0;
  private readonly meanBuffer: Float64Array;

  constructor(readonly totalDevices: number) {
    this.sum = new Float64Array(totalDevices);
    this.meanBuffer = new Float64Array(totalDevices);
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

  /** The mean over the samples added since the last reset (a view reused between calls). */
  mean(): Float64Array {
    if (this.samples === 0) throw new RangeError('GradientAccumulator.mean: no samples were added');
    const k = 1 / this.samples;
    for (let i = 0; i < this.sum.length; i++) this.meanBuffer[i] = this.sum[i] * k;
    return this.meanBuffer;
  }

  reset(): void {
    this.sum.fill(0);
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
