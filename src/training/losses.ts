// Cost functions on the output node voltages and the nudging currents they prescribe.
//
// The nudged phase sources I_k = −β ∂C/∂V_k at every output node (thesis Theorem 4.2, §4.3.2).
// β is a conductance (S) and every cost here is in V², so β·∂C/∂V is a current in amperes
// (thesis §4.4.4). With differential outputs class k owns nodes 2k (Ŷk⁺) and 2k+1 (Ŷk⁻) and its
// score is s_k = Ŷk⁺ − Ŷk⁻ (thesis Eq. 4.14); single-ended outputs score s_k = Ŷk.
import type { NetworkLayout } from '../network/description.ts';

export interface SquaredErrorLossConfig {
  kind: 'squared-error';
  /** Target score of the labelled class and of every other class, V (one-hot: 1 and 0). */
  target: { on_V: number; off_V: number };
}

/** The squared error's one-sided form (squared hinge): no cost for a score already past its
 * target, the labelled class above `on_V` or another class below `off_V`. */
export interface SquaredHingeLossConfig {
  kind: 'squared-hinge';
  target: { on_V: number; off_V: number };
}

export interface CrossEntropyLossConfig {
  kind: 'cross-entropy';
  /** Softmax temperature T: p = softmax(s / T), V. */
  temperature_V: number;
}

export type LossConfig = SquaredErrorLossConfig | SquaredHingeLossConfig | CrossEntropyLossConfig;

/** A cost C(V_out, y) on the output node voltages (V) for a class label y. */
export interface Loss {
  readonly config: LossConfig;
  readonly differential: boolean;
  readonly classes: number;
  /** Output nodes the loss reads (= nudge channels). */
  readonly outputNodes: number;
  /** Class scores s_k into `into` (length = classes). */
  scores(out_V: Float64Array, into?: Float64Array): Float64Array;
  /** C in V². */
  cost(out_V: Float64Array, label: number): number;
  /** ∂C/∂V for every output node into `into` (length = outputNodes), V. */
  gradient(out_V: Float64Array, label: number, into?: Float64Array): Float64Array;
}

/** thesis Eq. 4.14: argmax of the scores (the first on ties). */
export function predictClass(scores: Float64Array): number {
  let best = 0;
  for (let k = 1; k < scores.length; k++) if (scores[k] > scores[best]) best = k;
  return best;
}

/** I = −β ∂C/∂V at every output node, A (thesis Theorem 4.2; Eq. 4.16 for the squared error). */
export function nudgingCurrents(
  loss: Loss,
  out_V: Float64Array,
  label: number,
  beta_S: number,
  into: Float64Array = new Float64Array(loss.outputNodes),
): Float64Array {
  loss.gradient(out_V, label, into);
  for (let i = 0; i < into.length; i++) into[i] *= -beta_S;
  return into;
}

export function createLoss(layout: NetworkLayout, config: LossConfig): Loss {
  const differential = layout.desc.differentialOutputs;
  const classes = layout.desc.outputs;
  const shape = { differential, classes, outputNodes: layout.outputNodes };
  switch (config.kind) {
    case 'squared-error':
      return new SquaredErrorLoss(config, shape);
    case 'squared-hinge':
      return new SquaredHingeLoss(config, shape);
    case 'cross-entropy':
      return new CrossEntropyLoss(config, shape);
  }
}

interface OutputShape {
  differential: boolean;
  classes: number;
  outputNodes: number;
}

abstract class ScoreLoss implements Loss {
  abstract readonly config: LossConfig;
  readonly differential: boolean;
  readonly classes: number;
  readonly outputNodes: number;
  protected readonly scratch: Float64Array;

  constructor(shape: OutputShape) {
    this.differential = shape.differential;
    this.classes = shape.classes;
    this.outputNodes = shape.outputNodes;
    this.scratch = new Float64Array(shape.classes);
  }

  scores(out_V: Float64Array, into: Float64Array = new Float64Array(this.classes)): Float64Array {
    if (out_V.length !== this.outputNodes) {
      throw new RangeError(
        `out_V has ${out_V.length} values, the network has ${this.outputNodes} output nodes`,
      );
    }
    for (let k = 0; k < this.classes; k++) {
      into[k] = this.differential ? out_V[2 * k] - out_V[2 * k + 1] : out_V[k];
    }
    return into;
  }

  abstract cost(out_V: Float64Array, label: number): number;

  /** ∂C/∂s_k into `dScores`. */
  protected abstract scoreGradient(s: Float64Array, label: number, dScores: Float64Array): void;

  gradient(
    out_V: Float64Array,
    label: number,
    into: Float64Array = new Float64Array(this.outputNodes),
  ): Float64Array {
    this.checkLabel(label);
    const s = this.scores(out_V, this.scratch);
    this.scoreGradient(s, label, s);
    // Chain rule through s_k = Ŷk⁺ − Ŷk⁻: ∂C/∂Ŷk⁺ = ∂C/∂s_k, ∂C/∂Ŷk⁻ = −∂C/∂s_k.
    for (let k = 0; k < this.classes; k++) {
      if (this.differential) {
        into[2 * k] = s[k];
        into[2 * k + 1] = -s[k];
      } else {
        into[k] = s[k];
      }
    }
    return into;
  }

  protected checkLabel(label: number): void {
    if (!Number.isInteger(label) || label < 0 || label >= this.classes) {
      throw new RangeError(`label ${label} is not a class index in 0..${this.classes - 1}`);
    }
  }
}

/** C = ½ Σ_k e_k² for a per-class error e_k of the score against its target; ∂C/∂s_k = e_k
 * wherever e_k is continuously differentiable in s_k. */
abstract class TargetLoss<C extends SquaredErrorLossConfig | SquaredHingeLossConfig> extends ScoreLoss {
  constructor(
    readonly config: C,
    shape: OutputShape,
  ) {
    super(shape);
  }

  /** e_k for class k's score when the label is `label`. */
  protected abstract error(score: number, k: number, label: number): number;

  cost(out_V: Float64Array, label: number): number {
    this.checkLabel(label);
    const s = this.scores(out_V, this.scratch);
    let c = 0;
    for (let k = 0; k < this.classes; k++) {
      const e = this.error(s[k], k, label);
      c += 0.5 * e * e;
    }
    return c;
  }

  protected scoreGradient(s: Float64Array, label: number, dScores: Float64Array): void {
    for (let k = 0; k < this.classes; k++) dScores[k] = this.error(s[k], k, label);
  }
}

/** thesis Eq. 4.15: C = ½ Σ_k (s_k − Y_k)²; its currents are Eq. 4.16. */
class SquaredErrorLoss extends TargetLoss<SquaredErrorLossConfig> {
  protected error(score: number, k: number, label: number): number {
    return score - (k === label ? this.config.target.on_V : this.config.target.off_V);
  }
}

/** C = ½ Σ_k e_k², e_y = min(0, s_y − on_V) and e_k = max(0, s_k − off_V) for k ≠ y: Eq. 4.15
 * with the error of a score already past its target dropped (the squared hinge of an L2-SVM,
 * Tang 2013). C is continuously differentiable, as EqProp's nudge I = −β ∂C/∂V needs (thesis
 * Theorem 4.2): ∂C/∂s_k = e_k, zero on both sides of each target. */
class SquaredHingeLoss extends TargetLoss<SquaredHingeLossConfig> {
  protected error(score: number, k: number, label: number): number {
    const { on_V, off_V } = this.config.target;
    return k === label ? Math.min(0, score - on_V) : Math.max(0, score - off_V);
  }
}

/** C = T² · (−log softmax(s/T)_y): the cross-entropy in nats scaled by T² so that C is in V² and
 * β stays a conductance. ∂C/∂s_k = T (p_k − [k = y]). */
class CrossEntropyLoss extends ScoreLoss {
  constructor(
    readonly config: CrossEntropyLossConfig,
    shape: OutputShape,
  ) {
    super(shape);
  }

  cost(out_V: Float64Array, label: number): number {
    this.checkLabel(label);
    const t = this.config.temperature_V;
    const s = this.scores(out_V, this.scratch);
    const logSumExp = logSumExpOver(s, t);
    return t * t * (logSumExp - s[label] / t);
  }

  protected scoreGradient(s: Float64Array, label: number, dScores: Float64Array): void {
    const t = this.config.temperature_V;
    const logSumExp = logSumExpOver(s, t);
    for (let k = 0; k < this.classes; k++) {
      const p = Math.exp(s[k] / t - logSumExp);
      dScores[k] = t * (p - (k === label ? 1 : 0));
    }
  }
}

/** log Σ exp(s_k / T), shifted by the maximum so that no exponential overflows. */
function logSumExpOver(s: Float64Array, t: number): number {
  let max = -Infinity;
  for (let k = 0; k < s.length; k++) max = Math.max(max, s[k] / t);
  let sum = 0;
  for (let k = 0; k < s.length; k++) sum += Math.exp(s[k] / t - max);
  return max + Math.log(sum);
}
