// DC operating point of a general circuit: Newton–Raphson with junction limiting from the warm
// start (or zero); if it fails, gmin stepping, then source stepping (the classic SPICE fallbacks).
// Convergence means the KCL residual at every node is ≤ tol_A.
import type { Circuit } from './netlist.ts';
import { DC_CONTEXT, MnaSystem } from './mna.ts';
import type { CircuitSolution, StampContext } from './mna.ts';
import { NewtonSolver } from './newton.ts';
import type { NewtonOptions } from './newton.ts';

export interface DcOptions {
  /** Initial guess (e.g. the previous operating point). */
  warmStart?: CircuitSolution;
  /** KCL tolerance per node, A (default 1e-12). */
  tol_A?: number;
  /** Tolerance of the source / VCVS constraint rows, V (default 1e-12). */
  tol_V?: number;
  /** Newton iterations per attempt (default 100). */
  maxIterations?: number;
}

export type DcStrategy = 'newton' | 'gmin-stepping' | 'source-stepping';

export interface DcResult extends CircuitSolution {
  converged: boolean;
  /** Linear solves, summed over every attempt. */
  iterations: number;
  /** Largest |KCL residual| over the nodes at the returned point, A. */
  residual_A: number;
  /** The attempt that produced the result. */
  strategy: DcStrategy;
}

const GMIN_START_S = 1e-2;

export function solveDc(circuit: Circuit, options: DcOptions = {}): DcResult {
  const sys = new MnaSystem(circuit);
  const newton = new NewtonSolver(sys);
  const opts: NewtonOptions = {
    tol_A: options.tol_A ?? 1e-12,
    tol_V: options.tol_V ?? 1e-12,
    maxIterations: options.maxIterations ?? 100,
  };
  const start = new Float64Array(sys.size);
  if (options.warmStart) sys.fromSolution(options.warmStart, start);
  let iterations = 0;
  const finish = (
    x: Float64Array,
    strategy: DcStrategy,
    converged: boolean,
    residual_A: number,
  ): DcResult => ({
    ...sys.toSolution(x),
    converged,
    iterations,
    residual_A,
    strategy,
  });

  const x = Float64Array.from(start);
  const plain = newton.solve(x, DC_CONTEXT, opts);
  iterations += plain.iterations;
  if (plain.converged) return finish(x, 'newton', true, plain.residual_A);

  const gmin = continuation(
    newton,
    start,
    opts,
    (gmin_S) => ({ ...DC_CONTEXT, gmin_S }),
    GMIN_START_S,
    0,
    true,
  );
  iterations += gmin.iterations;
  if (gmin.outcome.converged) return finish(gmin.x, 'gmin-stepping', true, gmin.outcome.residual_A);

  const source = continuation(
    newton,
    new Float64Array(sys.size),
    opts,
    (sourceScale) => ({ ...DC_CONTEXT, sourceScale }),
    0,
    1,
    false,
  );
  iterations += source.iterations;
  return finish(source.x, 'source-stepping', source.outcome.converged, source.outcome.residual_A);
}

/**
 * Follows the solution of a parametrised circuit from parameter `from` to `to`, always ending with
 * an exact solve at `to`. Geometric (gmin: decades down to 1e-12·from, then 0) or linear (source
 * scale) steps; a failed step is retried at half the stride, down to a minimum.
 */
function continuation(
  newton: NewtonSolver,
  x0: Float64Array,
  opts: NewtonOptions,
  context: (p: number) => StampContext,
  from: number,
  to: number,
  geometric: boolean,
) {
  const x = Float64Array.from(x0);
  const trial = new Float64Array(x.length);
  let iterations = 0;
  let p = from;
  // Geometric: stride is a factor (p / 10 first); linear: an additive step.
  let stride = geometric ? 10 : 0.1;
  const minStride = geometric ? 1.001 : 1e-4;
  let outcome = newton.solve(x, context(p), opts);
  iterations += outcome.iterations;
  if (!outcome.converged) return { x, outcome, iterations };
  while (p !== to) {
    let next = geometric ? p / stride : Math.min(to, p + stride);
    if (geometric && next < from * 1e-12) next = to;
    trial.set(x);
    outcome = newton.solve(trial, context(next), opts);
    iterations += outcome.iterations;
    if (outcome.converged) {
      x.set(trial);
      p = next;
      stride = geometric ? Math.min(10, stride * stride) : Math.min(0.5, stride * 2);
    } else {
      stride = geometric ? Math.sqrt(stride) : stride / 2;
      if (stride < minStride) return { x, outcome, iterations };
    }
  }
  return { x, outcome, iterations };
}
