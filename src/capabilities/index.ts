// The capability contract: what the EqProp pipeline needs from a bench, and what every
// implementation (the in-process simulated board, instrument drivers, emulated instruments behind
// drivers) provides. This module is a leaf: it imports nothing, so every layer may depend on it.
// Units are SI throughout: volts, amperes, seconds, siemens.
//
// Each bulk operation is one method call so that an implementation can make it one round trip
// to its instrument (one SCPI message, one Modbus write-multiple-registers, one binary block).

/** Who an instrument says it is (`*IDN?` or the protocol's equivalent). */
export interface Identity {
  vendor: string;
  model: string;
  serial: string;
  firmware: string;
}

/** Anything that can be driven to a safe state: sources to zero, outputs off. Must be idempotent
 * and must not throw for an instrument that is already safe. */
export interface SafeState {
  safeState(): Promise<void>;
}

/** A set of voltage outputs: DAC channels driving the input lines, or SMU channels. */
export interface VoltageSource extends SafeState {
  readonly kind: 'voltage-source';
  /** Number of channels, indexed 0..channels-1 in the order of the bench wiring. */
  readonly channels: number;
  /** Inclusive output range of every channel, volts. */
  readonly range: { readonly min: number; readonly max: number };
  /** Set all channels at once (levels.length === channels). One round trip where possible. */
  setVoltages(levels: Float64Array): Promise<void>;
}

/** A set of current outputs that inject the nudging currents at the output nodes. */
export interface CurrentSource extends SafeState {
  readonly kind: 'current-source';
  readonly channels: number;
  readonly range: { readonly min: number; readonly max: number };
  /** Set all channels at once, amperes, positive = into the node. */
  setCurrents(levels: Float64Array): Promise<void>;
}

export interface SampleOptions {
  /** Time from this call to the hold instant, seconds (the settle time). Default 0. */
  delay_s?: number;
  /** Conversions averaged per channel after the hold. Default 1. */
  averages?: number;
}

/** Sample-and-hold on every node channel at one instant, then bulk ADC read. */
export interface NodeSampler {
  readonly kind: 'node-sampler';
  readonly channels: number;
  /** Node voltages in channel order, volts. */
  sampleAndRead(options?: SampleOptions): Promise<Float64Array>;
}

export type PulsePolarity = 'set' | 'reset';

/** One programming pulse on one crossbar device. SET raises conductance, RESET lowers it. */
export interface Pulse {
  array: number;
  row: number;
  col: number;
  polarity: PulsePolarity;
  amplitude_V: number;
  width_s: number;
  /** Identical pulses applied back to back. Default 1. */
  count?: number;
}

export interface PulseReport {
  /** Pulses the programmer accepted and applied (sum of counts). */
  applied: number;
}

/** Applies a batch of programming pulses, ideally as one binary block in one round trip. */
export interface PulseProgrammer extends SafeState {
  readonly kind: 'pulse-programmer';
  /** Most identical pulses one entry of a batch may ask for (`Pulse.count`), when the bench has
   * such a limit; a larger count is refused with the bench's limit error. */
  readonly maxCount?: number;
  applyPulses(batch: readonly Pulse[]): Promise<PulseReport>;
}

/** Geometry of one crossbar array. */
export interface ArrayGeometry {
  rows: number;
  cols: number;
}

/** Reads conductances of a whole array at a read voltage, in bulk. */
export interface ConductanceReader {
  readonly kind: 'conductance-reader';
  readonly arrays: readonly ArrayGeometry[];
  /** Row-major conductances (rows*cols) in siemens. */
  readConductances(array: number, readVoltage_V: number): Promise<Float64Array>;
}

/** Waits for physical time to pass. Real benches wait on the wall clock; the in-process
 * simulated board advances its own clock, so training in simulation is not paced by real time. */
export interface Timebase {
  readonly kind: 'timebase';
  wait(seconds: number): Promise<void>;
  /** Seconds since an arbitrary origin, on the same clock that wait() advances. */
  now(): number;
}

/** Exact, noiseless access to every conductance of the network, in the network description's
 * flat device order. Only the in-process simulated board offers it: the 'ideal' training mode
 * applies continuous updates through it (no pulse quantisation) to separate the quality of the
 * algorithm from the quality of the devices. */
export interface IdealConductanceAccess {
  readonly kind: 'ideal-conductance-access';
  /** A copy of every conductance, siemens; written into `out` (and returned) when given, so a
   * caller reading every step can reuse one buffer. */
  read(out?: Float64Array): Float64Array;
  /** Replace every conductance (clipped to the device range by the implementation). */
  write(g_S: Float64Array): void;
  /** The gradient step in place, in one pass over the conductances: g_d ← clip(g_d − η_l·∇_d)
   * to [range.min_S, range.max_S] and to the device's own range, with η_l = `eta[l]` for the
   * devices of array l (network order) and ∇ given densely or as voltage-drop pairs (IdealGradient).
   * The same conductances as read, step and write, without copying every conductance out and
   * back. A bad argument (a length, a non-finite entry) throws a RangeError naming it and changes
   * nothing.
   *
   * `momentum` μ ∈ [0, 1) adds classical (heavy-ball) momentum (Sutskever et al. 2013): with Δ_d
   * the change of the plain clipped step above and g_d^prev the conductance before it,
   * v_d ← μ·v_d + Δ_d and g_d ← clip(g_d^prev + v_d), clipped as above. The velocity v belongs to
   * the implementation: zero until the first step with μ > 0, kept across steps, and zeroed when
   * the conductances are changed by anything but `step` (write, pulses). μ = 0 is the plain step,
   * bit for bit, and leaves the velocity alone. */
  step(
    gradient: IdealGradient,
    eta: readonly number[],
    range: IdealStepRange,
    momentum: number,
  ): IdealStepReport;
}

/** Two states of the network in one sample (the input lines are the same in both) and the
 * weight of their term in a gradient made of voltage drops. */
export interface DropPair {
  /** Input-line voltages, V. */
  lines_V: Float64Array;
  /** Floating-node voltages of the two states, V. */
  a_V: Float64Array;
  b_V: Float64Array;
  /** Multiplies the pair's difference of squared drops (V²): e.g. 1/(4β) with β in S for the
   * centered estimate, giving the gradient in V²/S. */
  weight: number;
}

/** A gradient over every device in the flat device order: `dense` gives it entry by entry;
 * `drops` gives ∇_d = Σ_p weight_p·((ΔV_d^{a_p})² − (ΔV_d^{b_p})²), ΔV_d the voltage across
 * device d (row line − column node; a hidden row line is its amplifier's output gain·V_h) in
 * state a or b of pair p — the form of the EqProp estimates (thesis Eq. 4.13, Eq. 2.10), which
 * a bench can apply without forming the gradient. */
export type IdealGradient =
  | { readonly kind: 'dense'; readonly values: Float64Array }
  | { readonly kind: 'drops'; readonly pairs: readonly DropPair[] };

/** The conductance range of an ideal step, siemens. */
export interface IdealStepRange {
  readonly min_S: number;
  readonly max_S: number;
}

export interface IdealStepReport {
  /** Mean |Δg| applied over every device, S. */
  meanAbsChange_S: number;
  /** Devices whose step was cut by the range. */
  clipped: number;
}

/** Everything an EqProp step needs, already mapped onto the network by the bench wiring:
 * `inputs` drives the input lines (doubled/inverted lines included, in network order),
 * `nudge` injects currents at output nodes, `sampler` reads every floating node (channel k is
 * network node k in the order the network description defines). */
export interface BenchCapabilities extends SafeState {
  inputs: VoltageSource;
  nudge: CurrentSource;
  sampler: NodeSampler;
  programmer: PulseProgrammer;
  reader: ConductanceReader;
  timebase: Timebase;
  ideal?: IdealConductanceAccess;
}

/** Raised by any capability implementation when a request would exceed a configured limit.
 * Nothing has been sent to the instrument when this is thrown. */
export class LimitError extends Error {
  override readonly name = 'LimitError';
  constructor(
    readonly field: string,
    readonly value: number,
    readonly limit: { min: number; max: number },
  ) {
    super(`${field}=${value} is outside the configured limit [${limit.min}, ${limit.max}]`);
  }
}
