// Modified nodal analysis of a general `Circuit`: the unknowns are the non-ground node voltages,
// one internal node per Shockley diode with series resistance (as ngspice does: RS from the anode
// to an internal node, the junction from there to the cathode), and the branch currents of voltage
// sources and VCVSs (SPICE convention: flowing into the positive terminal). Rows are KCL (sum of
// currents leaving the node) for nodes and the constraint equation for branches.
//
// Nonlinear devices are linearised SPICE-style: each diode keeps its own linearisation voltage,
// limited between Newton iterations by `limitJunctionStep`, and the circuit is stamped as the linear
// system A x = b of that companion circuit. `residual` evaluates the true equations at x.
import type { Circuit, Element, ShockleyDiodeModel } from './netlist.ts';
import { idealBranch, junctionCurrent, newDiodeEval, shockleyBranch, thermalVoltage } from './diode.ts';
import { DenseLu } from './dense-lu.ts';
import { validateCircuit } from './validate.ts';

/** Node voltages and source branch currents of a circuit: what a DC or transient point is. */
export interface CircuitSolution {
  /** Node voltages, indexed like `Circuit.nodeNames` (v_V[0] = 0, ground). */
  v_V: Float64Array;
  /** Currents of voltage sources and VCVSs by element name, A, flowing into the positive terminal. */
  branchCurrent_A: Map<string, number>;
}

/** What the stamps depend on besides x: source stepping, gmin stepping, capacitor companions. */
export interface StampContext {
  /** Multiplies every independent source (source stepping); 1 normally. */
  sourceScale: number;
  /** Conductance from every node (internal ones too) to ground (gmin stepping); 0 normally. */
  gmin_S: number;
  /** Capacitor companion per element index, i = geq·(va − vb) + ihist; null at DC (open). */
  companion: { geq_S: Float64Array; ihist_A: Float64Array } | null;
}

export const DC_CONTEXT: StampContext = { sourceScale: 1, gmin_S: 0, companion: null };

const NONE = -1;

export class MnaSystem {
  readonly nodeCount: number;
  /** Number of unknowns. */
  readonly size: number;
  /** Rows [0, kclRows) are KCL rows (circuit and internal nodes); the rest are branch rows. */
  readonly kclRows: number;
  /** Per element: branch-current unknown (vsource, vcvs), internal node (RS diode), or -1. */
  readonly branchOf: Int32Array;
  readonly internalOf: Int32Array;
  /** Per element: the unknown of the CCCS's controlling branch current, or -1. */
  readonly controlOf: Int32Array;
  /** Per element: diode linearisation voltage (junction voltage for Shockley, terminal for ideal). */
  readonly vLin: Float64Array;
  readonly lu: DenseLu;
  readonly rhs: Float64Array;
  private readonly deval = newDiodeEval();

  constructor(readonly circuit: Circuit) {
    validateCircuit(circuit);
    const els = circuit.elements;
    this.nodeCount = circuit.nodeNames.length;
    this.branchOf = new Int32Array(els.length).fill(NONE);
    this.internalOf = new Int32Array(els.length).fill(NONE);
    this.controlOf = new Int32Array(els.length).fill(NONE);
    this.vLin = new Float64Array(els.length);
    let next = this.nodeCount - 1;
    els.forEach((e, k) => {
      if (e.kind === 'diode' && e.model.kind === 'shockley' && e.model.rs_Ohm > 0)
        this.internalOf[k] = next++;
    });
    this.kclRows = next;
    const branchByName = new Map<string, number>();
    els.forEach((e, k) => {
      if (e.kind === 'vsource' || e.kind === 'vcvs') {
        this.branchOf[k] = next++;
        branchByName.set(e.name, this.branchOf[k]);
      }
    });
    els.forEach((e, k) => {
      if (e.kind === 'cccs') this.controlOf[k] = branchByName.get(e.control) as number;
    });
    this.size = next;
    this.lu = new DenseLu(this.size);
    this.rhs = new Float64Array(this.size);
  }

  /** Unknown vector from a solution; diode internal nodes are placed where the diode's terminal
   * current puts them (v_internal = v_anode − RS·I). */
  fromSolution(sol: CircuitSolution, x: Float64Array): void {
    x.fill(0);
    for (let n = 1; n < this.nodeCount; n++) x[n - 1] = sol.v_V[n];
    const els = this.circuit.elements;
    els.forEach((e, k) => {
      if (this.branchOf[k] !== NONE) x[this.branchOf[k]] = sol.branchCurrent_A.get(e.name) ?? 0;
      if (this.internalOf[k] !== NONE && e.kind === 'diode') {
        const model = e.model as ShockleyDiodeModel;
        const v = sol.v_V[e.anode] - sol.v_V[e.cathode];
        x[this.internalOf[k]] = sol.v_V[e.anode] - model.rs_Ohm * shockleyBranch(model, v, this.deval).i_A;
      }
    });
  }

  toSolution(x: Float64Array): CircuitSolution {
    const v_V = new Float64Array(this.nodeCount);
    for (let n = 1; n < this.nodeCount; n++) v_V[n] = x[n - 1];
    const branchCurrent_A = new Map<string, number>();
    this.circuit.elements.forEach((e, k) => {
      if (this.branchOf[k] !== NONE) branchCurrent_A.set(e.name, x[this.branchOf[k]]);
    });
    return { v_V, branchCurrent_A };
  }

  /** Voltage across the nonlinear part of diode element k at x (junction, or ideal branch). */
  diodeVoltage(k: number, x: Float64Array): number {
    const e = this.circuit.elements[k] as Extract<Element, { kind: 'diode' }>;
    const top = this.internalOf[k] !== NONE ? x[this.internalOf[k]] : at(x, e.anode - 1);
    return top - at(x, e.cathode - 1);
  }

  /** Stamps the companion linear system at the current linearisation voltages into lu.a / rhs. */
  stamp(ctx: StampContext): void {
    const A = this.lu.a;
    const b = this.rhs;
    const n = this.size;
    A.fill(0);
    b.fill(0);
    const conductance = (p: number, q: number, g: number) => {
      if (p >= 0) A[p * n + p] += g;
      if (q >= 0) A[q * n + q] += g;
      if (p >= 0 && q >= 0) {
        A[p * n + q] -= g;
        A[q * n + p] -= g;
      }
    };
    // A constant current i leaving p and entering q moves to the right-hand side.
    const current = (p: number, q: number, i: number) => {
      if (p >= 0) b[p] -= i;
      if (q >= 0) b[q] += i;
    };
    const entry = (r: number, c: number, v: number) => {
      if (r >= 0 && c >= 0) A[r * n + c] += v;
    };
    const els = this.circuit.elements;
    for (let k = 0; k < els.length; k++) {
      const e = els[k];
      switch (e.kind) {
        case 'resistor':
          conductance(e.a - 1, e.b - 1, e.g_S);
          break;
        case 'memristor':
          conductance(e.a - 1, e.b - 1, this.circuit.conductances[e.device]);
          break;
        case 'diode': {
          const vl = this.vLin[k];
          const top = this.internalOf[k] !== NONE ? this.internalOf[k] : e.anode - 1;
          if (e.model.kind === 'ideal') idealBranch(e.model, vl, this.deval);
          else {
            junctionCurrent(e.model, vl, this.deval);
            if (top !== e.anode - 1) conductance(e.anode - 1, top, 1 / e.model.rs_Ohm);
          }
          conductance(top, e.cathode - 1, this.deval.g_S);
          current(top, e.cathode - 1, this.deval.i_A - this.deval.g_S * vl);
          break;
        }
        case 'vsource':
        case 'vcvs': {
          const br = this.branchOf[k];
          entry(e.pos - 1, br, 1);
          entry(e.neg - 1, br, -1);
          entry(br, e.pos - 1, 1);
          entry(br, e.neg - 1, -1);
          if (e.kind === 'vsource') b[br] = ctx.sourceScale * e.value_V;
          else {
            entry(br, e.cpos - 1, -e.gain);
            entry(br, e.cneg - 1, e.gain);
          }
          break;
        }
        case 'isource':
          current(e.from - 1, e.to - 1, ctx.sourceScale * e.value_A);
          break;
        case 'cccs':
          entry(e.from - 1, this.controlOf[k], e.gain);
          entry(e.to - 1, this.controlOf[k], -e.gain);
          break;
        case 'capacitor':
          if (ctx.companion) {
            conductance(e.a - 1, e.b - 1, ctx.companion.geq_S[k]);
            current(e.a - 1, e.b - 1, ctx.companion.ihist_A[k]);
          }
          break;
      }
    }
    if (ctx.gmin_S > 0) for (let r = 0; r < this.kclRows; r++) A[r * n + r] += ctx.gmin_S;
  }

  /** True residual of the equations at x into `r`. `mag` gets each row's rounding scale: the sum
   * of |terms| plus, per conductance g between nodes at va and vb, g·(|va| + |vb|) — a one-ulp
   * error in a node voltage moves the row by that much (it dominates for forward diodes across
   * large node voltages). Returns false if any term is not finite. */
  residual(x: Float64Array, ctx: StampContext, r: Float64Array, mag: Float64Array): boolean {
    r.fill(0);
    mag.fill(0);
    const add = (row: number, v: number) => {
      if (row >= 0) {
        r[row] += v;
        mag[row] += Math.abs(v);
      }
    };
    // Current i through conductance g from p to q.
    const flow = (p: number, q: number, i: number, g: number) => {
      const sens = Math.abs(g) * (Math.abs(at(x, p)) + Math.abs(at(x, q)));
      if (p >= 0) mag[p] += sens;
      if (q >= 0) mag[q] += sens;
      add(p, i);
      add(q, -i);
    };
    const els = this.circuit.elements;
    for (let k = 0; k < els.length; k++) {
      const e = els[k];
      switch (e.kind) {
        case 'resistor':
          flow(e.a - 1, e.b - 1, e.g_S * (at(x, e.a - 1) - at(x, e.b - 1)), e.g_S);
          break;
        case 'memristor': {
          const g = this.circuit.conductances[e.device];
          flow(e.a - 1, e.b - 1, g * (at(x, e.a - 1) - at(x, e.b - 1)), g);
          break;
        }
        case 'diode': {
          const top = this.internalOf[k] !== NONE ? this.internalOf[k] : e.anode - 1;
          const v = this.diodeVoltage(k, x);
          if (e.model.kind === 'ideal') idealBranch(e.model, v, this.deval);
          else {
            junctionCurrent(e.model, v, this.deval);
            if (top !== e.anode - 1) {
              const grs = 1 / e.model.rs_Ohm;
              flow(e.anode - 1, top, grs * (at(x, e.anode - 1) - x[top]), grs);
            }
          }
          flow(top, e.cathode - 1, this.deval.i_A, this.deval.g_S);
          break;
        }
        case 'vsource':
        case 'vcvs': {
          const br = this.branchOf[k];
          flow(e.pos - 1, e.neg - 1, x[br], 0);
          add(br, at(x, e.pos - 1));
          add(br, -at(x, e.neg - 1));
          if (e.kind === 'vsource') add(br, -ctx.sourceScale * e.value_V);
          else {
            add(br, -e.gain * at(x, e.cpos - 1));
            add(br, e.gain * at(x, e.cneg - 1));
          }
          break;
        }
        case 'isource':
          flow(e.from - 1, e.to - 1, ctx.sourceScale * e.value_A, 0);
          break;
        case 'cccs':
          flow(e.from - 1, e.to - 1, e.gain * x[this.controlOf[k]], 0);
          break;
        case 'capacitor':
          if (ctx.companion) {
            const geq = ctx.companion.geq_S[k];
            const v = at(x, e.a - 1) - at(x, e.b - 1);
            flow(e.a - 1, e.b - 1, geq * v + ctx.companion.ihist_A[k], geq);
          }
          break;
      }
    }
    if (ctx.gmin_S > 0) for (let row = 0; row < this.kclRows; row++) add(row, ctx.gmin_S * x[row]);
    for (let row = 0; row < this.size; row++) if (!Number.isFinite(r[row])) return false;
    return true;
  }

  /** Sets every diode's linearisation voltage to its voltage at x (no limiting). */
  linearizeAt(x: Float64Array): void {
    this.circuit.elements.forEach((e, k) => {
      if (e.kind === 'diode') this.vLin[k] = this.diodeVoltage(k, x);
    });
  }

  /** Moves every diode's linearisation voltage towards its voltage at x, limiting Shockley
   * junction steps (`limitJunctionStep`). Returns true if any step was limited. */
  relinearize(x: Float64Array): boolean {
    let limited = false;
    this.circuit.elements.forEach((e, k) => {
      if (e.kind !== 'diode') return;
      const v = this.diodeVoltage(k, x);
      if (e.model.kind === 'ideal') this.vLin[k] = v;
      else {
        const lim = limitJunctionStep(e.model, v, this.vLin[k]);
        if (lim !== v) limited = true;
        this.vLin[k] = lim;
      }
    });
    return limited;
  }
}

function at(x: Float64Array, i: number): number {
  return i >= 0 ? x[i] : 0;
}

/** Junction-voltage step limiting of SPICE (Nagel 1975; ngspice DEVpnjlim): above the critical
 * voltage vcrit = n·Vt·ln(n·Vt/(√2·Is)), where the exponential makes a Newton step overshoot,
 * a forward step is replaced by its logarithm so the current cannot explode; large reverse
 * steps are bounded too. */
export function limitJunctionStep(model: ShockleyDiodeModel, vNew: number, vOld: number): number {
  const vte = model.n * thermalVoltage(model.temp_K);
  const vcrit = vte * Math.log(vte / (Math.SQRT2 * model.is_A));
  if (vNew > vcrit && Math.abs(vNew - vOld) > 2 * vte) {
    if (vOld > 0) {
      const arg = 1 + (vNew - vOld) / vte;
      return arg > 0 ? vOld + vte * Math.log(arg) : vcrit;
    }
    return vte * Math.log(vNew / vte);
  }
  if (vNew < 0) {
    const floor = vOld > 0 ? -vOld - 1 : 2 * vOld - 1;
    if (vNew < floor) return floor;
  }
  return vNew;
}
