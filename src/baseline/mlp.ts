// Feed-forward counterpart of the layered analog network (thesis §4.4), for the backprop baseline.
// Layer l maps its input lines u to node voltages V = f(Wᵀu); W is rows × cols, row-major, like
// the crossbar array l of src/network/description.ts (row r = input line, col c = node).
// f stands for the antiparallel-diode neuron (§4.4.1): the node voltage is bounded by the diode
// bias voltages [low, high]; 'hardtanh' clamps to them (the ideal-diode limit), 'tanh' is a smooth
// equivalent with the same bounds and unit slope at the midpoint. Every node, outputs included,
// has the diode pair, as in the circuit. Weights are plain signed numbers (the standard software
// baseline) and there are no bias terms, as the circuit has none (see withBiasInput).
// Output: with differential outputs class k owns nodes 2k (Y+) and 2k+1 (Y−), score
// s_k = Y_k+ − Y_k− (Eq. 4.14); loss C = ½ Σ_k e_k² with Y one-hot: the squared error e_k = s_k − Y_k
// (Eq. 4.15), or the squared hinge that drops the error of a score already past its target
// (src/training/losses.ts).
//
// Doubled inputs (§4.4.3) are folded: with signed weights the rows W+ (fed x) and W− (fed −x)
// act as the single matrix W = W+ − W−. Their gradients are exact opposites, so SGD with momentum
// moves W by twice the step of each half (stepScale = 2) while W+ + W− never changes. Training W,
// initialised as the difference of two independent draws, is therefore the doubled network's
// exact trajectory at half the cost; weights[0] holds W (features × cols).
import type { Rng } from '../util/random.ts';

export type Activation = 'hardtanh' | 'tanh';
export type BaselineLoss = 'squared-error' | 'squared-hinge';

export interface MlpConfig {
  features: number;
  hidden: number[];
  classes: number;
  doubledInputs: boolean;
  differentialOutputs: boolean;
  activation: Activation;
  /** Neuron voltage bounds: the diode bias sources (default network: −0.5 V, 0.5 V). */
  bias_V: { low: number; high: number };
  /** Initial weights are uniform in ±initScale/√(fan-in). */
  initScale: number;
  loss: BaselineLoss;
}

export class Mlp {
  /** Lines per stage: features (doubled inputs folded), each hidden layer, output nodes. */
  readonly sizes: number[];
  readonly weights: Float64Array[];
  /** Factor on the SGD step of each layer's weights (2 for folded doubled inputs, else 1). */
  readonly stepScale: number[];
  /** Work buffers reused across samples: activations per stage and pre-activations per layer. */
  private readonly lines: Float64Array[];
  private readonly pre: Float64Array[];
  private readonly delta: Float64Array[];
  private readonly mid: number;
  private readonly half: number;

  constructor(
    readonly config: MlpConfig,
    rng: Rng,
  ) {
    const { features, hidden, classes, doubledInputs, differentialOutputs, bias_V } = config;
    if (!(bias_V.low < bias_V.high)) throw new RangeError('bias_V: low must be below high');
    this.sizes = [features, ...hidden, classes * (differentialOutputs ? 2 : 1)];
    this.weights = [];
    this.stepScale = [];
    for (let l = 0; l + 1 < this.sizes.length; l++) {
      const folded = l === 0 && doubledInputs;
      const r = config.initScale / Math.sqrt(folded ? 2 * features : this.sizes[l]);
      const draw = folded ? () => rng.range(-r, r) - rng.range(-r, r) : () => rng.range(-r, r);
      this.weights.push(Float64Array.from({ length: this.sizes[l] * this.sizes[l + 1] }, draw));
      this.stepScale.push(folded ? 2 : 1);
    }
    this.lines = this.sizes.map((n) => new Float64Array(n));
    this.pre = this.sizes.slice(1).map((n) => new Float64Array(n));
    this.delta = this.sizes.slice(1).map((n) => new Float64Array(n));
    this.mid = 0.5 * (bias_V.low + bias_V.high);
    this.half = 0.5 * (bias_V.high - bias_V.low);
  }

  /** Zeroed gradient buffers shaped like `weights`. */
  zeroGradients(): Float64Array[] {
    return this.weights.map((w) => new Float64Array(w.length));
  }

  /** Class scores s_k for one sample (a fresh array). */
  scores(x: ArrayLike<number>): Float64Array {
    this.forward(x);
    return this.outputScores();
  }

  /** Prediction, Eq. 4.14: the class with the largest score. */
  predict(x: ArrayLike<number>): number {
    const s = this.scores(x);
    let best = 0;
    for (let k = 1; k < s.length; k++) if (s[k] > s[best]) best = k;
    return best;
  }

  /** The loss of one sample (Eq. 4.15, or its squared hinge). */
  loss(x: ArrayLike<number>, label: number): number {
    const s = this.scores(x);
    let cost = 0;
    for (let k = 0; k < s.length; k++) cost += 0.5 * this.error(s[k], k === label) ** 2;
    return cost;
  }

  /** e_k of the loss for a score against its one-hot target (1 for the label, else 0). */
  private error(score: number, labelled: boolean): number {
    const e = score - (labelled ? 1 : 0);
    if (this.config.loss === 'squared-error') return e;
    return labelled ? Math.min(0, e) : Math.max(0, e);
  }

  /** Backpropagation: adds ∂C/∂W of one sample to `grads` and returns its loss C. */
  accumulateGradient(x: ArrayLike<number>, label: number, grads: Float64Array[]): number {
    const s = this.scores(x);
    const last = this.delta.length - 1;
    const out = this.delta[last];
    let cost = 0;
    for (let k = 0; k < s.length; k++) {
      const err = this.error(s[k], k === label);
      cost += 0.5 * err * err;
      if (this.config.differentialOutputs) {
        out[2 * k] = err;
        out[2 * k + 1] = -err;
      } else out[k] = err;
    }
    for (let l = last; l >= 0; l--) {
      const d = this.delta[l];
      const pre = this.pre[l];
      for (let j = 0; j < d.length; j++) d[j] *= this.slope(pre[j]);
      const u = this.lines[l];
      const w = this.weights[l];
      const g = grads[l];
      const cols = d.length;
      const below = l > 0 ? this.delta[l - 1] : null;
      for (let r = 0; r < u.length; r++) {
        const ur = u[r];
        const off = r * cols;
        if (ur !== 0) for (let j = 0; j < cols; j++) g[off + j] += ur * d[j];
        if (below) {
          let back = 0;
          for (let j = 0; j < cols; j++) back += w[off + j] * d[j];
          below[r] = back;
        }
      }
    }
    return cost;
  }

  private forward(x: ArrayLike<number>): void {
    const n = this.config.features;
    if (x.length !== n) throw new RangeError(`sample has ${x.length} features, network expects ${n}`);
    this.lines[0].set(x);
    for (let l = 0; l < this.weights.length; l++) {
      const u = this.lines[l];
      const w = this.weights[l];
      const a = this.pre[l];
      const cols = a.length;
      a.fill(0);
      for (let r = 0; r < u.length; r++) {
        const ur = u[r];
        if (ur === 0) continue; // pixel inputs are mostly zero
        const off = r * cols;
        for (let j = 0; j < cols; j++) a[j] += ur * w[off + j];
      }
      const v = this.lines[l + 1];
      for (let j = 0; j < cols; j++) v[j] = this.activate(a[j]);
    }
  }

  private outputScores(): Float64Array {
    const v = this.lines[this.lines.length - 1];
    if (!this.config.differentialOutputs) return v.slice();
    const s = new Float64Array(this.config.classes);
    for (let k = 0; k < s.length; k++) s[k] = v[2 * k] - v[2 * k + 1];
    return s;
  }

  private activate(a: number): number {
    const { low, high } = this.config.bias_V;
    if (this.config.activation === 'hardtanh') return a < low ? low : a > high ? high : a;
    return this.mid + this.half * Math.tanh((a - this.mid) / this.half);
  }

  private slope(a: number): number {
    const { low, high } = this.config.bias_V;
    if (this.config.activation === 'hardtanh') return a > low && a < high ? 1 : 0;
    const t = Math.tanh((a - this.mid) / this.half);
    return 1 - t * t;
  }
}
