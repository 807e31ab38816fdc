// Layered-network DC solver on the digits network (784 inputs doubled → 1568 lines, hidden 100,
// 10 differential outputs → 20 nodes; 158,800 devices): ms per solve, cold (new input vector:
// includes the O(devices) input pass) and warm (nudged phase started from the free solution, input
// pass cached), in the moderate regime (inputs in [−1, 1] V) and the strongly nonlinear regime
// (inputs scaled until ≥ 30 % of the diodes conduct). Also one training sample's simulator work:
// free + two nudged phases (±β) + the voltage-drop pass.
// Usage: npm run bench -- layered-solve [samples]
import { layoutNetwork } from '../src/network/description.ts';
import { Rng } from '../src/util/random.ts';
import { LayeredCircuit } from '../sim/network/layered-circuit.ts';

const samples = Number(process.argv[2] ?? 200);
const layout = layoutNetwork({ inputs: 784, hidden: [100], outputs: 10 });
const rng = new Rng(2024);
const { min_S, max_S } = layout.desc.conductance;
const g = new Float64Array(layout.totalDevices);
for (let i = 0; i < g.length; i++) g[i] = rng.range(min_S, max_S);
const net = new LayeredCircuit(layout, g);

function inputs(scale: number, count: number): Float64Array[] {
  const r = new Rng(7);
  return Array.from({ length: count }, () => {
    const x = new Float64Array(layout.inputLines);
    for (let i = 0; i < layout.desc.inputs; i++) {
      x[i] = scale * r.range(-1, 1);
      x[layout.desc.inputs + i] = -x[i];
    }
    return x;
  });
}

function conducting(scale: number): number {
  let acc = 0;
  for (const x of inputs(scale, 5)) acc += net.conductingDiodeFraction(x, net.solveDc(x).v_V);
  return acc / 5;
}

interface Regime {
  scale: number;
  conducting: number;
  coldMs: number;
  warmMs: number;
  coldIterations: number;
  warmIterations: number;
  sampleMs: number;
  /** Process CPU time per sample (free + ±β + drops), ms: the one-core figure on a shared machine. */
  sampleCpuMs: number;
  maxResidual_A: number;
  unconverged: number;
}

function measure(scale: number): Regime {
  const xs = inputs(scale, samples);
  const nudge = new Float64Array(layout.outputNodes);
  const drops = new Float64Array(layout.totalDevices);
  let cold = 0;
  let warm = 0;
  let coldIt = 0;
  let warmIt = 0;
  let worst = 0;
  let bad = 0;
  let sample = 0;
  let cpu = 0;
  for (let pass = 0; pass < 2; pass++) {
    // pass 0 warms up the JIT and is not counted
    cold = warm = coldIt = warmIt = worst = bad = sample = 0;
    const cpu0 = process.cpuUsage();
    for (const x of xs) {
      const t0 = performance.now();
      const free = net.solveDc(x);
      const t1 = performance.now();
      for (let k = 0; k < nudge.length; k++)
        nudge[k] = (k % 2 === 0 ? 1 : -1) * 1e-6 * (0.5 - free.v_V[layout.outputOffset + k]);
      const plus = net.solveDc(x, { nudge_A: nudge, warmStart_V: free.v_V });
      const t2 = performance.now();
      for (let k = 0; k < nudge.length; k++) nudge[k] = -nudge[k];
      const minus = net.solveDc(x, { nudge_A: nudge, warmStart_V: free.v_V });
      net.deviceVoltageDrops(x, plus.v_V, drops);
      net.deviceVoltageDrops(x, minus.v_V, drops);
      const t3 = performance.now();
      cold += t1 - t0;
      warm += t2 - t1;
      sample += t3 - t0;
      coldIt += free.iterations;
      warmIt += plus.iterations;
      for (const s of [free, plus, minus]) {
        worst = Math.max(worst, s.residual_A);
        if (!s.converged) bad++;
      }
    }
    const used = process.cpuUsage(cpu0);
    cpu = (used.user + used.system) / 1000;
  }
  const n = xs.length;
  return {
    scale,
    conducting: conducting(scale),
    coldMs: cold / n,
    warmMs: warm / n,
    coldIterations: coldIt / n,
    warmIterations: warmIt / n,
    sampleMs: sample / n,
    sampleCpuMs: cpu / n,
    maxResidual_A: worst,
    unconverged: bad,
  };
}

let strongScale = 1;
while (conducting(strongScale) < 0.3 && strongScale < 1e4) strongScale *= 1.5;

const moderate = measure(1);
const strong = measure(strongScale);
for (const [name, r] of [
  ['moderate', moderate],
  ['strong', strong],
] as const) {
  console.log(
    `${name.padEnd(8)} inputs ×${r.scale.toFixed(1)} (${(100 * r.conducting).toFixed(0)} % diodes conducting): ` +
      `cold ${r.coldMs.toFixed(3)} ms (${r.coldIterations.toFixed(1)} it), warm ${r.warmMs.toFixed(3)} ms ` +
      `(${r.warmIterations.toFixed(1)} it), sample (free + ±β + drops) ${r.sampleMs.toFixed(3)} ms ` +
      `(${r.sampleCpuMs.toFixed(3)} ms CPU), ` +
      `max residual ${r.maxResidual_A.toExponential(1)} A, unconverged ${r.unconverged}`,
  );
}
console.log(
  JSON.stringify({ bench: 'layered-solve', samples, devices: layout.totalDevices, moderate, strong }),
);
