// Test helpers written independently of the layered solver: KCL of a general `Circuit` at given
// node voltages (Shockley diode in closed form, no use of sim/circuit/diode.ts), a dense Gaussian
// elimination, and a random-network builder.
import type { Circuit } from '../../sim/circuit/netlist.ts';
import { layoutNetwork } from '../../src/network/description.ts';
import type { NetworkInput, NetworkLayout } from '../../src/network/description.ts';
import { Rng } from '../../src/util/random.ts';

const K_OVER_Q = 1.38064852e-23 / 1.6021766208e-19;

/** Independent diode current: Shockley with emission n at 300.15 K plus GMIN = 1e-12 S (the
 * reverse cubic of ngspice differs from this by < 0.04·Is), series resistance by bisection, or
 * the PWL ideal diode. */
export function referenceDiodeCurrent(
  model: Circuit['elements'][number] & { kind: 'diode' },
  v: number,
): number {
  const m = model.model;
  if (m.kind === 'ideal') return v > 0 ? v / m.ron_Ohm : m.off_S * v;
  const junction = (vj: number) => m.is_A * Math.expm1(vj / (m.n * K_OVER_Q * m.temp_K)) + m.gmin_S * vj;
  if (m.rs_Ohm === 0) return junction(v);
  // Series resistance: bisection for the junction voltage vj + RS·I(vj) = v.
  let lo = Math.min(0, v);
  let hi = Math.max(0, v);
  for (let k = 0; k < 200 && hi > lo; k++) {
    const mid = 0.5 * (lo + hi);
    if (mid === lo || mid === hi) break;
    if (mid + m.rs_Ohm * junction(mid) > v) hi = mid;
    else lo = mid;
  }
  return junction(0.5 * (lo + hi));
}

/** Voltages of every circuit node: sources, floating nodes from `floating`, VCVS outputs. */
export function nodeVoltages(
  circuit: Circuit,
  floatingNode: Int32Array,
  floating: Float64Array,
): Float64Array {
  const v = new Float64Array(circuit.nodeNames.length);
  floatingNode.forEach((node, i) => (v[node] = floating[i]));
  for (const e of circuit.elements) if (e.kind === 'vsource') v[e.pos] = v[e.neg] + e.value_V;
  for (const e of circuit.elements)
    if (e.kind === 'vcvs') v[e.pos] = v[e.neg] + e.gain * (v[e.cpos] - v[e.cneg]);
  return v;
}

/** Net current leaving each floating node through the circuit's elements (caps ignored: DC). */
export function kclResidual(
  circuit: Circuit,
  floatingNode: Int32Array,
  floating: Float64Array,
): Float64Array {
  const v = nodeVoltages(circuit, floatingNode, floating);
  const leaving = new Float64Array(v.length);
  const vcvsCurrent = new Map<string, number>(); // current into the VCVS + terminal
  const vcvsNode = new Map<number, string>();
  for (const e of circuit.elements) if (e.kind === 'vcvs') vcvsNode.set(e.pos, e.name);
  const flow = (a: number, b: number, i: number) => {
    leaving[a] += i;
    leaving[b] -= i;
  };
  for (const e of circuit.elements) {
    if (e.kind === 'memristor' || e.kind === 'resistor') {
      const g = e.kind === 'memristor' ? circuit.conductances[e.device] : e.g_S;
      const i = g * (v[e.a] - v[e.b]);
      flow(e.a, e.b, i);
      for (const [node, sign] of [
        [e.a, 1],
        [e.b, -1],
      ] as const) {
        const name = vcvsNode.get(node);
        if (name) vcvsCurrent.set(name, (vcvsCurrent.get(name) ?? 0) - sign * i);
      }
    } else if (e.kind === 'diode')
      flow(e.anode, e.cathode, referenceDiodeCurrent(e, v[e.anode] - v[e.cathode]));
    else if (e.kind === 'isource') flow(e.from, e.to, e.value_A);
  }
  for (const e of circuit.elements) {
    if (e.kind === 'cccs') {
      const ic = vcvsCurrent.get(e.control);
      if (ic === undefined) throw new Error(`no VCVS ${e.control}`);
      flow(e.from, e.to, e.gain * ic);
    }
  }
  return Float64Array.from(floatingNode, (n) => leaving[n]);
}

/** Solves A x = b (n×n row-major, copies) by Gaussian elimination with partial pivoting. */
export function denseSolve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(m[i][k]) > Math.abs(m[p][k])) p = i;
    [m[k], m[p]] = [m[p], m[k]];
    for (let i = k + 1; i < n; i++) {
      const f = m[i][k] / m[k][k];
      for (let j = k; j <= n; j++) m[i][j] -= f * m[k][j];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = m[i][n];
    for (let j = i + 1; j < n; j++) s -= m[i][j] * x[j];
    x[i] = s / m[i][i];
  }
  return x;
}

export interface RandomNet {
  layout: NetworkLayout;
  g: Float64Array;
  x: Float64Array;
}

/** A network with conductances uniform in the description's range and input features uniform
 * in [−scale, scale] V (doubled lines inverted). */
export function randomNet(desc: NetworkInput, seed: number, scale: number): RandomNet {
  const layout = layoutNetwork(desc);
  const rng = new Rng(seed);
  const { min_S, max_S } = layout.desc.conductance;
  const g = new Float64Array(layout.totalDevices);
  for (let i = 0; i < g.length; i++) g[i] = rng.range(min_S, max_S);
  const x = new Float64Array(layout.inputLines);
  const n = layout.desc.inputs;
  for (let i = 0; i < n; i++) {
    x[i] = scale * rng.range(-1, 1);
    if (layout.desc.doubledInputs) x[n + i] = -x[i];
  }
  return { layout, g, x };
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb);
}
