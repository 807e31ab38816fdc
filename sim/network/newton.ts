// Damped Newton–Raphson on KCL at the floating nodes, with junction limiting, backtracking line
// search, and the classical fallbacks (gmin stepping, then source stepping) when plain Newton
// fails. All buffers are allocated once; an iteration costs one KCL evaluation (O(nodes + hidden
// devices)) and one block-tridiagonal solve.
import { thermalVoltage } from '../circuit/diode.ts';
import { BlockSolver } from './block-solver.ts';
import { KclWorkspace } from './kcl.ts';
import type { KclTerms } from './kcl.ts';
import type { NetworkStructure } from './structure.ts';

export interface NewtonResult {
  iterations: number;
  residual_A: number;
  converged: boolean;
}

export type Fallback = 'none' | 'gmin-stepping' | 'source-stepping';

/** Smallest line-search step before the step is taken anyway (Newton then relies on the
 * iteration limit and the fallbacks). */
const MIN_STEP = 1 / 1024;

export class NewtonSolver {
  readonly kcl: KclWorkspace;
  readonly linear: BlockSolver;
  private readonly delta: Float64Array;
  private readonly vOld: Float64Array;
  private readonly upI: Float64Array;
  private readonly upG: Float64Array;
  private readonly downI: Float64Array;
  private readonly downG: Float64Array;
  /** Conductance at each node other than its diodes (crossbar devices, shunt). */
  private readonly devG: Float64Array;

  constructor(private readonly s: NetworkStructure) {
    const n = s.nodes;
    this.kcl = new KclWorkspace(s);
    this.linear = new BlockSolver(s);
    this.delta = new Float64Array(n);
    this.vOld = new Float64Array(n);
    this.upI = new Float64Array(n);
    this.upG = new Float64Array(n);
    this.downI = new Float64Array(n);
    this.downG = new Float64Array(n);
    this.devG = new Float64Array(n);
  }

  /** Newton from the voltages in v (updated in place) until max |KCL| ≤ tol_A. */
  run(v: Float64Array, t: KclTerms, tol_A: number, maxIterations: number): NewtonResult {
    const s = this.s;
    const kcl = this.kcl;
    let res = kcl.evaluate(s, v, t);
    let merit = sumSquares(kcl.f_A);
    let it = 0;
    while (res > tol_A || res !== res) {
      if (it >= maxIterations || !Number.isFinite(res))
        return { iterations: it, residual_A: res, converged: false };
      it++;
      const d = this.delta;
      for (let i = 0; i < d.length; i++) d[i] = -kcl.f_A[i];
      try {
        this.linear.solve(kcl.diag_S, d, s.gain, s.backwardGain);
      } catch {
        return { iterations: it, residual_A: res, converged: false };
      }
      this.vOld.set(v);
      this.upI.set(kcl.upI_A);
      this.upG.set(kcl.upG_S);
      this.downI.set(kcl.downI_A);
      this.downG.set(kcl.downG_S);
      for (let i = 0; i < v.length; i++) this.devG[i] = kcl.diag_S[i] - kcl.upG_S[i] - kcl.downG_S[i];
      // A limited step is accepted as SPICE does (it is not the Newton direction); a full Newton
      // step must reduce ‖F‖₂, else it is halved (down to MIN_STEP, then taken anyway).
      let step = 1;
      let next: number;
      let nextMerit: number;
      for (;;) {
        const limited = this.takeStep(v, step, t.lambda);
        next = kcl.evaluate(s, v, t);
        nextMerit = sumSquares(kcl.f_A);
        const finite = Number.isFinite(next);
        if ((finite && (limited || nextMerit < merit)) || (finite && step <= MIN_STEP) || step < 1e-12) break;
        step *= 0.5;
      }
      res = next;
      merit = nextMerit;
    }
    return { iterations: it, residual_A: res, converged: true };
  }

  /** v = vOld + step·δ, with each forward-going diode limited to the voltage at which it carries
   * the larger of the current its linearisation predicts and the current the rest of the node
   * would push through it (node conductance × overshoot): the junction voltage of that current
   * instead of the overshooting Newton voltage. Avoids exponential overflow, like SPICE's pnjlim,
   * but lands near the clamp voltage in one step from an off diode. */
  private takeStep(v: Float64Array, step: number, lambda: number): boolean {
    const s = this.s;
    const d = this.delta;
    const vOld = this.vOld;
    const model = s.diode;
    if (model.kind === 'ideal') {
      for (let i = 0; i < v.length; i++) v[i] = vOld[i] + step * d[i];
      return false;
    }
    const vte = model.n * thermalVoltage(model.temp_K);
    const devG = this.devG;
    const high = lambda * s.biasHigh_V;
    const low = lambda * s.biasLow_V;
    let limited = false;
    for (let i = 0; i < v.length; i++) {
      let vn = vOld[i] + step * d[i];
      const upOld = vOld[i] - high;
      const upNew = vn - high;
      if (upNew > 0 && upNew > upOld + 2 * vte) {
        const iLin = Math.max(
          this.upI[i] + this.upG[i] * (upNew - upOld),
          devG[i] * (upNew - Math.max(upOld, 0)),
        );
        if (iLin > 0) {
          const vLim = vte * Math.log1p(iLin / model.is_A) + model.rs_Ohm * iLin;
          if (vLim < upNew) {
            vn = high + vLim;
            limited = true;
          }
        }
      }
      const downOld = low - vOld[i];
      const downNew = low - vn;
      if (downNew > 0 && downNew > downOld + 2 * vte) {
        const iLin = Math.max(
          this.downI[i] + this.downG[i] * (downNew - downOld),
          devG[i] * (downNew - Math.max(downOld, 0)),
        );
        if (iLin > 0) {
          const vLim = vte * Math.log1p(iLin / model.is_A) + model.rs_Ohm * iLin;
          if (vLim < downNew) {
            vn = low - vLim;
            limited = true;
          }
        }
      }
      v[i] = vn;
    }
    return limited;
  }
}

function sumSquares(f: Float64Array): number {
  let acc = 0;
  for (let i = 0; i < f.length; i++) acc += f[i] * f[i];
  return acc;
}

/** Newton with fallbacks: plain Newton from v; on failure gmin stepping from `start` (a shunt to
 * ground decreasing by decades), then source stepping (all sources ramped from 0, adaptive step).
 * v holds the result. */
export function solveWithFallback(
  newton: NewtonSolver,
  s: NetworkStructure,
  v: Float64Array,
  start: Float64Array,
  nudge_A: Float64Array | null,
  tol_A: number,
  maxIterations: number,
): NewtonResult & { fallback: Fallback } {
  const terms: KclTerms = { lambda: 1, nudge_A, shunt_S: 0, inject_A: null };
  let total = 0;
  const plain = newton.run(v, terms, tol_A, maxIterations);
  total += plain.iterations;
  if (plain.converged) return { ...plain, fallback: 'none' };

  // gmin stepping: the shunt falls by `factor` per stage; a failed stage is retried from the last
  // solution with the square root of the factor.
  let scale = 0;
  for (const cs of s.colSum_S) for (let c = 0; c < cs.length; c++) scale = Math.max(scale, cs[c]);
  const saved = new Float64Array(v.length);
  v.set(start);
  // Start where the shunt dominates so strongly that every node sits near 0 V (diodes off).
  let shunt = 1e4 * scale;
  let factor = 10;
  terms.shunt_S = shunt;
  let staged = newton.run(v, terms, tol_A, maxIterations);
  total += staged.iterations;
  let stepping = staged.converged;
  while (stepping && shunt > 0) {
    saved.set(v);
    const next = shunt < 1e-14 * scale ? 0 : shunt / factor;
    terms.shunt_S = next;
    staged = newton.run(v, terms, tol_A, maxIterations);
    total += staged.iterations;
    if (staged.converged) {
      shunt = next;
      factor = Math.min(10, factor * factor);
    } else {
      v.set(saved);
      factor = Math.sqrt(factor);
      stepping = factor > 1.01;
    }
  }
  if (shunt === 0 && staged.converged) return { ...staged, iterations: total, fallback: 'gmin-stepping' };

  // With every source at zero the solution is V = 0 (the diodes carry no current at 0 V).
  terms.shunt_S = 0;
  v.fill(0);
  let lambda = 0;
  let dl = 0.1;
  let last: NewtonResult = plain;
  while (lambda < 1) {
    const target = Math.min(1, lambda + dl);
    saved.set(v);
    terms.lambda = target;
    last = newton.run(v, terms, tol_A, maxIterations);
    total += last.iterations;
    if (last.converged) {
      lambda = target;
      dl = Math.min(0.5, dl * 1.5);
    } else {
      v.set(saved);
      dl /= 4;
      if (dl < 1e-6) break;
    }
  }
  return {
    ...last,
    iterations: total,
    converged: lambda === 1 && last.converged,
    fallback: 'source-stepping',
  };
}
