// The in-process simulated crossbar board: the layered circuit physics, the memristor device
// models and the measurement chain behind the capability interfaces, on a virtual clock.
//
// Time is physical: every source change and every hold happens at the board's clock time, and
// the node voltages between them follow the circuit's transient with its node capacitances. A
// hold taken too soon after a source change returns an unsettled value, as on a real board; once
// more than `settledAfterTimeConstants` slowest time constants have passed the circuit is at its
// DC operating point, and one warm-started DC solve gives it exactly (to floating-point precision)
// at a fraction of the cost of integrating. That solve is made only when the state is needed (a
// hold, a transient from it, a source or conductance change that the next interval might not
// outlast); a state at the operating point of the present sources and conductances stays there.
import type {
  BenchCapabilities,
  ConductanceReader,
  CurrentSource,
  IdealConductanceAccess,
  IdealGradient,
  IdealStepRange,
  IdealStepReport,
  NodeSampler,
  Pulse,
  PulseProgrammer,
  PulseReport,
  SampleOptions,
  Timebase,
  VoltageSource,
} from '../../src/capabilities/index.ts';
import { LimitError } from '../../src/capabilities/index.ts';
import { layoutNetwork } from '../../src/network/description.ts';
import type { NetworkLayout } from '../../src/network/description.ts';
import { Rng } from '../../src/util/random.ts';
import { DeviceArray, parseDeviceParams } from '../devices/index.ts';
import type { DeviceParams, DeviceParamsInput, DevicePresetName } from '../devices/index.ts';
import { Dac, DacChannelErrors, MeasurementChain } from '../measurement/index.ts';
import { LayeredCircuit } from '../network/layered-circuit.ts';
import { simBoardConfigSchema } from './config.ts';
import { IdealStepper } from './ideal-step.ts';
import type { SimBoardConfig, SimBoardConfigInput } from './config.ts';

/** e^-40 ≈ 4e-18: after this many slowest time constants no transient is left in a double. */
const settledAfterTimeConstants = 40;

/** Conductance of a reverse-biased junction in the time-constant linearisation (GMIN), S. */
const diodeOff_S = 1e-12;

/** The circuit did not reach a solution: a fault of the simulated board. */
export class SimulationError extends Error {
  override readonly name = 'SimulationError';
}

export interface SimBoardStatistics {
  dcSolves: number;
  /** Newton iterations summed over the DC solves (LayeredCircuit.solveDc). */
  newtonIterations: number;
  transientIntegrations: number;
  pulsesApplied: number;
}

export class SimBoard implements BenchCapabilities {
  readonly config: SimBoardConfig;
  readonly layout: NetworkLayout;
  readonly deviceParams: DeviceParams;
  readonly devices: DeviceArray;
  readonly circuit: LayeredCircuit;
  readonly inputs: VoltageSource;
  readonly nudge: CurrentSource;
  readonly sampler: NodeSampler;
  readonly programmer: PulseProgrammer;
  readonly reader: ConductanceReader;
  readonly timebase: Timebase;
  readonly ideal: IdealConductanceAccess;
  readonly statistics: SimBoardStatistics = {
    dcSolves: 0,
    newtonIterations: 0,
    transientIntegrations: 0,
    pulsesApplied: 0,
  };

  private readonly dac: Dac;
  /** Hidden per-channel DAC gain and offset errors (what a DAC calibration recovers). */
  readonly dacErrors: DacChannelErrors;
  private readonly chain: MeasurementChain;
  private readonly appliedInputs_V: Float64Array;
  private readonly dacOutput_V: Float64Array<ArrayBuffer>;
  private readonly appliedNudge_A: Float64Array;
  /** True node voltages at `stateTime_s`. */
  private v_V: Float64Array;
  private stateTime_s = 0;
  private clock_s = 0;
  private tauMax_s = 0;
  private tauStale = true;
  /** An upper bound on tauMax_s for one solve (LayeredCircuit.timeConstantBound). */
  private tauBound_s = 0;
  private tauBoundStale = true;
  /** v_V is the DC operating point of the applied sources and the present conductances. */
  private atRest = false;
  /** The state is that operating point, not yet solved for (v_V is an earlier state, kept as the
   * warm start). Never together with atRest. */
  private pending = false;
  /** An upper bound on the slowest time constant at any conductances the devices can take: a
   * pulse batch lasting 40 of it ends at the operating point of the new conductances whatever
   * the state it started from. */
  private readonly tauWorst_s: number;
  /** Made on the first ideal step (its buffers are of no use to a board programmed by pulses). */
  private stepper: IdealStepper | undefined;
  /** Read-out inputs switched by a calibration relay to an external source: node → its level, V
   * (the node itself is untouched; the read-out chain converts the level instead). */
  private readonly forcedReadout = new Map<number, number>();

  constructor(input: SimBoardConfigInput) {
    this.config = simBoardConfigSchema.parse(input);
    this.layout = layoutNetwork(this.config.network);
    this.deviceParams = parseDevices(this.config.devices);
    const rng = new Rng(this.config.seed);
    const { totalDevices } = this.layout;
    const initial = this.config.initialConductance;
    const { gMin_S, gMax_S } = this.deviceParams;
    const start = initial === 'random' ? { min_S: gMin_S, max_S: gMax_S } : initial;
    const init = typeof start === 'number' ? start : randomConductances(totalDevices, start, rng.fork());
    this.devices = new DeviceArray(this.deviceParams, totalDevices, rng.fork(), init);
    this.circuit = new LayeredCircuit(this.layout, this.devices.g_S);
    this.dac = new Dac(this.config.dac);
    this.chain = new MeasurementChain(this.config.chain, this.layout.floatingNodes, rng.fork());
    // Forked after every other stream so that adding it changed no existing draw.
    this.dacErrors = new DacChannelErrors(this.config.dacErrors, this.layout.inputLines, rng.fork());
    const readout = this.config.readoutChannels;
    if (readout) {
      for (const [field, list] of Object.entries(readout)) {
        if (list.length !== this.layout.floatingNodes) {
          throw new RangeError(
            `readoutChannels.${field}: ${list.length} values for ${this.layout.floatingNodes} channels`,
          );
        }
      }
      this.chain.amplifier.gain.set(readout.gain);
      this.chain.amplifier.offset_V.set(readout.offset_V);
    }
    this.tauWorst_s = worstCaseTimeConstant(this.layout, this.devices.deviceGMin_S);
    this.appliedInputs_V = new Float64Array(this.layout.inputLines);
    this.dacOutput_V = new Float64Array(this.layout.inputLines);
    this.appliedNudge_A = new Float64Array(this.layout.outputNodes);
    this.v_V = this.equilibrium(new Float64Array(this.layout.floatingNodes).fill(0));

    const limits = this.config.limits;
    const dacRange = { min: this.config.dac.min_V, max: this.config.dac.max_V };
    this.inputs = {
      kind: 'voltage-source',
      channels: this.layout.inputLines,
      range: {
        min: Math.max(limits.inputVoltage_V.min, dacRange.min),
        max: Math.min(limits.inputVoltage_V.max, dacRange.max),
      },
      setVoltages: async (levels) => this.setInputs(levels),
      safeState: async () => this.applySources(this.appliedInputs_V.fill(0), null),
    };
    this.nudge = {
      kind: 'current-source',
      channels: this.layout.outputNodes,
      range: { ...limits.nudgeCurrent_A },
      setCurrents: async (levels) => this.setNudge(levels),
      safeState: async () => this.applySources(null, this.appliedNudge_A.fill(0)),
    };
    this.sampler = {
      kind: 'node-sampler',
      channels: this.layout.floatingNodes,
      sampleAndRead: async (options) => this.sampleAndRead(options),
    };
    this.programmer = {
      kind: 'pulse-programmer',
      maxCount: this.config.limits.pulseCount.max,
      applyPulses: async (batch) => this.applyPulses(batch),
      safeState: async () => undefined,
    };
    this.reader = {
      kind: 'conductance-reader',
      arrays: this.layout.arrays.map((a) => ({ ...a })),
      readConductances: async (array, readVoltage_V) => this.readConductances(array, readVoltage_V),
    };
    this.timebase = {
      kind: 'timebase',
      wait: async (seconds) => this.advanceClock('seconds', seconds),
      now: () => this.clock_s,
    };
    this.ideal = {
      kind: 'ideal-conductance-access',
      read: (out) => {
        if (out === undefined) return this.devices.g_S.slice();
        if (out.length !== totalDevices) {
          throw new RangeError(`out has ${out.length} slots, the network has ${totalDevices} devices`);
        }
        out.set(this.devices.g_S);
        return out;
      },
      write: (g_S) => {
        if (g_S.length !== totalDevices) {
          throw new RangeError(`g_S has ${g_S.length} values, the network has ${totalDevices} devices`);
        }
        this.settleUntilNow();
        this.resolve();
        this.devices.setAll(g_S);
        this.stepper?.restoreVelocity(undefined);
        this.conductancesChanged();
      },
      step: (gradient, eta, range, momentum) => this.idealStep(gradient, eta, range, momentum),
    };
  }

  /** Sources to zero. The pulse engine is idle between calls, so nothing else is live. */
  async safeState(): Promise<void> {
    this.applySources(this.appliedInputs_V.fill(0), this.appliedNudge_A.fill(0));
  }

  /** The read-out noise stream's state (the ADC's: the only generator the measurement chain
   * draws from after construction), saved with the device state for crash-safe resume. */
  readoutRngState(): number[] {
    return this.chain.adc.rngState();
  }

  restoreReadoutRng(state: readonly number[]): void {
    this.chain.adc.restoreRng(state);
  }

  /** The ideal mode's momentum velocity (IdealConductanceAccess.step), S per device, a copy; or
   * undefined while it is zero. Part of the simulation state saved for crash-safe resume. The rule
   * that keeps it meaningful: any change of the conductances other than an ideal step (ideal.write,
   * a pulse batch that moves a conductance) zeroes all of it; drift does not. */
  idealVelocity(): Float64Array | undefined {
    return this.stepper?.velocityState();
  }

  /** Puts back a velocity from idealVelocity (undefined: zero). After the conductances: writing
   * them zeroes it. */
  restoreIdealVelocity(v: Float64Array | undefined): void {
    if (v === undefined) this.stepper?.restoreVelocity(undefined);
    else (this.stepper ??= new IdealStepper(this.layout, this.devices)).restoreVelocity(v);
  }

  /** Switches node `node`'s read-out input to an external level (V), or back to the node
   * (undefined): the board's calibration relay, as an SMU sourcing on it sets it. */
  forceReadout(node: number, level_V: number | undefined): void {
    if (!Number.isInteger(node) || node < 0 || node >= this.layout.floatingNodes) {
      throw new RangeError(`node ${node} is outside 0..${this.layout.floatingNodes - 1}`);
    }
    if (level_V === undefined) this.forcedReadout.delete(node);
    else this.forcedReadout.set(node, level_V);
  }

  /** The true (noise-free, unquantised) node voltages right now: for tests and diagnostics. */
  trueNodeVoltages(): Float64Array {
    this.settleUntilNow();
    this.resolve();
    return Float64Array.from(this.v_V);
  }

  /** The input-line voltages the DAC actually outputs (after quantisation and channel errors). */
  appliedInputs(): Float64Array {
    return Float64Array.from(this.appliedInputs_V);
  }

  /** Slowest time constant of the node dynamics at the present conductances, s. */
  slowestTimeConstant(): number {
    if (this.tauStale) {
      this.tauMax_s = this.circuit.slowestTimeConstant(diodeOff_S);
      this.tauStale = false;
    }
    return this.tauMax_s;
  }

  private setInputs(levels: Float64Array): void {
    checkLength('inputs.levels', levels, this.layout.inputLines);
    checkLimits('inputs', levels, this.inputs.range);
    // Quantised into a reused buffer: applySources copies what it keeps.
    const quantized = this.dac.quantize(levels, this.dacOutput_V);
    this.applySources(this.dacErrors.apply(quantized), null);
  }

  private setNudge(levels: Float64Array): void {
    checkLength('nudge.levels', levels, this.layout.outputNodes);
    checkLimits('nudge', levels, this.nudge.range);
    this.applySources(null, levels);
  }

  /** Brings the node state up to now under the old sources, then switches the sources. */
  private applySources(inputs_V: Float64Array | null, nudge_A: Float64Array | null): void {
    this.settleUntilNow();
    const newInputs = inputs_V !== null && differs(inputs_V, this.appliedInputs_V);
    const newNudge = nudge_A !== null && differs(nudge_A, this.appliedNudge_A);
    if (!newInputs && !newNudge) return;
    this.resolve(); // the state the new sources start from
    if (newInputs && inputs_V !== this.appliedInputs_V) this.appliedInputs_V.set(inputs_V);
    if (newNudge && nudge_A !== this.appliedNudge_A) this.appliedNudge_A.set(nudge_A);
    this.atRest = false;
  }

  private sampleAndRead(options: SampleOptions = {}): Float64Array {
    const delay = options.delay_s ?? 0;
    const averages = options.averages ?? 1;
    if (!(delay >= 0 && Number.isFinite(delay))) {
      throw new RangeError(`sampler.delay_s must be a finite number >= 0, got ${delay}`);
    }
    if (!Number.isInteger(averages) || averages < 1) {
      throw new RangeError(`sampler.averages must be an integer >= 1, got ${averages}`);
    }
    this.advanceClock('sampler.delay_s', delay);
    this.settleUntilNow();
    this.resolve();
    let input = this.v_V;
    if (this.forcedReadout.size > 0) {
      input = Float64Array.from(this.v_V);
      for (const [node, level] of this.forcedReadout) input[node] = level;
    }
    const out = this.chain.convert(input, this.config.holdToRead_s, averages);
    const conversions =
      this.config.holdToRead_s + (averages - 1) * this.chain.adc.params.conversionInterval_s;
    this.advanceClock('conversion time', conversions);
    return out;
  }

  private applyPulses(batch: readonly Pulse[]): PulseReport {
    const index = this.checkPulses(batch);
    this.settleUntilNow();
    let length = 0;
    for (let i = 0; i < batch.length; i++) length += (batch[i].count ?? 1) * batch[i].width_s;
    // The batch outlasts every time constant the devices allow: the state it starts from is
    // forgotten by its end, so a pending operating point need not be solved for.
    if (!(length >= settledAfterTimeConstants * this.tauWorst_s)) this.resolve();
    let applied = 0;
    let duration = 0;
    let changed = false;
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i];
      const count = p.count ?? 1;
      const delta = this.devices.pulse(index[i], p.polarity, p.amplitude_V, p.width_s, count);
      if (delta !== 0) {
        this.circuit.conductanceChanged(index[i], delta);
        changed = true;
      }
      applied += count;
      duration += count * p.width_s;
    }
    this.statistics.pulsesApplied += applied;
    if (changed) {
      this.stepper?.restoreVelocity(undefined);
      this.conductancesChanged(false);
    }
    this.advanceClock('pulse duration', duration);
    return { applied };
  }

  /** Validates the whole batch before anything is applied (a rejected batch changes nothing);
   * returns each pulse's flat device index. The messages are built only for a bad pulse. */
  private checkPulses(batch: readonly Pulse[]): Int32Array {
    const { pulseAmplitude_V: amp, pulseWidth_s: width, pulseCount } = this.config.limits;
    const arrays = this.layout.arrays;
    const offsets = this.layout.deviceOffsets;
    const index = new Int32Array(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const p = batch[i];
      const geometry = arrays[p.array];
      const count = p.count ?? 1;
      const ok =
        geometry !== undefined &&
        Number.isInteger(p.array) &&
        Number.isInteger(p.row) &&
        p.row >= 0 &&
        p.row < geometry.rows &&
        Number.isInteger(p.col) &&
        p.col >= 0 &&
        p.col < geometry.cols &&
        (p.polarity === 'set' || p.polarity === 'reset') &&
        p.amplitude_V >= amp.min &&
        p.amplitude_V <= amp.max &&
        p.width_s >= width.min &&
        p.width_s <= width.max &&
        Number.isInteger(count) &&
        count >= pulseCount.min &&
        count <= pulseCount.max;
      if (!ok) this.rejectPulse(p, i);
      index[i] = offsets[p.array] + p.row * geometry.cols + p.col;
    }
    return index;
  }

  /** Throws the error naming the first bad field of pulse `i`. */
  private rejectPulse(p: Pulse, i: number): never {
    const limits = this.config.limits;
    const field = `batch[${i}]`;
    const geometry = this.layout.arrays[p.array];
    if (!Number.isInteger(p.array) || geometry === undefined) {
      throw new RangeError(
        `${field}.array: no array ${p.array} (the board has ${this.layout.arrays.length})`,
      );
    }
    if (!Number.isInteger(p.row) || p.row < 0 || p.row >= geometry.rows) {
      throw new RangeError(`${field}.row: ${p.row} is outside 0..${geometry.rows - 1}`);
    }
    if (!Number.isInteger(p.col) || p.col < 0 || p.col >= geometry.cols) {
      throw new RangeError(`${field}.col: ${p.col} is outside 0..${geometry.cols - 1}`);
    }
    if (p.polarity !== 'set' && p.polarity !== 'reset') {
      throw new RangeError(`${field}.polarity: must be 'set' or 'reset', got ${String(p.polarity)}`);
    }
    checkLimit(`${field}.amplitude_V`, p.amplitude_V, limits.pulseAmplitude_V);
    checkLimit(`${field}.width_s`, p.width_s, limits.pulseWidth_s);
    const count = p.count ?? 1;
    if (!Number.isInteger(count)) throw new RangeError(`${field}.count: must be an integer, got ${count}`);
    checkLimit(`${field}.count`, count, limits.pulseCount);
    throw new RangeError(`${field}: rejected`);
  }

  /** IdealConductanceAccess.step (ideal-step.ts), from the state at the present time. */
  private idealStep(
    gradient: IdealGradient,
    eta: readonly number[],
    range: IdealStepRange,
    momentum: number,
  ): IdealStepReport {
    const stepper = (this.stepper ??= new IdealStepper(this.layout, this.devices));
    this.settleUntilNow();
    this.resolve();
    const report = stepper.step(gradient, eta, range, momentum); // a bad argument throws before any change
    this.conductancesChanged();
    return report;
  }

  private readConductances(array: number, readVoltage_V: number): Float64Array {
    const geometry = this.layout.arrays[array];
    if (!Number.isInteger(array) || geometry === undefined) {
      throw new RangeError(`reader.array: no array ${array} (the board has ${this.layout.arrays.length})`);
    }
    if (readVoltage_V === 0)
      throw new RangeError('reader.readVoltage_V: must be nonzero (no current flows at 0 V)');
    checkLimit('reader.readVoltage_V', Math.abs(readVoltage_V), this.config.limits.readVoltage_V);
    return this.devices.readRange(this.layout.deviceOffsets[array], geometry.rows * geometry.cols);
  }

  private advanceClock(field: string, seconds: number): void {
    if (!(seconds >= 0 && Number.isFinite(seconds))) {
      throw new RangeError(`${field} must be a finite number >= 0, got ${seconds}`);
    }
    this.clock_s += seconds;
    if (this.deviceParams.drift.law !== 'none' && seconds > 0) {
      this.resolve();
      this.devices.advanceTime(seconds);
      this.conductancesChanged();
    }
  }

  /** After a conductance change; `all` = false when the circuit was told device by device. */
  private conductancesChanged(all = true): void {
    if (all) this.circuit.conductancesChanged();
    this.tauStale = true;
    this.tauBoundStale = true;
    this.atRest = false;
  }

  /** Evolves the node state from stateTime_s to the clock under the present sources. */
  private settleUntilNow(): void {
    const dt = this.clock_s - this.stateTime_s;
    if (dt <= 0) return;
    this.stateTime_s = this.clock_s;
    if (this.atRest || this.pending) return;
    // The sums for the present conductances and inputs, in one pass when both changed (the time
    // constant and the solve that follow both use them).
    this.circuit.prepare(this.appliedInputs_V);
    if (this.settledAfter(dt)) {
      this.pending = true;
      return;
    }
    this.statistics.transientIntegrations++;
    this.v_V = this.circuit.settle(this.appliedInputs_V, this.v_V, dt, {
      nudge_A: this.appliedNudge_A,
      maxStep_s: Math.min(dt / 50, this.slowestTimeConstant() / 5),
    });
  }

  /** Whether dt is at least `settledAfterTimeConstants` slowest time constants. The bounds are
   * tried first, cheapest first (the worst case over every reachable conductance, a constant;
   * then the bound for the present conductances, one factorisation): each is at least τ, so
   * passing it passes the exact test, and the inverse iteration for τ runs only when both are
   * inconclusive. */
  private settledAfter(dt: number): boolean {
    // The worst case over every conductance the devices can take needs no factorisation.
    if (dt >= settledAfterTimeConstants * this.tauWorst_s) return true;
    if (this.tauBoundStale) {
      this.tauBound_s = this.circuit.timeConstantBound(diodeOff_S) * (1 + 1e-9);
      this.tauBoundStale = false;
    }
    if (dt >= settledAfterTimeConstants * this.tauBound_s) return true;
    return dt >= settledAfterTimeConstants * this.slowestTimeConstant();
  }

  /** Solves for a pending operating point. */
  private resolve(): void {
    if (!this.pending) return;
    this.v_V = this.equilibrium(this.v_V);
    this.pending = false;
    this.atRest = true;
  }

  private equilibrium(warmStart_V: Float64Array): Float64Array {
    this.statistics.dcSolves++;
    const s = this.circuit.solveDc(this.appliedInputs_V, { nudge_A: this.appliedNudge_A, warmStart_V });
    this.statistics.newtonIterations += s.iterations;
    if (!s.converged) {
      throw new SimulationError(
        `DC operating point did not converge (residual ${s.residual_A.toExponential(2)} A after ${s.iterations} iterations)`,
      );
    }
    return s.v_V;
  }
}

function parseDevices(devices: SimBoardConfig['devices']): DeviceParams {
  try {
    return parseDeviceParams(devices as DevicePresetName | DeviceParamsInput);
  } catch (e) {
    throw new RangeError(`devices: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

function randomConductances(count: number, w: { min_S: number; max_S: number }, rng: Rng): Float64Array {
  const g = new Float64Array(count);
  for (let i = 0; i < count; i++) g[i] = rng.range(w.min_S, w.max_S);
  return g;
}

function checkLength(field: string, levels: Float64Array, channels: number): void {
  if (levels.length !== channels) {
    throw new RangeError(`${field}: ${levels.length} values for ${channels} channels`);
  }
}

function checkLimits(field: string, levels: Float64Array, limit: { min: number; max: number }): void {
  const { min, max } = limit;
  for (let i = 0; i < levels.length; i++) {
    const v = levels[i];
    if (!(v >= min && v <= max)) throw new LimitError(`${field}[${i}]`, v, { ...limit });
  }
}

/** Whether `next` differs from the applied levels `now` (the same array: changed in place). */
function differs(next: Float64Array, now: Float64Array): boolean {
  if (next === now) return true;
  for (let i = 0; i < next.length; i++) if (next[i] !== now[i]) return true;
  return false;
}

/** An upper bound on the slowest time constant for any conductances at or above each device's
 * lower bound, s (Infinity unless the circuit is reciprocal). Each device adds g·w·wᵀ to the
 * zero-bias Jacobian of a reciprocal circuit, so raising any g raises λ_min (Weyl): the network
 * with every device at the lowest lower bound is the slowest. */
function worstCaseTimeConstant(layout: NetworkLayout, gMin_S: Float64Array): number {
  let low = Infinity;
  for (let i = 0; i < gMin_S.length; i++) low = Math.min(low, gMin_S[i]);
  if (!(low > 0)) return Infinity;
  const uniform = new Float64Array(layout.totalDevices).fill(low);
  return new LayeredCircuit(layout, uniform).timeConstantBound(diodeOff_S) * (1 + 1e-9);
}

function checkLimit(field: string, value: number, limit: { min: number; max: number }): void {
  if (!(value >= limit.min && value <= limit.max)) throw new LimitError(field, value, { ...limit });
}
