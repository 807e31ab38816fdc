// Structural validation of a general Circuit before it is solved or exported.
import type { Circuit, Element } from './netlist.ts';

/** Checks node indices, device indices, gains and control references; errors name the element
 * and the field. */
export function validateCircuit(circuit: Circuit): void {
  const nodes = circuit.nodeNames.length;
  if (nodes < 1) throw new RangeError('circuit.nodeNames must contain at least ground');
  const node = (e: Element, field: string, v: number) => {
    if (!Number.isInteger(v) || v < 0 || v >= nodes)
      throw new RangeError(
        `element '${e.name}' (${e.kind}): ${field} = ${v} is not a node index in [0, ${nodes})`,
      );
  };
  const finite = (e: Element, field: string, v: number) => {
    if (!Number.isFinite(v))
      throw new RangeError(`element '${e.name}' (${e.kind}): ${field} = ${v} is not finite`);
  };
  const branches = new Set<string>();
  for (const e of circuit.elements) {
    if (e.kind === 'vsource' || e.kind === 'vcvs') {
      if (branches.has(e.name)) throw new RangeError(`element '${e.name}': duplicate voltage-source name`);
      branches.add(e.name);
    }
  }
  for (const e of circuit.elements) {
    switch (e.kind) {
      case 'resistor':
        node(e, 'a', e.a);
        node(e, 'b', e.b);
        finite(e, 'g_S', e.g_S);
        break;
      case 'memristor':
        node(e, 'a', e.a);
        node(e, 'b', e.b);
        if (!Number.isInteger(e.device) || e.device < 0 || e.device >= circuit.conductances.length)
          throw new RangeError(
            `element '${e.name}' (memristor): device = ${e.device} is not in circuit.conductances`,
          );
        finite(e, `conductances[${e.device}]`, circuit.conductances[e.device]);
        break;
      case 'diode':
        node(e, 'anode', e.anode);
        node(e, 'cathode', e.cathode);
        if (e.model.kind === 'shockley') {
          if (!(e.model.is_A > 0))
            throw new RangeError(`element '${e.name}' (diode): model.is_A must be > 0`);
          if (!(e.model.n > 0)) throw new RangeError(`element '${e.name}' (diode): model.n must be > 0`);
          if (!(e.model.rs_Ohm >= 0))
            throw new RangeError(`element '${e.name}' (diode): model.rs_Ohm must be ≥ 0`);
        } else if (!(e.model.ron_Ohm > 0)) {
          throw new RangeError(`element '${e.name}' (diode): model.ron_Ohm must be > 0`);
        }
        break;
      case 'vsource':
        node(e, 'pos', e.pos);
        node(e, 'neg', e.neg);
        finite(e, 'value_V', e.value_V);
        break;
      case 'isource':
        node(e, 'from', e.from);
        node(e, 'to', e.to);
        finite(e, 'value_A', e.value_A);
        break;
      case 'vcvs':
        node(e, 'pos', e.pos);
        node(e, 'neg', e.neg);
        node(e, 'cpos', e.cpos);
        node(e, 'cneg', e.cneg);
        finite(e, 'gain', e.gain);
        break;
      case 'cccs':
        node(e, 'from', e.from);
        node(e, 'to', e.to);
        finite(e, 'gain', e.gain);
        if (!branches.has(e.control))
          throw new RangeError(`element '${e.name}' (cccs): control '${e.control}' is not a vsource or vcvs`);
        break;
      case 'capacitor':
        node(e, 'a', e.a);
        node(e, 'b', e.b);
        if (!(e.c_F >= 0)) throw new RangeError(`element '${e.name}' (capacitor): c_F must be ≥ 0`);
        break;
    }
  }
}
