// The layered analog network of thesis §4.4 (Kendall et al. 2020) as a fast dedicated solver:
// the training hot path. Input lines are ideal sources, so only the floating nodes (hidden and
// output) are unknowns; amplifier outputs are eliminated analytically (row line = gain·V_h).
//
// Caching: the input array's contribution (Σ_r g_rc·x_r and Σ_r g_rc, one pass over the
// 156,800 input devices of the digits network) is computed once per input vector and reused by
// every later solve with equal input values (free phase, ±β nudged phases, settle, gradient);
// the array sums are computed once per conductance update. g_S is a live reference: after
// changing any conductance, call `conductancesChanged()`.
import type { Circuit } from '../circuit/netlist.ts';
import type { NetworkLayout } from '../../src/network/description.ts';
import { coContent, conductingFraction, deviceVoltageDrops, exactGradient } from './energy.ts';
import { NewtonSolver, solveWithFallback } from './newton.ts';
import type { Fallback } from './newton.ts';
import { StartGuess } from './start-guess.ts';
import { NetworkStructure } from './structure.ts';
import { layeredToCircuit } from './to-circuit.ts';
import { integrateBdf2 } from './transient.ts';

export interface SolveOptions {
  /** Currents injected INTO the output nodes, A (length = outputNodes). */
  nudge_A?: Float64Array;
  /** Initial node voltages (e.g. the free-phase solution for a nudged phase). */
  warmStart_V?: Float64Array;
  /** Convergence: max |KCL residual| over the floating nodes, A. Default 1e-12. */
  tol_A?: number;
  /** Newton iterations per attempt (plain, each gmin / source step). Default 100. */
  maxIterations?: number;
  /** After new inputs (or without a warm start), start Newton from a Gauss–Seidel sweep on KCL
   * (start-guess.ts) when that lowers the residual below the start's. Default true; the solution
   * is the same within tol_A. A nudged phase keeps its warm start (the free solution): there the
   * sweep lowered the residual but not always the iterations. */
  guess?: boolean;
}

export interface DcSolution {
  /** Floating-node voltages in layout order (hidden layers, then outputs). */
  v_V: Float64Array;
  /** Newton iterations, summed over fallback stages. */
  iterations: number;
  /** max |KCL| at v_V, A. */
  residual_A: number;
  converged: boolean;
  fallback: Fallback;
  /** Newton started from the Gauss–Seidel guess (its KCL residual was below the start's). */
  guessed: boolean;
}

export interface SettleOptions {
  nudge_A?: Float64Array;
  /** Integration step bound, s. Default duration_s / 200. */
  maxStep_s?: number;
}

export class LayeredCircuit {
  readonly layout: NetworkLayout;
  private readonly s: NetworkStructure;
  private readonly newton: NewtonSolver;
  private readonly guess: StartGuess;
  private readonly guessed_V: Float64Array;
  /** The inputs of the last DC solve (a solve with other inputs starts a free phase). */
  private readonly solvedInputs: Float64Array;
  private solvedAny = false;
  private readonly preparedInputs: Float64Array;
  private prepared = false;
  private conductancesPrepared = false;
  /** The sums of the arrays between floating layers need a rebuild (conductanceChanged). */
  private hiddenStale = false;

  constructor(layout: NetworkLayout, g_S: Float64Array) {
    this.layout = layout;
    this.s = new NetworkStructure(layout, g_S);
    this.newton = new NewtonSolver(this.s);
    this.guess = new StartGuess(this.s);
    this.guessed_V = new Float64Array(layout.floatingNodes);
    this.solvedInputs = new Float64Array(layout.inputLines);
    this.preparedInputs = new Float64Array(layout.inputLines);
  }

  /** True when gain = backwardGain (or no amplifier): an energy-based (co-content) circuit. */
  get reciprocal(): boolean {
    return this.s.reciprocal;
  }

  /** Invalidates the cached input-array sums; call after changing any entry of g_S. */
  conductancesChanged(): void {
    this.prepared = false;
    this.conductancesPrepared = false;
  }

  /** Call after g_S[index] has changed by delta_S, instead of conductancesChanged() when few
   * devices change (pulse programming): a device of the input array updates its column sum and
   * the cached input current in O(1); a device between floating layers marks those (small)
   * arrays for a rebuild. Equal to a full rebuild up to the rounding of the sums. */
  conductanceChanged(index: number, delta_S: number): void {
    if (!(Number.isInteger(index) && index >= 0 && index < this.layout.totalDevices)) {
      throw new RangeError(`index ${index} is outside 0..${this.layout.totalDevices - 1}`);
    }
    if (!this.conductancesPrepared) return; // a full rebuild is due anyway
    const s = this.s;
    const cols = s.sizes[0];
    if (index < s.rows[0] * cols) {
      const r = Math.floor(index / cols);
      s.adjustInputDevice(r, index - r * cols, delta_S, this.prepared ? this.preparedInputs : null);
    } else {
      this.hiddenStale = true;
    }
  }

  /** Computes the input array's contribution for these inputs unless already cached. */
  prepare(inputs_V: Float64Array): void {
    this.checkInputs(inputs_V);
    if (!this.conductancesPrepared && !sameValues(this.preparedInputs, inputs_V)) {
      // Everything changed: one pass over the input array for both.
      this.s.prepareConductancesAndInputs(inputs_V);
      this.preparedInputs.set(inputs_V);
      this.conductancesPrepared = true;
      this.hiddenStale = false;
      this.prepared = true;
      return;
    }
    this.prepareConductances();
    if (this.prepared && sameValues(this.preparedInputs, inputs_V)) return;
    this.s.prepareInputs(inputs_V);
    this.preparedInputs.set(inputs_V);
    this.prepared = true;
  }

  /** The array sums, unless cached since the last `conductancesChanged()`. */
  private prepareConductances(): void {
    if (this.conductancesPrepared) {
      if (this.hiddenStale) this.s.prepareHiddenConductances();
      this.hiddenStale = false;
      return;
    }
    this.s.prepareConductances();
    this.conductancesPrepared = true;
    this.hiddenStale = false;
    this.prepared = false;
  }

  /** Slowest time constant of the node dynamics C·dV/dt = −J₀·V + sources linearised at zero
   * bias (every diode off, `diodeOff_S` across each junction), s: τ_max = C / λ_min(J₀) by
   * `iterations` steps of inverse iteration from the uniform vector. J₀ has the block structure of
   * the Newton Jacobian (block-solver.ts), so it is factored once in O(hidden devices) and each
   * step costs two products with the hidden arrays: no dense nodal matrix is formed. */
  slowestTimeConstant(diodeOff_S: number, iterations = 40): number {
    const s = this.s;
    if (s.capacitance_F === 0) return 0;
    this.factorZeroBias(diodeOff_S);
    const n = s.nodes;
    const x = new Float64Array(n).fill(1 / Math.sqrt(n));
    let growth = 0;
    for (let k = 0; k < iterations; k++) {
      this.newton.linear.solveFactored(x);
      let norm = 0;
      for (let i = 0; i < n; i++) norm += x[i] * x[i];
      norm = Math.sqrt(norm);
      growth = norm; // ‖J₀⁻¹x‖ for unit x → 1/λ_min
      for (let i = 0; i < n; i++) x[i] /= norm;
    }
    return s.capacitance_F * growth;
  }

  /** An upper bound on `slowestTimeConstant` for one solve, s; Infinity unless the circuit is
   * reciprocal with a positive gain. Then J₀ is symmetric positive definite with non-positive
   * off-diagonal entries (a Stieltjes matrix), so J₀⁻¹ ≥ 0 elementwise (Varga, Matrix Iterative
   * Analysis, ch. 3) and 1/λ_min = ρ(J₀⁻¹) ≤ ‖J₀⁻¹‖∞ = max_i (J₀⁻¹·1)_i; inverse iteration
   * approaches 1/λ_min from below. */
  timeConstantBound(diodeOff_S: number): number {
    const s = this.s;
    if (s.capacitance_F === 0) return 0;
    if (!(s.reciprocal && s.gain > 0)) return Infinity;
    this.factorZeroBias(diodeOff_S);
    const x = new Float64Array(s.nodes).fill(1);
    this.newton.linear.solveFactored(x);
    let worst = 0;
    for (let i = 0; i < x.length; i++) if (!(x[i] <= worst)) worst = x[i];
    return s.capacitance_F * worst;
  }

  /** Factors J₀ (zero-bias Jacobian) in the Newton solver's block solver. */
  private factorZeroBias(diodeOff_S: number): void {
    const s = this.s;
    this.prepareConductances();
    const diag = new Float64Array(s.nodes);
    const ab = s.gain * s.backwardGain;
    for (let j = 0; j < s.layers; j++) {
      const cs = s.colSum_S[j];
      const next = j + 1 < s.layers ? s.rowSum_S[j + 1] : null;
      for (let c = 0; c < s.sizes[j]; c++) {
        diag[s.offsets[j] + c] = cs[c] + (next ? ab * next[c] : 0) + 2 * diodeOff_S;
      }
    }
    this.newton.linear.factor(diag, s.gain, s.backwardGain);
  }

  solveDc(inputs_V: Float64Array, options: SolveOptions = {}): DcSolution {
    // New inputs (a free phase) or no warm start: the start is far from the solution.
    const far = !options.warmStart_V || !this.solvedAny || !sameValues(this.solvedInputs, inputs_V);
    this.prepare(inputs_V);
    const nudge = this.checkNudge(options.nudge_A);
    const start = new Float64Array(this.s.nodes);
    if (options.warmStart_V) {
      this.checkNodes('warmStart_V', options.warmStart_V);
      start.set(options.warmStart_V);
    } else {
      start.fill(0.5 * (this.s.biasLow_V + this.s.biasHigh_V));
    }
    this.solvedInputs.set(inputs_V);
    this.solvedAny = true;
    const guessed = far && options.guess !== false && this.improveStart(start, nudge);
    const v = Float64Array.from(start);
    const r = solveWithFallback(
      this.newton,
      this.s,
      v,
      start,
      nudge,
      options.tol_A ?? 1e-12,
      options.maxIterations ?? 100,
    );
    return {
      v_V: v,
      iterations: r.iterations,
      residual_A: r.residual_A,
      converged: r.converged,
      fallback: r.fallback,
      guessed,
    };
  }

  /** Replaces `start` by its Gauss–Seidel sweep (start-guess.ts) when the sweep's KCL residual
   * (Σ F², Newton's merit) is lower: after new inputs the previous operating point leaves many
   * diodes on the wrong side of their knees, which Newton undoes a few junction-limited steps at
   * a time; the sweep places each node on its own diode characteristic directly. */
  private improveStart(start: Float64Array, nudge: Float64Array | null): boolean {
    const terms = { lambda: 1, nudge_A: nudge, shunt_S: 0, inject_A: null };
    const kcl = this.newton.kcl;
    kcl.evaluate(this.s, start, terms);
    const before = sumSquares(kcl.f_A);
    const g = this.guessed_V;
    g.set(start);
    this.guess.sweep(g, nudge);
    kcl.evaluate(this.s, g, terms);
    if (!(sumSquares(kcl.f_A) < before)) return false;
    start.set(g);
    return true;
  }

  /** Transient from node state v0_V with the sources held for duration_s (BDF2 with the node
   * capacitances); returns the node voltages at duration_s. Without capacitance the nodes follow
   * the sources instantly and this is the DC solution. */
  settle(
    inputs_V: Float64Array,
    v0_V: Float64Array,
    duration_s: number,
    options: SettleOptions = {},
  ): Float64Array {
    this.prepare(inputs_V);
    this.checkNodes('v0_V', v0_V);
    const nudge = this.checkNudge(options.nudge_A);
    if (this.s.capacitance_F === 0) {
      const dc = this.solveDc(inputs_V, { nudge_A: options.nudge_A, warmStart_V: v0_V });
      if (!dc.converged) throw new Error(`settle: DC solve did not converge (residual ${dc.residual_A} A)`);
      return dc.v_V;
    }
    const v = Float64Array.from(v0_V);
    integrateBdf2(this.newton, v, {
      capacitance_F: this.s.capacitance_F,
      duration_s,
      maxStep_s: options.maxStep_s ?? duration_s / 200,
      nudge_A: nudge,
      tol_A: 1e-12,
      maxIterations: 100,
    });
    return v;
  }

  /** Fraction of the neuron diodes that conduct at v_V: incremental conductance at least the
   * conductance of the node's crossbar devices, so the diode clamps the node (saturation). */
  conductingDiodeFraction(inputs_V: Float64Array, v_V: Float64Array): number {
    this.prepare(inputs_V);
    this.checkNodes('v_V', v_V);
    return conductingFraction(this.s, this.newton, v_V);
  }

  /** Voltage drop across every device, flat device order: row line (input line, hidden node, or
   * amplifier output) minus column node. */
  deviceVoltageDrops(inputs_V: Float64Array, v_V: Float64Array, out?: Float64Array): Float64Array {
    this.checkInputs(inputs_V);
    this.checkNodes('v_V', v_V);
    const o = out ?? new Float64Array(this.layout.totalDevices);
    if (o.length !== this.layout.totalDevices) {
      throw new RangeError(`out has length ${o.length}, expected totalDevices = ${this.layout.totalDevices}`);
    }
    return deviceVoltageDrops(this.s, inputs_V, v_V, o);
  }

  /** Co-content / total pseudo-power (thesis Lemma 4.1, Eq. 4.7), nudging sources included;
   * throws for non-reciprocal circuits (gain ≠ backwardGain). */
  coContent(inputs_V: Float64Array, v_V: Float64Array, nudge_A?: Float64Array): number {
    this.checkInputs(inputs_V);
    this.checkNodes('v_V', v_V);
    return coContent(this.s, inputs_V, v_V, this.checkNudge(nudge_A));
  }

  /** Exact dL/dg (flat device order) at the operating point v_V by the adjoint method, given
   * dL/dV at the floating nodes. */
  exactGradient(inputs_V: Float64Array, v_V: Float64Array, dLdv: Float64Array): Float64Array {
    this.prepare(inputs_V);
    this.checkNodes('v_V', v_V);
    this.checkNodes('dLdv', dLdv);
    return exactGradient(
      this.s,
      this.newton,
      inputs_V,
      v_V,
      dLdv,
      new Float64Array(this.layout.totalDevices),
    );
  }

  /** The same circuit as a general netlist; `floatingNode[i]` is the circuit node of floating
   * node i. The circuit's `conductances` is the live g_S array. */
  toCircuit(inputs_V: Float64Array, nudge_A?: Float64Array): { circuit: Circuit; floatingNode: Int32Array } {
    this.checkInputs(inputs_V);
    return layeredToCircuit(this.s, inputs_V, this.checkNudge(nudge_A));
  }

  private checkInputs(inputs_V: Float64Array): void {
    if (inputs_V.length !== this.layout.inputLines) {
      throw new RangeError(
        `inputs_V has length ${inputs_V.length}, expected inputLines = ${this.layout.inputLines}`,
      );
    }
  }

  private checkNodes(field: string, v: Float64Array): void {
    if (v.length !== this.s.nodes) {
      throw new RangeError(`${field} has length ${v.length}, expected floatingNodes = ${this.s.nodes}`);
    }
  }

  private checkNudge(nudge_A: Float64Array | undefined): Float64Array | null {
    if (!nudge_A) return null;
    if (nudge_A.length !== this.layout.outputNodes) {
      throw new RangeError(
        `nudge_A has length ${nudge_A.length}, expected outputNodes = ${this.layout.outputNodes}`,
      );
    }
    return nudge_A;
  }
}

function sumSquares(f: Float64Array): number {
  let acc = 0;
  for (let i = 0; i < f.length; i++) acc += f[i] * f[i];
  return acc;
}

function sameValues(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
