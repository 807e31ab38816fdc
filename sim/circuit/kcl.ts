// Kirchhoff's current law checked directly from the element equations, independently of the MNA
// stamps: for each node, the sum of the currents leaving it through its elements. Diodes use the
// collapsed terminal law of diode.ts (series resistance solved inside the branch), not the solver's
// internal-node formulation, so a stamp or formulation error shows up here.
import type { Circuit } from './netlist.ts';
import type { CircuitSolution } from './mna.ts';
import { diodeBranch, newDiodeEval } from './diode.ts';

/**
 * Per-node sum of currents leaving the node, A (index 0, ground, included: it balances the rest).
 * Voltage sources and VCVSs carry `solution.branchCurrent_A`; capacitors carry
 * `capacitorCurrent_A` by element name (from a to b), or nothing (DC: open).
 */
export function kclResidual(
  circuit: Circuit,
  solution: CircuitSolution,
  capacitorCurrent_A?: ReadonlyMap<string, number>,
): Float64Array {
  const v = solution.v_V;
  const out = new Float64Array(circuit.nodeNames.length);
  const flow = (from: number, to: number, i: number) => {
    out[from] += i;
    out[to] -= i;
  };
  const branch = (name: string): number => {
    const i = solution.branchCurrent_A.get(name);
    if (i === undefined) throw new RangeError(`solution.branchCurrent_A has no current for '${name}'`);
    return i;
  };
  const d = newDiodeEval();
  for (const e of circuit.elements) {
    switch (e.kind) {
      case 'resistor':
        flow(e.a, e.b, e.g_S * (v[e.a] - v[e.b]));
        break;
      case 'memristor':
        flow(e.a, e.b, circuit.conductances[e.device] * (v[e.a] - v[e.b]));
        break;
      case 'diode':
        flow(e.anode, e.cathode, diodeBranch(e.model, v[e.anode] - v[e.cathode], d).i_A);
        break;
      case 'vsource':
      case 'vcvs':
        flow(e.pos, e.neg, branch(e.name));
        break;
      case 'isource':
        flow(e.from, e.to, e.value_A);
        break;
      case 'cccs':
        flow(e.from, e.to, e.gain * branch(e.control));
        break;
      case 'capacitor':
        flow(e.a, e.b, capacitorCurrent_A?.get(e.name) ?? 0);
        break;
    }
  }
  return out;
}
