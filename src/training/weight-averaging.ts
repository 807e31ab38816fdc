// Weight averaging for the ideal mode: the run ends on the mean of the conductances it passed
// through over its last epochs instead of the last ones (Polyak & Juditsky 1992, averaged SGD;
// Izmailov et al. 2018, stochastic weight averaging). With one sample per step the conductances
// wander around the minimum the decaying η approaches; their mean sits closer to it. The mean is
// sampled every `everySteps` steps and written back through ideal access at the end of the
// window, before that epoch's test evaluation.
import type { IdealConductanceAccess } from '../capabilities/index.ts';
import type { TrainingConfig } from './config.ts';

export class ConductanceAverager {
  /** First epoch (numbered as the learning-rate schedule: 0 … epochs − 1) of the window. */
  readonly fromEpoch: number;
  /** The window's last epoch: its end writes the mean back. */
  readonly lastEpoch: number;
  readonly everySteps: number;
  private readonly sum: Float64Array;
  private readonly buffer: Float64Array;
  private count = 0;

  constructor(devices: number, window: { epochs: number; lastEpochs: number; everySteps: number }) {
    this.lastEpoch = window.epochs - 1;
    this.fromEpoch = window.epochs - window.lastEpochs;
    this.everySteps = window.everySteps;
    this.sum = new Float64Array(devices);
    this.buffer = new Float64Array(devices);
  }

  static of(config: TrainingConfig, devices: number): ConductanceAverager | null {
    const a = config.averaging;
    return a === undefined ? null : new ConductanceAverager(devices, { epochs: config.epochs, ...a });
  }

  /** Whether step `stepInEpoch` (0-based) of `epoch` ends on a sample of the mean. */
  samples(epoch: number, stepInEpoch: number): boolean {
    return epoch >= this.fromEpoch && epoch <= this.lastEpoch && (stepInEpoch + 1) % this.everySteps === 0;
  }

  /** Adds the present conductances to the mean. */
  add(ideal: IdealConductanceAccess): void {
    const g = ideal.read(this.buffer);
    const sum = this.sum;
    for (let d = 0; d < sum.length; d++) sum[d] += g[d];
    this.count++;
  }

  get samplesTaken(): number {
    return this.count;
  }

  /** Writes the mean back (the last conductances if no sample was taken) and starts a new mean.
   * Returns the samples averaged and the mean |Δg| the write made, S. */
  writeMean(ideal: IdealConductanceAccess): { samples: number; meanAbsChange_S: number } {
    const samples = this.count;
    if (samples === 0) return { samples, meanAbsChange_S: 0 };
    const last = ideal.read(this.buffer);
    const mean = new Float64Array(this.sum.length);
    let change = 0;
    for (let d = 0; d < mean.length; d++) {
      mean[d] = this.sum[d] / samples;
      change += Math.abs(mean[d] - last[d]);
    }
    ideal.write(mean);
    this.reset();
    return { samples, meanAbsChange_S: change / mean.length };
  }

  reset(): void {
    this.sum.fill(0);
    this.count = 0;
  }

  /** The running mean's state (count, then the sums), for a resumable run to store. */
  save(): Uint8Array {
    const out = new Float64Array(this.sum.length + 1);
    out[0] = this.count;
    out.set(this.sum, 1);
    return new Uint8Array(out.buffer);
  }

  /** Puts back a state from `save`; a state of another size throws a RangeError and changes
   * nothing. */
  restore(state: Uint8Array): void {
    if (state.byteLength !== (this.sum.length + 1) * 8) {
      throw new RangeError(
        `averaging state: ${state.byteLength} bytes, expected ${(this.sum.length + 1) * 8} for ${this.sum.length} devices`,
      );
    }
    const f = new Float64Array(state.buffer.slice(state.byteOffset, state.byteOffset + state.byteLength));
    this.count = f[0];
    this.sum.set(f.subarray(1));
  }
}
