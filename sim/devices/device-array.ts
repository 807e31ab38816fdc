// A population of memristors sharing one parameter set, each with its own seeded device-to-device
// draw. Per-device quantities live in typed arrays (no per-device objects) so that a pulse costs a
// few arithmetic operations and at most two normal draws: training applies ~10^5 pulses per
// mini-batch. `g_S` is the live conductance array; the circuit solver holds the same array, so
// every update is in place.
import { Rng } from '../../src/util/random.ts';
import { driftRemaining } from './drift.ts';
import type { DeviceParams } from './params.ts';
import { pulseScale, resetShape, setShape, shapeConstants } from './response.ts';
import {
  lastClippedSteps,
  momentumPerDevice,
  momentumUniform,
  recordProgramming,
  stepPerDevice,
  stepUniform,
} from './step-kernels.ts';
import type { ShapeConstants } from './response.ts';
import { variationFactor } from './variation.ts';

export type PulsePolarity = 'set' | 'reset';

/** Where each device starts: one value for all, one per device, or (absent) uniform at random in
 * each device's own range. Clipped to the device's bounds. */
export type InitialConductance = number | Float64Array;

/** Full mutable state, for checkpoint and rollback. Per-device parameters are not included: they
 * are fixed by the constructor's seed. */
export interface DeviceArraySnapshot {
  g_S: Float64Array;
  programmedG_S: Float64Array;
  programmedAt_s: Float64Array;
  time_s: number;
  writeRngState: number[];
  readRngState: number[];
}

const NOT_STUCK = 0;

export class DeviceArray {
  /** Live conductances, siemens. Mutated in place by pulse, setAll and advanceTime. */
  readonly g_S: Float64Array;
  /** Each device's own bounds after device-to-device variation, siemens. */
  readonly deviceGMin_S: Float64Array;
  readonly deviceGMax_S: Float64Array;
  private readonly stepUp_S: Float64Array;
  private readonly stepDown_S: Float64Array;
  /** 0 = free, 1 = stuck (its g never changes). */
  private readonly stuck: Uint8Array;
  private readonly driftNu: Float64Array;
  /** Conductance and clock time of each device's last programming (drift reference). */
  private readonly programmedG_S: Float64Array;
  private readonly programmedAt_s: Float64Array;
  private readonly shape: ShapeConstants;
  private readonly driftOn: boolean;
  /** Every device has the same bounds (no gMin/gMax variation), and none is stuck: the bulk
   * write then streams only the values. */
  private readonly plain: boolean;
  private writeRng: Rng;
  private readRng: Rng;
  private clock_s = 0;

  constructor(
    readonly params: DeviceParams,
    readonly count: number,
    rng: Rng,
    init?: InitialConductance,
  ) {
    if (!Number.isInteger(count) || count < 0)
      throw new RangeError(`count must be an integer >= 0, got ${count}`);
    if (init instanceof Float64Array && init.length !== count) {
      throw new RangeError(`init has ${init.length} values for ${count} devices`);
    }
    this.shape = shapeConstants(params.response);
    this.driftOn = params.drift.law !== 'none';
    this.g_S = new Float64Array(count);
    this.deviceGMin_S = new Float64Array(count);
    this.deviceGMax_S = new Float64Array(count);
    this.stepUp_S = new Float64Array(count);
    this.stepDown_S = new Float64Array(count);
    this.stuck = new Uint8Array(count);
    this.driftNu = new Float64Array(count);
    this.programmedG_S = new Float64Array(count);
    this.programmedAt_s = new Float64Array(count);
    // Separate streams so that reads never shift the write noise sequence and vice versa.
    const deviceRng = rng.fork();
    this.writeRng = rng.fork();
    this.readRng = rng.fork();
    for (let i = 0; i < count; i++) this.drawDevice(i, deviceRng, init);
    this.plain =
      count > 0 &&
      this.stuck.every((x) => x === NOT_STUCK) &&
      isConstant(this.deviceGMin_S) &&
      isConstant(this.deviceGMax_S);
  }

  private drawDevice(i: number, rng: Rng, init: InitialConductance | undefined): void {
    const p = this.params;
    const v = p.variation;
    let [lo, hi] = this.drawBounds(rng);
    // Redraw the (rare) pairs whose variation makes the range empty.
    for (let attempt = 0; lo >= hi; attempt++) {
      if (attempt === 100)
        throw new RangeError('variation.gMin/gMax: spread too large, device ranges come out empty');
      [lo, hi] = this.drawBounds(rng);
    }
    this.deviceGMin_S[i] = lo;
    this.deviceGMax_S[i] = hi;
    const common = variationFactor(rng, v.step, v.distribution);
    const imbalance = v.upDown === 0 ? 0 : v.upDown * rng.normal();
    this.stepUp_S[i] = p.stepUp_S * common * Math.max(0, 1 + imbalance);
    this.stepDown_S[i] = p.stepDown_S * common * Math.max(0, 1 - imbalance);
    this.driftNu[i] = p.drift.nu * variationFactor(rng, p.drift.nuVariation, v.distribution);

    const start = init === undefined ? rng.range(lo, hi) : typeof init === 'number' ? init : init[i];
    if (Number.isNaN(start)) throw new RangeError(`init: value for device ${i} is NaN`);
    let g = Math.min(hi, Math.max(lo, start));
    const s = p.stuck;
    if (s.fraction > 0 && rng.uniform() < s.fraction) {
      this.stuck[i] = 1;
      const u = rng.uniform() * (s.atGMin + s.atGMax + s.atInitial);
      if (u < s.atGMin) g = lo;
      else if (u < s.atGMin + s.atGMax) g = hi;
    }
    this.g_S[i] = g;
    this.programmedG_S[i] = g;
  }

  private drawBounds(rng: Rng): [number, number] {
    const p = this.params;
    return [
      p.gMin_S * variationFactor(rng, p.variation.gMin, p.variation.distribution),
      p.gMax_S * variationFactor(rng, p.variation.gMax, p.variation.distribution),
    ];
  }

  /** Clock time of the drift model, seconds since construction. */
  get time_s(): number {
    return this.clock_s;
  }

  isStuck(index: number): boolean {
    this.checkIndex(index);
    return this.stuck[index] !== NOT_STUCK;
  }

  /** Applies `count` identical pulses to one device, one after the other; returns the total
   * change of its conductance (0 for a stuck device or a sub-threshold pulse). */
  pulse(index: number, polarity: PulsePolarity, amplitude_V: number, width_s: number, count = 1): number {
    this.checkIndex(index);
    if (!Number.isFinite(amplitude_V)) throw new RangeError(`amplitude_V must be finite, got ${amplitude_V}`);
    if (!(width_s > 0 && width_s < Infinity))
      throw new RangeError(`width_s must be > 0 and finite, got ${width_s}`);
    if (!Number.isInteger(count) || count < 0)
      throw new RangeError(`count must be an integer >= 0, got ${count}`);
    if (this.stuck[index] !== NOT_STUCK) return 0;
    const p = this.params;
    const up = polarity === 'set';
    const scale = pulseScale(
      amplitude_V,
      width_s,
      up ? p.pulse.set : p.pulse.reset,
      p.pulse.referenceWidth_s,
    );
    if (scale === 0 || count === 0) return 0;

    const lo = this.deviceGMin_S[index];
    const hi = this.deviceGMax_S[index];
    const span = hi - lo;
    const alpha = scale * (up ? this.stepUp_S[index] : this.stepDown_S[index]);
    const c2c = p.cycleToCycle;
    const writeNoise = p.writeNoise_S;
    const g0 = this.g_S[index];
    let g = g0;
    for (let k = 0; k < count; k++) {
      const x = (g - lo) / span;
      let step = alpha * (up ? setShape(this.shape, x) : resetShape(this.shape, x));
      if (c2c > 0) step *= Math.max(0, 1 + c2c * this.writeRng.normal());
      g += up ? step : -step;
      if (writeNoise > 0) g += writeNoise * this.writeRng.normal();
      g = g < lo ? lo : g > hi ? hi : g;
    }
    this.g_S[index] = g;
    if (this.driftOn) {
      this.programmedG_S[index] = g;
      this.programmedAt_s[index] = this.clock_s;
    }
    return g - g0;
  }

  /** One noisy read of a device's conductance (the state is not changed):
   * g + sqrt((fraction·g)² + floor_S²)·ξ. */
  read(index: number): number {
    this.checkIndex(index);
    return this.noisyRead(this.g_S[index]);
  }

  /** Noisy reads of devices start..start+length-1 (one crossbar array in the flat numbering). */
  readRange(start: number, length: number, out = new Float64Array(length)): Float64Array {
    if (
      !Number.isInteger(start) ||
      !Number.isInteger(length) ||
      start < 0 ||
      length < 0 ||
      start + length > this.count
    ) {
      throw new RangeError(`readRange(${start}, ${length}) is outside 0..${this.count}`);
    }
    if (out.length !== length) throw new RangeError(`out has ${out.length} slots for ${length} reads`);
    for (let k = 0; k < length; k++) out[k] = this.noisyRead(this.g_S[start + k]);
    return out;
  }

  /** Noisy reads of every device. */
  readAll(out = new Float64Array(this.count)): Float64Array {
    return this.readRange(0, this.count, out);
  }

  private noisyRead(g: number): number {
    const { fraction, floor_S } = this.params.readNoise;
    if (fraction === 0 && floor_S === 0) return g;
    const rel = fraction * g;
    return g + Math.sqrt(rel * rel + floor_S * floor_S) * this.readRng.normal();
  }

  /** Sets every free device to a value (or one value each), clipped to its own bounds; stuck
   * devices keep their value. Counts as programming for drift. One tight pass (the ideal training
   * mode writes every device every step). */
  setAll(g: number | Float64Array): void {
    const n = this.count;
    const v = typeof g === 'number' ? new Float64Array(n).fill(g) : g;
    if (v.length !== n) throw new RangeError(`setAll: ${v.length} values for ${n} devices`);
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(v[i])) throw new RangeError(`setAll: value for device ${i} is NaN`);
    }
    const out = this.g_S;
    const lo = this.deviceGMin_S;
    const hi = this.deviceGMax_S;
    const stuck = this.stuck;
    if (this.plain) {
      const l = lo[0];
      const h = hi[0];
      for (let i = 0; i < n; i++) out[i] = Math.min(h, Math.max(l, v[i]));
    } else {
      for (let i = 0; i < n; i++) {
        if (stuck[i] === NOT_STUCK) out[i] = Math.min(hi[i], Math.max(lo[i], v[i]));
      }
    }
    // Only the drift law reads the programming record (pulse() keeps it the same way).
    if (this.driftOn) {
      for (let i = 0; i < n; i++) {
        if (stuck[i] !== NOT_STUCK) continue;
        this.programmedG_S[i] = out[i];
        this.programmedAt_s[i] = this.clock_s;
      }
    }
  }

  /** Books a step pass over start..end-1: its change and clipped count, and the programming
   * record drift starts from. */
  private rangeStepped(
    start: number,
    end: number,
    change: number,
    report: { change_S: number; clipped: number },
  ): void {
    report.change_S += change;
    report.clipped += lastClippedSteps();
    if (this.driftOn) {
      recordProgramming(
        this.programmedG_S,
        this.programmedAt_s,
        this.g_S,
        this.stuck,
        start,
        end,
        this.clock_s,
      );
    }
  }

  private checkRange(operation: string, start: number, end: number): void {
    if (!(
      Number.isInteger(start) &&
      Number.isInteger(end) &&
      0 <= start &&
      start <= end &&
      end <= this.count
    )) {
      throw new RangeError(`${operation}(${start}, ${end}) is outside 0..${this.count}`);
    }
  }

  /** The ideal training mode's gradient step on devices start..end-1, in place and in one pass:
   * g_i ← clip(g_i − eta·gradient[i − start]) to [min_S, max_S] and the device's own bounds
   * (stuck devices keep their value); the same result as setAll of the clipped values. Counts as
   * programming for drift. Adds Σ|Δg| and the number of clipped steps into `report`. The arguments are the
   * caller's to check (finite gradient and eta, min_S <= max_S). */
  stepRange(
    start: number,
    end: number,
    gradient: Float64Array,
    eta: number,
    min_S: number,
    max_S: number,
    report: { change_S: number; clipped: number },
  ): void {
    this.checkRange('stepRange', start, end);
    if (gradient.length < end - start) {
      throw new RangeError(`gradient has ${gradient.length} values for ${end - start} devices`);
    }
    const g = this.g_S;
    const change = this.plain
      ? stepUniform(
          g,
          gradient,
          start,
          end,
          eta,
          ...clipInterval(min_S, max_S, this.deviceGMin_S[0], this.deviceGMax_S[0]),
        )
      : stepPerDevice(
          g,
          gradient,
          start,
          end,
          eta,
          min_S,
          max_S,
          this.deviceGMin_S,
          this.deviceGMax_S,
          this.stuck,
        );
    this.rangeStepped(start, end, change, report);
  }

  /** Classical momentum after a plain step of devices start..end-1 (stepRange, or a kernel that
   * writes g_S as it does) from the conductances `prev` (indexed like g_S): v_i ← mu·v_i +
   * (g_i − prev_i), g_i ← clip(prev_i + v_i) to [min_S, max_S] and the device's own bounds (stuck
   * devices keep their value). Counts as programming for drift. Adds Σ|g_i − prev_i| and the
   * number of clipped devices into `report`. The arguments are the caller's to check. */
  momentumRange(
    start: number,
    end: number,
    prev: Float64Array,
    velocity: Float64Array,
    mu: number,
    min_S: number,
    max_S: number,
    report: { change_S: number; clipped: number },
  ): void {
    this.checkRange('momentumRange', start, end);
    if (prev.length < end || velocity.length < end) {
      throw new RangeError(`prev and velocity must hold ${end} values`);
    }
    const g = this.g_S;
    const change = this.plain
      ? momentumUniform(
          g,
          prev,
          velocity,
          start,
          end,
          mu,
          ...clipInterval(min_S, max_S, this.deviceGMin_S[0], this.deviceGMax_S[0]),
        )
      : momentumPerDevice(
          g,
          prev,
          velocity,
          start,
          end,
          mu,
          min_S,
          max_S,
          this.deviceGMin_S,
          this.deviceGMax_S,
          this.stuck,
        );
    this.rangeStepped(start, end, change, report);
  }

  /** The interval [lo, hi] that a step clipped to [min_S, max_S] ends in for every device, when
   * the devices need nothing but the new value (the same bounds for all, none stuck, no drift
   * record): a caller may then write g_S directly, clipped to it, as stepRange does. Else null. */
  uniformStepBounds(min_S: number, max_S: number): [number, number] | null {
    if (!this.plain || this.driftOn) return null;
    return clipInterval(min_S, max_S, this.deviceGMin_S[0], this.deviceGMax_S[0]);
  }

  /** Advances the drift clock by dt_s and relaxes every free device toward its target level
   * (drift.ts). A no-op on the conductances when drift is off. */
  advanceTime(dt_s: number): void {
    if (!(dt_s >= 0 && dt_s < Infinity)) throw new RangeError(`dt_s must be >= 0 and finite, got ${dt_s}`);
    this.clock_s += dt_s;
    if (!this.driftOn) return;
    const drift = this.params.drift;
    for (let i = 0; i < this.count; i++) {
      if (this.stuck[i] !== NOT_STUCK) continue;
      const lo = this.deviceGMin_S[i];
      const target = lo + drift.targetFraction * (this.deviceGMax_S[i] - lo);
      const remaining = driftRemaining(drift, this.driftNu[i], this.clock_s - this.programmedAt_s[i]);
      this.g_S[i] = target + (this.programmedG_S[i] - target) * remaining;
    }
  }

  /** Copies the mutable state. Taking it drops the noise generators' cached normal variate, so
   * the array continues exactly as an array restored from this snapshot would. */
  snapshot(): DeviceArraySnapshot {
    return {
      g_S: this.g_S.slice(),
      programmedG_S: this.programmedG_S.slice(),
      programmedAt_s: this.programmedAt_s.slice(),
      time_s: this.clock_s,
      writeRngState: this.writeRng.state(),
      readRngState: this.readRng.state(),
    };
  }

  /** Restores a snapshot of this array (same count), in place: `g_S` stays the same array. */
  restore(s: DeviceArraySnapshot): void {
    for (const [name, a] of [
      ['g_S', s.g_S],
      ['programmedG_S', s.programmedG_S],
      ['programmedAt_s', s.programmedAt_s],
    ] as const) {
      if (a.length !== this.count)
        throw new RangeError(`snapshot.${name} has ${a.length} values for ${this.count} devices`);
    }
    this.g_S.set(s.g_S);
    this.programmedG_S.set(s.programmedG_S);
    this.programmedAt_s.set(s.programmedAt_s);
    this.clock_s = s.time_s;
    this.writeRng = Rng.fromState(s.writeRngState);
    this.readRng = Rng.fromState(s.readRngState);
  }

  private checkIndex(index: number): void {
    if (!(Number.isInteger(index) && index >= 0 && index < this.count)) {
      throw new RangeError(`device index ${index} is outside 0..${this.count - 1}`);
    }
  }
}

/** clip to [lo, hi] after clip to [min, max], as one interval: their intersection, or the bound
 * of [lo, hi] nearest [min, max] when they are disjoint. */
function clipInterval(min: number, max: number, lo: number, hi: number): [number, number] {
  if (max < lo) return [lo, lo];
  if (min > hi) return [hi, hi];
  return [Math.max(min, lo), Math.min(max, hi)];
}

function isConstant(a: Float64Array): boolean {
  for (let i = 1; i < a.length; i++) if (a[i] !== a[0]) return false;
  return true;
}
