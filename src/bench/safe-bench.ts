// The safety interlock every bench is wrapped in (docs/bench-config.md, "Safety"). It sits
// between the pipeline and any BenchCapabilities (the SimBoard, or drivers composed by the
// wiring), so no code path above can bypass it:
// - every request is checked against the configured limits before it is delegated (LimitError
//   naming the field and channel; nothing is sent); a malformed request (wrong length, an array or
//   device not on the bench, a negative delay) is a RangeError, also before anything is sent;
// - level changes larger than the configured ramp step are split into steps, `interDelay_s`
//   apart on the bench's own timebase;
// - any error of a delegated call drives the bench to its safe state, latches a fault (reported
//   to the logger and to onFault listeners) and is rethrown; while a fault is latched every call
//   but safeState() is refused with BenchFaultedError, until clearFault();
// - runStep() supervises a unit of work with a watchdog: no capability call for `watchdog_s`
//   → the step's AbortSignal fires, the bench goes safe, the fault latches and the step's
//   promise rejects with StalledStepError (whatever the stalled code does afterwards).
import type { Logger } from 'pino';
import type {
  BenchCapabilities,
  ConductanceReader,
  CurrentSource,
  IdealConductanceAccess,
  NodeSampler,
  Pulse,
  PulseProgrammer,
  SampleOptions,
  Timebase,
  VoltageSource,
} from '../capabilities/index.ts';
import { LimitError } from '../capabilities/index.ts';
import type { BenchLimits, LevelRange } from '../config/index.ts';
import { rampSteps } from '../../drivers/instruments/ramp.ts';
import { BenchFaultedError, SafeStateTimeoutError, StalledStepError, type BenchFault } from './errors.ts';

export interface SafeBenchOptions {
  limits: BenchLimits;
  /** A supervised step with no capability call for this long is stalled, s. */
  watchdog_s: number;
  /** Longest wait for the safe state, s. */
  safeStateTimeout_s: number;
  logger?: Logger;
}

type FaultListener = (fault: BenchFault) => void;

export class SafeBench implements BenchCapabilities {
  readonly inputs: VoltageSource;
  readonly nudge: CurrentSource;
  readonly sampler: NodeSampler;
  readonly programmer: PulseProgrammer;
  readonly reader: ConductanceReader;
  readonly timebase: Timebase;
  readonly ideal?: IdealConductanceAccess;
  readonly #inner: BenchCapabilities;
  readonly #options: SafeBenchOptions;
  readonly #lineLimits: readonly LevelRange[];
  readonly #nodeLimits: readonly LevelRange[];
  /** Levels last set through this interlock (0 after the safe state): where a ramp starts. */
  readonly #lineLevels: Float64Array;
  readonly #nodeLevels: Float64Array;
  readonly #listeners = new Set<FaultListener>();
  #fault: BenchFault | undefined;
  #watchdog: { feed(extra_s: number): void } | undefined;

  constructor(inner: BenchCapabilities, options: SafeBenchOptions) {
    this.#inner = inner;
    this.#options = options;
    const { limits } = options;
    this.#lineLimits = expand(limits.inputVoltage_V, inner.inputs.channels);
    this.#nodeLimits = expand(limits.nudgeCurrent_A, inner.nudge.channels);
    this.#lineLevels = new Float64Array(inner.inputs.channels);
    this.#nodeLevels = new Float64Array(inner.nudge.channels);
    this.inputs = {
      kind: 'voltage-source',
      channels: inner.inputs.channels,
      range: narrow(inner.inputs.range, this.#lineLimits),
      setVoltages: (levels) => this.#setLevels('inputs', levels),
      safeState: () => this.safeState(),
    };
    this.nudge = {
      kind: 'current-source',
      channels: inner.nudge.channels,
      range: narrow(inner.nudge.range, this.#nodeLimits),
      setCurrents: (levels) => this.#setLevels('nudge', levels),
      safeState: () => this.safeState(),
    };
    this.sampler = {
      kind: 'node-sampler',
      channels: inner.sampler.channels,
      sampleAndRead: async (options) => {
        checkSampleOptions(options);
        return this.#call('sampler.sampleAndRead', () => inner.sampler.sampleAndRead(options));
      },
    };
    this.programmer = {
      kind: 'pulse-programmer',
      maxCount: Math.min(limits.pulse.count, inner.programmer.maxCount ?? Infinity),
      applyPulses: async (batch) => {
        this.#checkPulses(batch);
        return this.#call('programmer.applyPulses', () => inner.programmer.applyPulses(batch));
      },
      safeState: () => this.safeState(),
    };
    this.reader = {
      kind: 'conductance-reader',
      arrays: inner.reader.arrays,
      readConductances: async (array, readVoltage_V) => {
        if (!inside(array, inner.reader.arrays.length)) {
          throw new RangeError(
            `reader.array: ${array} is not one of the bench's arrays 0..${inner.reader.arrays.length - 1}`,
          );
        }
        const max = limits.readVoltage_V;
        check('reader.readVoltage_V', readVoltage_V, { min: -max, max });
        return this.#call('reader.readConductances', () =>
          inner.reader.readConductances(array, readVoltage_V),
        );
      },
    };
    this.timebase = {
      kind: 'timebase',
      now: () => inner.timebase.now(),
      wait: (seconds) => {
        if (!(seconds >= 0 && Number.isFinite(seconds))) {
          return Promise.reject(new RangeError(`timebase.wait: ${seconds} s is not a finite duration >= 0`));
        }
        return this.#call('timebase.wait', () => inner.timebase.wait(seconds), seconds);
      },
    };
    const ideal = inner.ideal;
    if (ideal !== undefined) {
      this.ideal = {
        kind: 'ideal-conductance-access',
        read: (out) => {
          this.#refuseIfFaulted();
          return ideal.read(out);
        },
        write: (g_S) => {
          this.#refuseIfFaulted();
          ideal.write(g_S);
        },
        step: (gradient, eta, range, momentum) => {
          this.#refuseIfFaulted();
          return ideal.step(gradient, eta, range, momentum);
        },
      };
    }
  }

  /** The latched fault, if any. */
  get fault(): BenchFault | undefined {
    return this.#fault;
  }

  /** Calls `listener` with every fault as it latches (after the safe state was attempted).
   * Returns the function that removes it. */
  /** The configured limits every request is checked against. */
  get limits(): BenchLimits {
    return this.#options.limits;
  }

  onFault(listener: FaultListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Accepts driving calls again after a fault (whoever calls it has dealt with the cause). */
  clearFault(): void {
    this.#fault = undefined;
  }

  /**
   * Every source to zero and every output off, at once (no ramp), on every instrument. Always
   * allowed, also while a fault is latched. A failure or a timeout latches a fault and throws.
   */
  async safeState(): Promise<void> {
    this.#lineLevels.fill(0);
    this.#nodeLevels.fill(0);
    try {
      await this.#innerSafeState();
    } catch (error) {
      this.#latch({ operation: 'safeState', error, at: new Date(), safeStateError: error });
      throw error;
    }
  }

  /**
   * Runs `work` under the watchdog: if no capability call starts or ends for `watchdog_s`
   * (a timebase wait counts for its duration), the step is stalled. One step at a time.
   */
  async runStep<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (this.#fault !== undefined) throw new BenchFaultedError(this.#fault);
    if (this.#watchdog !== undefined) throw new Error('a supervised step is already running on this bench');
    const controller = new AbortController();
    const { watchdog_s } = this.#options;
    let timer: NodeJS.Timeout | undefined;
    // Settles (rejecting with StalledStepError) once the stalled bench is in its safe state.
    let stall: Promise<never> | undefined;
    const stalled = new Promise<never>((_, reject) => {
      const onStall = () => {
        const error = new StalledStepError(watchdog_s);
        // The fault latches inside #trip before its first await, so whatever the step does once
        // it sees the abort is refused.
        stall = this.#trip('watchdog', error).then(() => Promise.reject(error));
        controller.abort(error);
        stall.catch(reject);
      };
      this.#watchdog = {
        feed: (extra_s) => {
          clearTimeout(timer);
          timer = setTimeout(onStall, (watchdog_s + extra_s) * 1000);
        },
      };
    });
    this.#watchdog!.feed(0);
    try {
      const result = await Promise.race([work(controller.signal), stalled]);
      if (stall !== undefined) await stall;
      return result;
    } catch (error) {
      if (stall !== undefined) await stall;
      throw error;
    } finally {
      clearTimeout(timer);
      this.#watchdog = undefined;
    }
  }

  async #setLevels(which: 'inputs' | 'nudge', levels: Float64Array): Promise<void> {
    const [limits, current, quantity, channel, stepSize] =
      which === 'inputs'
        ? [this.#lineLimits, this.#lineLevels, 'voltage_V', 'line', this.#options.limits.ramp?.voltageStep_V]
        : [this.#nodeLimits, this.#nodeLevels, 'current_A', 'node', this.#options.limits.ramp?.currentStep_A];
    if (levels.length !== limits.length) {
      throw new RangeError(`${which}: ${levels.length} levels for ${limits.length} channels`);
    }
    levels.forEach((level, k) => check(`${which}.${channel}${k}.${quantity}`, level, limits[k]));
    const steps = stepSize === undefined ? [Float64Array.from(levels)] : rampSteps(current, levels, stepSize);
    const interDelay_s = this.#options.limits.ramp?.interDelay_s ?? 0;
    for (let k = 0; k < steps.length; k++) {
      if (k > 0 && interDelay_s > 0) await this.timebase.wait(interDelay_s);
      const step = steps[k];
      await this.#call(`${which}.set`, () =>
        which === 'inputs' ? this.#inner.inputs.setVoltages(step) : this.#inner.nudge.setCurrents(step),
      );
      current.set(step);
    }
  }

  #checkPulses(batch: readonly Pulse[]): void {
    const { pulse } = this.#options.limits;
    const arrays = this.#inner.reader.arrays;
    batch.forEach((p, i) => {
      const geometry = arrays[p.array];
      if (geometry === undefined || !inside(p.row, geometry.rows) || !inside(p.col, geometry.cols)) {
        throw new RangeError(
          `pulses[${i}]: device (${p.array}, ${p.row}, ${p.col}) is not on the bench's arrays`,
        );
      }
      check(`pulses[${i}].amplitude_V`, p.amplitude_V, { min: -pulse.amplitude_V, max: pulse.amplitude_V });
      check(`pulses[${i}].width_s`, p.width_s, pulse.width_s);
      const count = p.count ?? 1;
      if (!Number.isInteger(count)) throw new RangeError(`pulses[${i}].count=${count} is not an integer`);
      check(`pulses[${i}].count`, count, { min: 1, max: pulse.count });
    });
  }

  /** Delegates one call: refused while faulted, fed to the watchdog, and on failure the bench
   * goes safe and the fault latches before the error is rethrown. */
  async #call<T>(operation: string, delegate: () => Promise<T>, duration_s = 0): Promise<T> {
    this.#refuseIfFaulted();
    this.#watchdog?.feed(duration_s);
    try {
      return await delegate();
    } catch (error) {
      await this.#trip(operation, error);
      throw error;
    } finally {
      this.#watchdog?.feed(0);
    }
  }

  #refuseIfFaulted(): void {
    if (this.#fault !== undefined) throw new BenchFaultedError(this.#fault);
  }

  /** Latches the fault at once (so every later call is refused), then drives the bench safe. */
  async #trip(operation: string, error: unknown): Promise<void> {
    if (this.#fault !== undefined) return;
    const fault: BenchFault = { operation, error, at: new Date() };
    this.#fault = fault;
    this.#lineLevels.fill(0);
    this.#nodeLevels.fill(0);
    try {
      await this.#innerSafeState();
    } catch (safeStateError) {
      fault.safeStateError = safeStateError;
    }
    this.#notify(fault);
  }

  #latch(fault: BenchFault): void {
    this.#fault ??= fault;
    this.#notify(fault);
  }

  #notify(fault: BenchFault): void {
    this.#options.logger?.error(
      { operation: fault.operation, err: fault.error, safeStateError: fault.safeStateError },
      fault.safeStateError === undefined
        ? 'bench fault: outputs driven to the safe state'
        : 'bench fault: SAFE STATE FAILED',
    );
    for (const listener of this.#listeners) listener(fault);
  }

  async #innerSafeState(): Promise<void> {
    const timeout_s = this.#options.safeStateTimeout_s;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SafeStateTimeoutError(timeout_s)), timeout_s * 1000);
    });
    try {
      await Promise.race([this.#inner.safeState(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** One range per channel from a single range or a per-channel list (sized by the config check). */
export function expand(limit: LevelRange | readonly LevelRange[], channels: number): readonly LevelRange[] {
  if (!Array.isArray(limit)) return Array.from({ length: channels }, () => limit as LevelRange);
  if (limit.length !== channels)
    throw new RangeError(`${limit.length} limit ranges for ${channels} channels`);
  return limit;
}

/** The range every channel may reach: the inner range narrowed by every channel's limit. */
function narrow(range: { min: number; max: number }, limits: readonly LevelRange[]) {
  return Object.freeze({
    min: Math.max(range.min, ...limits.map((l) => l.min)),
    max: Math.min(range.max, ...limits.map((l) => l.max)),
  });
}

/** LimitError unless min <= value <= max (NaN never passes). */
function check(field: string, value: number, range: { min: number; max: number }): void {
  if (!(value >= range.min && value <= range.max)) throw new LimitError(field, value, range);
}

/** A malformed request is the caller's error (RangeError), not an instrument fault. */
function checkSampleOptions(options: SampleOptions | undefined): void {
  const { delay_s = 0, averages = 1 } = options ?? {};
  if (!(delay_s >= 0 && Number.isFinite(delay_s))) {
    throw new RangeError(`sampler.delay_s: ${delay_s} s is not a finite duration >= 0`);
  }
  if (!(Number.isInteger(averages) && averages >= 1)) {
    throw new RangeError(`sampler.averages: ${averages} is not an integer >= 1`);
  }
}

const inside = (index: number, count: number) => Number.isInteger(index) && index >= 0 && index < count;
