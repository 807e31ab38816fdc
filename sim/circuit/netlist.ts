// The general circuit model: named nodes and two-terminal / controlled elements. Every circuit the
// sim builds (closed-form test circuits, the layered network of thesis §4.4) can be expressed as a
// `Circuit`, solved by the general MNA solver, and exported to SPICE for cross-validation.
// Node 0 is ground. Units are SI.

export type NodeIndex = number;

export interface ShockleyDiodeModel {
  kind: 'shockley';
  /** Saturation current, A. */
  is_A: number;
  /** Emission coefficient. */
  n: number;
  /** Series resistance, ohms (0 = none). */
  rs_Ohm: number;
  /** Junction temperature, K (ngspice's default TNOM is 300.15 K). */
  temp_K: number;
  /** Conductance in parallel with the junction, S (ngspice's GMIN, 1e-12 by default). */
  gmin_S: number;
}

/** Piecewise-linear ideal diode (Scellier 2024 thesis §4.4.1 option): on-resistance forward,
 * `off_S` reverse. */
export interface IdealDiodeModel {
  kind: 'ideal';
  ron_Ohm: number;
  off_S: number;
}

export type DiodeModel = ShockleyDiodeModel | IdealDiodeModel;

interface Named {
  name: string;
}

export interface Resistor extends Named {
  kind: 'resistor';
  a: NodeIndex;
  b: NodeIndex;
  g_S: number;
}

/** Programmable resistor: its conductance is `Circuit.conductances[device]`, so device models
 * can update it in place without rebuilding the circuit. */
export interface Memristor extends Named {
  kind: 'memristor';
  a: NodeIndex;
  b: NodeIndex;
  device: number;
}

export interface Diode extends Named {
  kind: 'diode';
  anode: NodeIndex;
  cathode: NodeIndex;
  model: DiodeModel;
}

/** V(pos) - V(neg) = value_V. */
export interface VoltageSource extends Named {
  kind: 'vsource';
  pos: NodeIndex;
  neg: NodeIndex;
  value_V: number;
}

/** Drives `value_A` through itself from `from` to `to`: the current enters node `to`. */
export interface CurrentSource extends Named {
  kind: 'isource';
  from: NodeIndex;
  to: NodeIndex;
  value_A: number;
}

/** V(pos) - V(neg) = gain * (V(cpos) - V(cneg)). */
export interface Vcvs extends Named {
  kind: 'vcvs';
  pos: NodeIndex;
  neg: NodeIndex;
  cpos: NodeIndex;
  cneg: NodeIndex;
  gain: number;
}

/** Drives gain * I(control) from `from` to `to`, where I(control) is the current through the
 * named voltage source or VCVS (SPICE convention: flowing into its positive terminal). */
export interface Cccs extends Named {
  kind: 'cccs';
  from: NodeIndex;
  to: NodeIndex;
  control: string;
  gain: number;
}

export interface Capacitor extends Named {
  kind: 'capacitor';
  a: NodeIndex;
  b: NodeIndex;
  c_F: number;
}

export type Element = Resistor | Memristor | Diode | VoltageSource | CurrentSource | Vcvs | Cccs | Capacitor;

export interface Circuit {
  /** nodeNames[0] is ground ('0'); node i is nodeNames[i]. */
  nodeNames: string[];
  elements: Element[];
  /** Conductances of the memristors, S, indexed by `Memristor.device`. */
  conductances: Float64Array;
}
