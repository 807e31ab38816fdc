// The layered network as a general netlist (for the general MNA solver and SPICE export):
// input-line voltage sources, one memristor per crossbar device (its conductance is the live
// g_S entry), two diodes per floating node to shared bias sources, node capacitors, nudging
// current sources into the output nodes, and per hidden neuron a VCVS (row line = gain·V_h) with
// a CCCS sinking backwardGain × the VCVS current from the neuron (thesis §4.4.2).
import type { Circuit, Element } from '../circuit/netlist.ts';
import type { NetworkStructure } from './structure.ts';

export function layeredToCircuit(
  s: NetworkStructure,
  inputs_V: Float64Array,
  nudge_A: Float64Array | null,
): { circuit: Circuit; floatingNode: Int32Array } {
  const names = ['0'];
  const node = (name: string): number => names.push(name) - 1;
  const elements: Element[] = [];
  const amplified = s.layout.desc.amplifier !== undefined;

  const inputNode = new Int32Array(s.inputLines);
  for (let r = 0; r < s.inputLines; r++) {
    inputNode[r] = node(`in${r}`);
    elements.push({ kind: 'vsource', name: `Vin${r}`, pos: inputNode[r], neg: 0, value_V: inputs_V[r] });
  }
  const biasHigh = node('bias_high');
  const biasLow = node('bias_low');
  elements.push({ kind: 'vsource', name: 'Vbias_high', pos: biasHigh, neg: 0, value_V: s.biasHigh_V });
  elements.push({ kind: 'vsource', name: 'Vbias_low', pos: biasLow, neg: 0, value_V: s.biasLow_V });

  const floatingNode = new Int32Array(s.nodes);
  for (let j = 0; j < s.layers; j++) {
    const hidden = j < s.layers - 1;
    for (let c = 0; c < s.sizes[j]; c++) {
      const i = s.offsets[j] + c;
      const name = hidden ? `h${j + 1}_${c}` : `y${c}`;
      const n = (floatingNode[i] = node(name));
      elements.push({ kind: 'diode', name: `Dup_${name}`, anode: n, cathode: biasHigh, model: s.diode });
      elements.push({ kind: 'diode', name: `Ddown_${name}`, anode: biasLow, cathode: n, model: s.diode });
      if (s.capacitance_F > 0)
        elements.push({ kind: 'capacitor', name: `C_${name}`, a: n, b: 0, c_F: s.capacitance_F });
      if (!hidden) {
        const value_A = nudge_A ? nudge_A[c] : 0;
        elements.push({ kind: 'isource', name: `Inudge_${name}`, from: 0, to: n, value_A });
      }
    }
  }

  for (let j = 0; j < s.layers; j++) {
    const rows = s.rows[j];
    const cols = s.sizes[j];
    const rowNode = new Int32Array(rows);
    for (let r = 0; r < rows; r++) {
      if (j === 0) {
        rowNode[r] = inputNode[r];
        continue;
      }
      const h = floatingNode[s.offsets[j - 1] + r];
      if (!amplified) {
        rowNode[r] = h;
        continue;
      }
      const label = `${names[h]}`;
      const out = (rowNode[r] = node(`amp_${label}`));
      elements.push({
        kind: 'vcvs',
        name: `Eamp_${label}`,
        pos: out,
        neg: 0,
        cpos: h,
        cneg: 0,
        gain: s.gain,
      });
      // I(Eamp) flows into its + terminal, i.e. minus the current it delivers into the array; the
      // CCCS injects backwardGain·I(Eamp) into h, so h loses backwardGain × the delivered current.
      elements.push({
        kind: 'cccs',
        name: `Famp_${label}`,
        from: 0,
        to: h,
        control: `Eamp_${label}`,
        gain: s.backwardGain,
      });
    }
    let d = s.layout.deviceOffsets[j];
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const col = floatingNode[s.offsets[j] + c];
        elements.push({ kind: 'memristor', name: `G${j}_${r}_${c}`, a: rowNode[r], b: col, device: d++ });
      }
    }
  }
  return { circuit: { nodeNames: names, elements, conductances: s.g_S }, floatingNode };
}
