// Seeded random circuits for the solver and ngspice cross-validation tests: a resistor spanning
// tree (every node has a DC path to ground) plus extra resistors, Shockley diodes with series
// resistance, an ideal diode, voltage and current sources, VCVS amplifiers (some controlling a
// CCCS) and CCCS stages; optionally a capacitor at every node. Gains are kept moderate so the
// operating point is unique.
import type { Circuit, Element, ShockleyDiodeModel } from '../../sim/circuit/netlist.ts';
import { Rng } from '../../src/util/random.ts';

export interface RandomCircuitOptions {
  nodes: number;
  capacitors?: boolean;
  idealDiode?: boolean;
}

/** A random Shockley diode; `allowZeroRs` only where no ideal source can sit across it (a bare
 * junction across a volt-level source would carry kiloamperes). */
export function shockley(rng: Rng, allowZeroRs = false): ShockleyDiodeModel {
  return {
    kind: 'shockley',
    is_A: 10 ** rng.range(-15, -12),
    n: rng.range(1, 2),
    rs_Ohm: allowZeroRs && rng.uniform() < 0.3 ? 0 : rng.range(10, 200),
    temp_K: 300.15,
    gmin_S: 1e-12,
  };
}

/**
 * Three groups of nodes so the operating point is unique: A holds the sources and the amplifier's
 * input, B is driven by the VCVS from A and loads it back through the CCCS (backward gain at most
 * the forward gain), C is driven feed-forward by a CCCS controlled by a source in A. Each group
 * has a resistive spanning tree to ground, extra resistors and diodes.
 */
export function randomCircuit(seed: number, o: RandomCircuitOptions): Circuit {
  const rng = new Rng(seed);
  const n = o.nodes;
  if (n < 6) throw new RangeError(`nodes must be ≥ 6, got ${n}`);
  const nodeNames = ['0', ...Array.from({ length: n }, (_, i) => `node${i + 1}`)];
  const elements: Element[] = [];
  const conductances: number[] = [];
  const g = () => 10 ** rng.range(-4.5, -2.5);
  const aEnd = Math.ceil(n / 2);
  const bEnd = aEnd + Math.ceil((n - aEnd) / 2);
  const groups = [
    { lo: 1, hi: aEnd },
    { lo: aEnd + 1, hi: bEnd },
    { lo: bEnd + 1, hi: n },
  ];
  const inGroup = (k: number, groupWithGround = true) => {
    const gr = groups[k];
    const lo = groupWithGround ? gr.lo - 1 : gr.lo;
    const v = rng.int(lo, gr.hi);
    return v === gr.lo - 1 ? 0 : v;
  };

  groups.forEach((gr, k) => {
    for (let node = gr.lo; node <= gr.hi; node++) {
      const parent =
        node === gr.lo ? 0 : rng.int(gr.lo - 1, node - 1) === gr.lo - 1 ? 0 : rng.int(gr.lo, node - 1);
      if (rng.uniform() < 0.5)
        elements.push({ kind: 'resistor', name: `Rt${node}`, a: node, b: parent, g_S: g() });
      else {
        elements.push({
          kind: 'memristor',
          name: `Mt${node}`,
          a: node,
          b: parent,
          device: conductances.length,
        });
        conductances.push(g());
      }
    }
    for (let e = 0; e < gr.hi - gr.lo + 1; e++) {
      elements.push({ kind: 'resistor', name: `Rx${k}_${e}`, a: inGroup(k, false), b: inGroup(k), g_S: g() });
    }
    for (let d = 0; d < Math.max(1, (gr.hi - gr.lo + 1) >> 1) + 1; d++) {
      const a = inGroup(k, false);
      let c = inGroup(k);
      if (c === a) c = 0;
      const forward = rng.uniform() < 0.5;
      const name = `D${k}_${d}`;
      elements.push({
        kind: 'diode',
        name,
        anode: forward ? a : c,
        cathode: forward ? c : a,
        model: shockley(rng, k === 2),
      });
    }
  });

  const [vIn, vRef, ctrl] = [groups[0].lo, groups[0].lo + 1, groups[0].hi];
  elements.push({ kind: 'vsource', name: 'Vin', pos: vIn, neg: 0, value_V: rng.range(-2, 2) });
  elements.push({ kind: 'vsource', name: 'Vref', pos: vRef, neg: 0, value_V: rng.range(0.5, 2) });
  elements.push({
    kind: 'isource',
    name: 'Iin',
    from: 0,
    to: inGroup(0, false),
    value_A: rng.range(-1e-4, 1e-4),
  });
  const gain = rng.range(0.5, 3);
  elements.push({ kind: 'vcvs', name: 'Eamp', pos: groups[1].lo, neg: 0, cpos: ctrl, cneg: 0, gain });
  // I(Eamp) flows into its + terminal (minus the current delivered into B): injecting it into
  // the control node loads A with a scaled copy of B's current, as the thesis's amplifier does.
  elements.push({
    kind: 'cccs',
    name: 'Fback',
    from: 0,
    to: ctrl,
    control: 'Eamp',
    gain: gain * rng.range(0.5, 1),
  });
  // Group C: Fin injects into c0, clamped by antiparallel diodes to ground like a neuron.
  const c0 = groups[2].lo;
  elements.push({ kind: 'cccs', name: 'Fin', from: 0, to: c0, control: 'Vref', gain: rng.range(0.1, 1) });
  elements.push({ kind: 'diode', name: 'Dclamp+', anode: c0, cathode: 0, model: shockley(rng) });
  elements.push({ kind: 'diode', name: 'Dclamp-', anode: 0, cathode: c0, model: shockley(rng) });
  if (o.idealDiode) {
    const model = { kind: 'ideal' as const, ron_Ohm: rng.range(50, 500), off_S: 1e-12 };
    elements.push({ kind: 'diode', name: 'Dideal', anode: inGroup(2, false), cathode: 0, model });
  }
  if (o.capacitors) {
    // None across a voltage source or VCVS output: from a discharged start that would be a current
    // impulse at t = 0+, which integrators resolve differently (trapezoidal rings).
    const driven = new Set([vIn, vRef, groups[1].lo]);
    for (let k = 1; k <= n; k++) {
      if (!driven.has(k))
        elements.push({ kind: 'capacitor', name: `C${k}`, a: k, b: 0, c_F: 10 ** rng.range(-12, -11) });
    }
  }
  // A fixed element order could hide ordering bugs in the stamps or the export.
  rng.shuffle(elements);
  return { nodeNames, elements, conductances: Float64Array.from(conductances) };
}
