// The in-process simulated crossbar board: the layered circuit physics, the memristor device
// models and the measurement chain behind the capability interfaces, on a virtual clock.
//
// Time is physical: every source change and every hold happens at the board's clock time, and
// the node voltages between them follow the circuit's transient with its node capacitances. A
// hold taken too soon after a source change returns an unsettled value, as on a real board; once
// more than `settledAfterTimeConstants` slowest time constants have passed the circuit is at its
// DC operating point, and one warm-started DC solve gives it exactly (to floating-point precision)
// at a fraction of the cost of integrating.
import type {
  BenchCapabilities,
  ConductanceReader,
  CurrentSource,
  IdealConductanceAccess,
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
import type { SimBoardConfig, SimBoardConfigInput } from './config.ts';
import { slowestTimeConstant } from './time-constant.ts';

/** e^-40 ≈ 4e-18: after this many slowest time constants no transient is left in a double. */
const settledAfterTimeConstants = 40;

/** The circuit did not reach a solution: a fault of the simulated board. */
export class SimulationError extends Error {
  override readonly name = 'SimulationError';
}

export interface SimBoardStatistics {
  dcSolves: number;
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
  readonly statistics: SimBoardStatistics = { dcSolves: 0, transientIntegrations: 0, pulsesApplied: 0 };

  private readonly dac: Dac;
  /** Hidden per-channel DAC gain and offset errors (what a DAC calibration recovers). */
  readonly dacErrors: DacChannelErrors;
  private readonly chain: MeasurementChain;
  private readonly appliedInputs_V: Float64Array;
  private readonly appliedNudge_A: Float64Array;
  /** True node voltages at `stateTime_s`. */
  private v_V: Float64Array;
  private stateTime_s = 0;
  private clock_s = 0;
  private tauMax_s = 0;
  private tauStale = true;

  constructor(input: SimBoardConfigInput) {
    this.config = simBoardConfigSchema.parse(input);
    this.layout = layoutNetwork(this.config.network);
    this.deviceParams = parseDevices(this.config.devices);
    const rng = new Rng(this.config.seed);
    const { totalDevices } = this.layout;
    const init =
      this.config.initialConductance === 'random'
        ? randomConductances(totalDevices, this.deviceParams, rng.fork())
        : this.config.initialConductance;
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
    this.appliedInputs_V = new Float64Array(this.layout.inputLines);
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
      read: () => Float64Array.from(this.devices.g_S),
      write: (g_S) => {
        if (g_S.length !== totalDevices) {
          throw new RangeError(`g_S has ${g_S.length} values, the network has ${totalDevices} devices`);
        }
        this.settleUntilNow();
        this.devices.setAll(g_S);
        this.conductancesChanged();
      },
    };
  }

  /** Sources to zero. The pulse engine is idle between calls, so nothing else is live. */
  async safeState(): Promise<void> {
    this.applySources(this.appliedInputs_V.fill(0), this.appliedNudge_A.fill(0));
  }

  /** The true (noise-free, unquantised) node voltages right now: for tests and diagnostics. */
  trueNodeVoltages(): Float64Array {
    this.settleUntilNow();
    return Float64Array.from(this.v_V);
  }

  /** The input-line voltages the DAC actually outputs (after quantisation and channel errors). */
  appliedInputs(): Float64Array {
    return Float64Array.from(this.appliedInputs_V);
  }

  /** Slowest time constant of the node dynamics at the present conductances, s. */
  slowestTimeConstant(): number {
    if (this.tauStale) {
      const d = this.layout.desc.diode;
      this.tauMax_s = slowestTimeConstant(this.layout, this.devices.g_S, d.model === 'ideal' ? 1e-12 : 1e-12);
      this.tauStale = false;
    }
    return this.tauMax_s;
  }

  private setInputs(levels: Float64Array): void {
    checkLength('inputs.levels', levels, this.layout.inputLines);
    checkLimits('inputs', levels, this.inputs.range);
    const quantized = this.dac.quantize(levels);
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
    if (inputs_V && inputs_V !== this.appliedInputs_V) this.appliedInputs_V.set(inputs_V);
    if (nudge_A && nudge_A !== this.appliedNudge_A) this.appliedNudge_A.set(nudge_A);
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
    const out = this.chain.convert(this.v_V, this.config.holdToRead_s, averages);
    const conversions =
      this.config.holdToRead_s + (averages - 1) * this.chain.adc.params.conversionInterval_s;
    this.advanceClock('conversion time', conversions);
    return out;
  }

  private applyPulses(batch: readonly Pulse[]): PulseReport {
    const limits = this.config.limits;
    const index = new Int32Array(batch.length);
    // Validate the whole batch first: a rejected batch changes nothing.
    batch.forEach((p, i) => {
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
      index[i] = this.layout.deviceOffsets[p.array] + p.row * geometry.cols + p.col;
    });
    this.settleUntilNow();
    let applied = 0;
    let duration = 0;
    batch.forEach((p, i) => {
      const count = p.count ?? 1;
      this.devices.pulse(index[i], p.polarity, p.amplitude_V, p.width_s, count);
      applied += count;
      duration += count * p.width_s;
    });
    this.statistics.pulsesApplied += applied;
    this.conductancesChanged();
    this.advanceClock('pulse duration', duration);
    return { applied };
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
      this.devices.advanceTime(seconds);
      this.conductancesChanged();
    }
  }

  private conductancesChanged(): void {
    this.circuit.conductancesChanged();
    this.tauStale = true;
  }

  /** Evolves the node state from stateTime_s to the clock under the present sources. */
  private settleUntilNow(): void {
    const dt = this.clock_s - this.stateTime_s;
    if (dt <= 0) return;
    this.stateTime_s = this.clock_s;
    if (dt >= settledAfterTimeConstants * this.slowestTimeConstant()) {
      this.v_V = this.equilibrium(this.v_V);
      return;
    }
    this.statistics.transientIntegrations++;
    this.v_V = this.circuit.settle(this.appliedInputs_V, this.v_V, dt, {
      nudge_A: this.appliedNudge_A,
      maxStep_s: Math.min(dt / 50, this.slowestTimeConstant() / 5),
    });
  }

  private equilibrium(warmStart_V: Float64Array): Float64Array {
    this.statistics.dcSolves++;
    const s = this.circuit.solveDc(this.appliedInputs_V, { nudge_A: this.appliedNudge_A, warmStart_V });
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

function randomConductances(count: number, p: DeviceParams, rng: Rng): Float64Array {
  const g = new Float64Array(count);
  for (let i = 0; i < count; i++) g[i] = rng.range(p.gMin_S, p.gMax_S);
  return g;
}

function checkLength(field: string, levels: Float64Array, channels: number): void {
  if (levels.length !== channels) {
    throw new RangeError(`${field}: ${levels.length} values for ${channels} channels`);
  }
}

function checkLimits(field: string, levels: Float64Array, limit: { min: number; max: number }): void {
  for (let i = 0; i < levels.length; i++) checkLimit(`${field}[${i}]`, levels[i], limit);
}

function checkLimit(field: string, value: number, limit: { min: number; max: number }): void {
  if (!(value >= limit.min && value <= limit.max)) throw new LimitError(field, value, { ...limit });
}
