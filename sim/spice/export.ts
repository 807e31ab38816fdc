// Export of a general `Circuit` to an ngspice (ngspice-39 dialect) netlist.
//
// Nodes are written n<i> (ground 0) and elements <letter><index>, so any node or element name is
// safe; `SpiceDeck` maps back. What each element becomes:
// - resistor, memristor: R with resistance 1/g (the memristor's current conductance).
// - Shockley diode: D with `.model D(IS N RS TNOM)`, instance `temp` = TNOM = the model's
//   temperature (so ngspice does not rescale IS) and `.options gmin` = the model's gmin_S, which
//   ngspice places across every junction — exactly the sim's diode (see diode.ts).
// - ideal diode: a behavioural current source I = v·(g_off + (g_on − g_off)·u(v)), the same
//   piecewise-linear law as the sim (a "near-ideal" Shockley model would be a different device).
// - V, I, E as is; CCCS as F controlled by a V source. ngspice's F needs a voltage source as its
//   control, so a VCVS that controls a CCCS gets a 0 V sense source in series with its output.
// - capacitor: C.
// Analyses: .op; .tran (with `uic` and .ic when initial node voltages are given); .dc of a source;
// and 'dc-table', which solves many DC points in one sweep: the tabled voltage sources become
// B sources V = pwl(v(swp), 0, y0, 1, y1, …) of a dummy source VSWP swept 0, 1, …, points − 1.
import type { Circuit, Element, ShockleyDiodeModel } from '../circuit/netlist.ts';
import { validateCircuit } from '../circuit/validate.ts';

export type SpiceAnalysis =
  | { kind: 'op' }
  | { kind: 'tran'; step_s: number; stop_s: number; maxStep_s?: number; initial_V?: Float64Array }
  | { kind: 'dc'; source: string; start: number; stop: number; step: number }
  | { kind: 'dc-table'; table: ReadonlyMap<string, ArrayLike<number>> }
  /** Netlist only: parse and exit (the baseline run for timing). */
  | { kind: 'none' };

export interface SpiceOptions {
  reltol: number;
  vntol: number;
  abstol: number;
  /** Circuit temperature and TNOM, °C (diodes carry their own; see above). */
  temp_C: number;
  /** Newton iteration limits: DC operating point, DC sweep points, transient points. */
  itl1: number;
  itl2: number;
  itl4: number;
  title: string;
}

export const DEFAULT_SPICE_OPTIONS: SpiceOptions = {
  reltol: 1e-9,
  vntol: 1e-12,
  abstol: 1e-16,
  temp_C: 27,
  itl1: 500,
  itl2: 500,
  itl4: 100,
  title: 'nudged circuit',
};

const KELVIN_OFFSET = 273.15;

export interface SpiceDeck {
  text: string;
  /** Name of node i in the raw output ('v(n3)'), undefined for ground. */
  nodeVector(node: number): string | undefined;
  /** ngspice name of element k of the circuit (lower case, as ngspice reports it). */
  elementName(k: number): string;
  /** Points the analysis produces when known in advance (dc-table). */
  points?: number;
}

export function spiceNode(n: number): string {
  return n === 0 ? '0' : `n${n}`;
}

function num(x: number, what: string): string {
  if (!Number.isFinite(x)) throw new RangeError(`${what} = ${x} cannot be written to SPICE`);
  return String(x);
}

const PREFIX: Record<Element['kind'], string> = {
  resistor: 'r',
  memristor: 'rm',
  diode: 'd',
  vsource: 'v',
  isource: 'i',
  vcvs: 'e',
  cccs: 'f',
  capacitor: 'c',
};

export function toSpiceDeck(
  circuit: Circuit,
  analysis: SpiceAnalysis,
  options: Partial<SpiceOptions> = {},
): SpiceDeck {
  validateCircuit(circuit);
  const o = { ...DEFAULT_SPICE_OPTIONS, ...options };
  const els = circuit.elements;
  const name = (k: number) => {
    const e = els[k];
    if (e.kind === 'diode' && e.model.kind === 'ideal') return `bd${k}`;
    if (e.kind === 'vsource' && tabled(k)) return `bv${k}`;
    return `${PREFIX[e.kind]}${k}`;
  };
  const table = analysis.kind === 'dc-table' ? analysis.table : null;
  const tabled = (k: number) => table !== null && table.has(els[k].name);
  const byName = new Map(els.map((e, k) => [e.name, k]));
  const controls = new Set(els.flatMap((e) => (e.kind === 'cccs' ? [e.control] : [])));
  const sense = (k: number) => `vs${k}`;

  let points: number | undefined;
  if (table) {
    for (const [src, values] of table) {
      const k = byName.get(src);
      if (k === undefined || els[k].kind !== 'vsource')
        throw new RangeError(`analysis.table: '${src}' is not a voltage source of the circuit`);
      if (controls.has(src))
        throw new RangeError(`analysis.table: '${src}' controls a CCCS and cannot be tabled`);
      if (points !== undefined && values.length !== points)
        throw new RangeError(`analysis.table: '${src}' has ${values.length} points, others ${points}`);
      points = values.length;
    }
    if (points === undefined || points < 2)
      throw new RangeError('analysis.table: needs sources with ≥ 2 points');
  }

  const lines: string[] = [`* ${o.title}`];
  const diodeGmin = new Set<number>();
  const models = new Map<string, string>();
  const modelOf = (m: ShockleyDiodeModel, k: number) => {
    const card = `d(is=${num(m.is_A, `element ${k} model.is_A`)} n=${num(m.n, `element ${k} model.n`)} rs=${num(
      m.rs_Ohm,
      `element ${k} model.rs_Ohm`,
    )} tnom=${num(m.temp_K - KELVIN_OFFSET, `element ${k} model.temp_K`)})`;
    let id = models.get(card);
    if (id === undefined) {
      id = `dmod${models.size}`;
      models.set(card, id);
    }
    diodeGmin.add(m.gmin_S);
    return id;
  };
  const volt = (n: number) => (n === 0 ? '0' : `v(${spiceNode(n)})`);

  for (let k = 0; k < els.length; k++) {
    const e = els[k];
    const nm = name(k);
    switch (e.kind) {
      case 'resistor':
      case 'memristor': {
        const g = e.kind === 'resistor' ? e.g_S : circuit.conductances[e.device];
        if (!(g > 0))
          throw new RangeError(`element '${e.name}' (${e.kind}): conductance ${g} S must be > 0 for SPICE`);
        lines.push(
          `${nm} ${spiceNode(e.a)} ${spiceNode(e.b)} ${num(1 / g, `element '${e.name}' resistance`)}`,
        );
        break;
      }
      case 'diode':
        if (e.model.kind === 'shockley') {
          const m = modelOf(e.model, k);
          const temp = num(e.model.temp_K - KELVIN_OFFSET, `element '${e.name}' temp`);
          lines.push(`${nm} ${spiceNode(e.anode)} ${spiceNode(e.cathode)} ${m} temp=${temp}`);
        } else {
          const v = `(${volt(e.anode)}-${volt(e.cathode)})`;
          const gon = 1 / e.model.ron_Ohm;
          const goff = e.model.off_S;
          lines.push(
            `${nm} ${spiceNode(e.anode)} ${spiceNode(e.cathode)} i=${v}*(${num(goff, 'off_S')}+${num(gon - goff, 'ron_Ohm')}*u(${v}))`,
          );
        }
        break;
      case 'vsource':
        if (tabled(k)) {
          const ys = (table as ReadonlyMap<string, ArrayLike<number>>).get(e.name) as ArrayLike<number>;
          const pairs: string[] = [];
          for (let p = 0; p < ys.length; p++) pairs.push(`${p},${num(ys[p], `table '${e.name}'[${p}]`)}`);
          lines.push(`${nm} ${spiceNode(e.pos)} ${spiceNode(e.neg)} v=pwl(v(swp),${pairs.join(',')})`);
        } else {
          lines.push(
            `${nm} ${spiceNode(e.pos)} ${spiceNode(e.neg)} dc ${num(e.value_V, `element '${e.name}' value_V`)}`,
          );
        }
        break;
      case 'isource':
        lines.push(
          `${nm} ${spiceNode(e.from)} ${spiceNode(e.to)} dc ${num(e.value_A, `element '${e.name}' value_A`)}`,
        );
        break;
      case 'vcvs': {
        const gain = num(e.gain, `element '${e.name}' gain`);
        const ctrl = `${spiceNode(e.cpos)} ${spiceNode(e.cneg)} ${gain}`;
        if (controls.has(e.name)) {
          // pos → sense source → internal node → E → neg: the sense current is the E branch current.
          const mid = `es${k}`;
          lines.push(`${sense(k)} ${spiceNode(e.pos)} ${mid} dc 0`);
          lines.push(`${nm} ${mid} ${spiceNode(e.neg)} ${ctrl}`);
        } else lines.push(`${nm} ${spiceNode(e.pos)} ${spiceNode(e.neg)} ${ctrl}`);
        break;
      }
      case 'cccs': {
        const c = byName.get(e.control) as number;
        const ctrl = els[c].kind === 'vcvs' ? sense(c) : name(c);
        lines.push(
          `${nm} ${spiceNode(e.from)} ${spiceNode(e.to)} ${ctrl} ${num(e.gain, `element '${e.name}' gain`)}`,
        );
        break;
      }
      case 'capacitor': {
        const ic =
          analysis.kind === 'tran' && analysis.initial_V
            ? ` ic=${num(analysis.initial_V[e.a] - analysis.initial_V[e.b], `initial_V across '${e.name}'`)}`
            : '';
        lines.push(`${nm} ${spiceNode(e.a)} ${spiceNode(e.b)} ${num(e.c_F, `element '${e.name}' c_F`)}${ic}`);
        break;
      }
    }
  }
  for (const [card, id] of models) lines.push(`.model ${id} ${card}`);
  if (diodeGmin.size > 1)
    throw new RangeError(
      `diode models disagree on gmin_S (${[...diodeGmin].join(', ')}); ngspice has one GMIN`,
    );
  const gmin = diodeGmin.size === 1 ? [...diodeGmin][0] : 1e-12;
  lines.push(
    `.options reltol=${o.reltol} vntol=${o.vntol} abstol=${o.abstol} gmin=${num(gmin, 'gmin_S')} ` +
      `temp=${o.temp_C} tnom=${o.temp_C} itl1=${o.itl1} itl2=${o.itl2} itl4=${o.itl4}`,
  );
  lines.push(...analysisCards(circuit, analysis, name, byName, points));
  lines.push('.end', '');
  return {
    text: lines.join('\n'),
    nodeVector: (n) => (n === 0 ? undefined : `v(${spiceNode(n)})`),
    elementName: name,
    points,
  };
}

function analysisCards(
  circuit: Circuit,
  analysis: SpiceAnalysis,
  name: (k: number) => string,
  byName: Map<string, number>,
  points: number | undefined,
): string[] {
  switch (analysis.kind) {
    case 'none':
      return [];
    case 'op':
      return ['.op'];
    case 'dc': {
      const k = byName.get(analysis.source);
      const kind = k === undefined ? undefined : circuit.elements[k].kind;
      if (kind !== 'vsource' && kind !== 'isource')
        throw new RangeError(
          `analysis.source: '${analysis.source}' is not an independent source of the circuit`,
        );
      return [`.dc ${name(k as number)} ${analysis.start} ${analysis.stop} ${analysis.step}`];
    }
    case 'dc-table':
      return ['vswp swp 0 dc 0', `.dc vswp 0 ${(points as number) - 1} 1`];
    case 'tran': {
      const max = analysis.maxStep_s ?? analysis.step_s;
      if (!analysis.initial_V) return [`.tran ${analysis.step_s} ${analysis.stop_s} 0 ${max}`];
      if (analysis.initial_V.length !== circuit.nodeNames.length)
        throw new RangeError(
          `analysis.initial_V has ${analysis.initial_V.length} entries, circuit has ${circuit.nodeNames.length} nodes`,
        );
      const ic: string[] = [];
      for (let n = 1; n < circuit.nodeNames.length; n++)
        ic.push(`v(${spiceNode(n)})=${num(analysis.initial_V[n], `initial_V[${n}]`)}`);
      return [`.ic ${ic.join(' ')}`, `.tran ${analysis.step_s} ${analysis.stop_s} 0 ${max} uic`];
    }
  }
}
