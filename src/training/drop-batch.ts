// The ideal mode's mini-batch estimate as voltage-drop pairs (IdealGradient 'drops'): for each
// sample the two states its estimator compares and their weight, so that the bench forms the mean
// estimate while it steps the conductances, in one pass over them, instead of the pipeline writing
// and reading back a per-device array per sample (GradientAccumulator, the pulses mode's form).
import type { DropPair, IdealGradient } from '../capabilities/index.ts';
import type { NetworkLayout } from '../network/description.ts';

export class DropBatch {
  /** One pair per sample of the batch, reused from batch to batch. */
  private readonly slots: DropPair[] = [];
  /** The estimator's factor of each sample: 1/(4β) centered, 1/(2β) one-sided. */
  private readonly factors: number[] = [];
  private samples = 0;

  constructor(private readonly layout: NetworkLayout) {}

  get count(): number {
    return this.samples;
  }

  reset(): void {
    this.samples = 0;
  }

  /** The centered estimate (thesis Eq. 2.10 with the resistive form of Eq. 4.13):
   * ((ΔV^{+β})² − (ΔV^{−β})²) / (4β) from the ±β states. */
  addCenteredFromNodes(
    inputLines_V: Float64Array,
    plus_V: Float64Array,
    minus_V: Float64Array,
    beta_S: number,
  ): void {
    this.add(inputLines_V, plus_V, minus_V, 1 / (4 * beta_S));
  }

  /** The one-sided estimate (Eq. 4.13; β signed): ((ΔV^β)² − (ΔV^0)²) / (2β). */
  addOneSidedFromNodes(
    inputLines_V: Float64Array,
    free_V: Float64Array,
    nudged_V: Float64Array,
    beta_S: number,
  ): void {
    this.add(inputLines_V, nudged_V, free_V, 1 / (2 * beta_S));
  }

  /** The mean over the samples since the last reset (weights factor/count), for
   * IdealConductanceAccess.step: a view valid until the next add or reset. */
  mean(): IdealGradient {
    const n = this.samples;
    if (n === 0) throw new RangeError('DropBatch.mean: no samples were added');
    for (let i = 0; i < n; i++) this.slots[i].weight = this.factors[i] / n;
    return { kind: 'drops', pairs: this.slots.slice(0, n) };
  }

  private add(lines_V: Float64Array, a_V: Float64Array, b_V: Float64Array, factor: number): void {
    const { inputLines, floatingNodes } = this.layout;
    const i = this.samples;
    const slot = (this.slots[i] ??= {
      lines_V: new Float64Array(inputLines),
      a_V: new Float64Array(floatingNodes),
      b_V: new Float64Array(floatingNodes),
      weight: 0,
    });
    slot.lines_V.set(lines_V);
    slot.a_V.set(a_V);
    slot.b_V.set(b_V);
    this.factors[i] = factor;
    this.samples++;
  }
}
