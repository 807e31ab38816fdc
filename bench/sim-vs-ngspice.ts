// Benchmark (issue 2 §4): LayeredCircuit.solveDc against ngspice on the 1568-100-20 network
// (784 doubled inputs, 100 Shockley-diode neurons, 10 differential output pairs, conductances
// 1–100 µS) and on an Iris-size network, 200 random input vectors, two regimes: inputs in
// [−1, 1] V, and inputs scaled up until ≥ 30 % of the neurons' diodes conduct.
//
// ngspice runs its fastest fair way: one process, one parse and setup, all vectors in one DC sweep
// (the input sources are B sources reading a pwl table indexed by a swept dummy source, so each
// point starts from the previous one, as the sim's warm start does). Its time per solve is
// (wall time with the sweep − wall time of the same deck without it) / vectors. The sim's time is
// the wall time of the warm-started solveDc calls. Every floating node of every vector is compared.
//
// Run: npm run bench -- sim-vs-ngspice   (a few minutes: ngspice solves the big network slowly)
import { LayeredCircuit } from '../sim/network/layered-circuit.ts';
import { toSpiceDeck } from '../sim/spice/export.ts';
import { runNgspice } from '../sim/spice/ngspice.ts';
import { inputLineVoltages, layoutNetwork } from '../src/network/description.ts';
import type { NetworkInput } from '../src/network/description.ts';
import { Rng } from '../src/util/random.ts';

const VECTORS = 200;
const CONDUCTING_TARGET = 0.3;

interface RegimeResult {
  label: string;
  scale: number;
  conducting: number;
  sim_ms: number;
  ngspice_ms: number;
  speedup: number;
  max_abs_dv: number;
  simIterations: number;
}

function buildNetwork(input: NetworkInput, seed: number) {
  const layout = layoutNetwork(input);
  const rng = new Rng(seed);
  const g = Float64Array.from({ length: layout.totalDevices }, () => rng.range(1e-6, 1e-4));
  const features = Array.from({ length: VECTORS }, () =>
    Float64Array.from({ length: layout.desc.inputs }, () => rng.range(-1, 1)),
  );
  return { layout, net: new LayeredCircuit(layout, g), features };
}

type Network = ReturnType<typeof buildNetwork>;

function scaledInputs(n: Network, scale: number): Float64Array[] {
  return n.features.map((x) =>
    inputLineVoltages(
      n.layout,
      x.map((v) => v * scale),
    ),
  );
}

/** Solves every vector in order, each warm-started from the previous solution. */
function solveAll(n: Network, inputs: Float64Array[]) {
  const out: Float64Array[] = [];
  let iterations = 0;
  let warm: Float64Array | undefined;
  const started = performance.now();
  for (const v of inputs) {
    const sol = n.net.solveDc(v, { warmStart_V: warm });
    if (!sol.converged) throw new Error(`sim did not converge (residual ${sol.residual_A} A)`);
    iterations += sol.iterations;
    warm = sol.v_V;
    out.push(sol.v_V);
  }
  return { v: out, ms: performance.now() - started, iterations };
}

function meanConducting(n: Network, inputs: Float64Array[], v: Float64Array[]): number {
  let sum = 0;
  inputs.forEach((x, p) => (sum += n.net.conductingDiodeFraction(x, v[p])));
  return sum / inputs.length;
}

/** Smallest scale of the form 1.25^k at which the diodes conduct (LayeredCircuit's criterion:
 * incremental conductance ≥ the node's crossbar conductance) in ≥ 30 % of neurons, averaged over
 * all vectors. */
function conductingScale(n: Network): number {
  for (let scale = 1; scale < 1e4; scale *= 1.25) {
    const inputs = scaledInputs(n, scale);
    const { v } = solveAll(n, inputs);
    if (meanConducting(n, inputs, v) >= CONDUCTING_TARGET) return scale;
  }
  throw new Error('no input scale makes 30 % of the diodes conduct');
}

async function ngspiceSweep(n: Network, inputs: Float64Array[]) {
  const { circuit, floatingNode } = n.net.toCircuit(inputs[0]);
  const table = new Map<string, Float64Array>();
  for (const e of circuit.elements) {
    if (e.kind === 'vsource' && e.name.startsWith('Vin')) {
      const line = Number(e.name.slice(3));
      table.set(
        e.name,
        Float64Array.from(inputs, (v) => v[line]),
      );
    }
  }
  const deck = toSpiceDeck(circuit, { kind: 'dc-table', table }, { title: 'sim-vs-ngspice' });
  const baseline = await runNgspice(deck.text.replace(/^\.dc .*$/m, ''), false);
  const run = await runNgspice(deck.text, true);
  const v = inputs.map((_, p) =>
    Float64Array.from(floatingNode, (node) => {
      const col = run.vectors.get(deck.nodeVector(node) as string);
      if (!col || col.length !== inputs.length) throw new Error(`ngspice: missing points for node ${node}`);
      return col[p];
    }),
  );
  return { v, ms: run.wall_ms - baseline.wall_ms, baseline_ms: baseline.wall_ms };
}

async function regime(n: Network, label: string, scale: number): Promise<RegimeResult> {
  const inputs = scaledInputs(n, scale);
  solveAll(n, inputs.slice(0, 5)); // JIT warm-up
  const sims = [solveAll(n, inputs), solveAll(n, inputs)];
  const sim = sims[0].ms <= sims[1].ms ? sims[0] : sims[1];
  const conducting = meanConducting(n, inputs, sim.v);
  const spice = await ngspiceSweep(n, inputs);
  let maxDv = 0;
  sim.v.forEach((v, p) => v.forEach((x, i) => (maxDv = Math.max(maxDv, Math.abs(x - spice.v[p][i])))));
  const sim_ms = sim.ms / inputs.length;
  const ngspice_ms = spice.ms / inputs.length;
  const r = {
    label,
    scale,
    conducting,
    sim_ms,
    ngspice_ms,
    speedup: ngspice_ms / sim_ms,
    max_abs_dv: maxDv,
    simIterations: sim.iterations / inputs.length,
  };
  console.log(
    `  ${label.padEnd(34)} scale ${scale.toFixed(3).padStart(7)}  conducting ${(100 * conducting).toFixed(1).padStart(5)} %  ` +
      `sim ${sim_ms.toFixed(4)} ms/solve (${r.simIterations.toFixed(1)} it)  ngspice ${ngspice_ms.toFixed(2)} ms/solve ` +
      `(parse+setup baseline ${(spice.baseline_ms / 1000).toFixed(1)} s)  speedup ${r.speedup.toFixed(0)}×  max|ΔV| ${maxDv.toExponential(2)} V`,
  );
  return r;
}

async function network(name: string, input: NetworkInput, seed: number): Promise<RegimeResult[]> {
  const n = buildNetwork(input, seed);
  const { layout } = n;
  console.log(
    `${name}: ${layout.inputLines} input lines, hidden ${JSON.stringify(layout.desc.hidden)}, ${layout.outputNodes} output nodes, ` +
      `${layout.totalDevices} devices, ${VECTORS} vectors`,
  );
  const linear = await regime(n, 'inputs in [-1, 1] V', 1);
  const scale = conductingScale(n);
  const saturated = await regime(n, `inputs scaled (≥ ${100 * CONDUCTING_TARGET} % conducting)`, scale);
  return [linear, saturated];
}

const diode = { model: 'shockley' as const, is_A: 1e-14, n: 1, rs_Ohm: 0 };
const big = await network(
  '1568-100-20',
  { inputs: 784, hidden: [100], outputs: 10, diode, nodeCapacitance_F: 0 },
  2024,
);
const iris = await network(
  'Iris 8-32-6',
  { inputs: 4, hidden: [32], outputs: 3, diode, nodeCapacitance_F: 0 },
  7,
);

const worst = big[0].speedup <= big[1].speedup ? big[0] : big[1];
const round = (x: number, d: number) => Number(x.toPrecision(d));
console.log(
  JSON.stringify({
    bench: 'sim-vs-ngspice',
    sim_ms_per_solve: round(worst.sim_ms, 4),
    ngspice_ms_per_solve: round(worst.ngspice_ms, 4),
    speedup: round(worst.speedup, 4),
    max_abs_dv: round(Math.max(big[0].max_abs_dv, big[1].max_abs_dv), 3),
    linear_speedup: round(big[0].speedup, 4),
    conducting_speedup: round(big[1].speedup, 4),
    conducting_fraction: round(big[1].conducting, 3),
    iris_speedup: round(Math.min(iris[0].speedup, iris[1].speedup), 4),
    iris_max_abs_dv: round(Math.max(iris[0].max_abs_dv, iris[1].max_abs_dv), 3),
  }),
);
