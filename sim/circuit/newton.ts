// Newton–Raphson on an MNA system, SPICE-style: stamp the companion circuit at the diodes'
// linearisation voltages, solve it for the next x (in delta form), stop when the true equations hold at x, else
// relinearise with junction step limiting. Shared by the DC operating point and each transient step.
import type { MnaSystem, StampContext } from './mna.ts';

export interface NewtonOptions {
  /** KCL tolerance per node, A. */
  tol_A: number;
  /** Tolerance of the voltage-constraint rows (sources, VCVSs), V. */
  tol_V: number;
  maxIterations: number;
}

export interface NewtonOutcome {
  converged: boolean;
  /** Linear solves performed. */
  iterations: number;
  /** Largest |KCL residual| over the nodes (internal diode nodes included) at the returned x, A. */
  residual_A: number;
}

/** Each row also accepts a rounding floor of a few ulps of its rounding scale (MnaSystem.residual's
 * `mag`), so that large currents or node voltages do not demand a balance below double precision. */
const ROUNDING_ULPS = 8 * Number.EPSILON;

export class NewtonSolver {
  private readonly r: Float64Array;
  private readonly mag: Float64Array;
  private readonly dx: Float64Array;

  constructor(private readonly sys: MnaSystem) {
    this.r = new Float64Array(sys.size);
    this.mag = new Float64Array(sys.size);
    this.dx = new Float64Array(sys.size);
  }

  /** Checks every row at x against its tolerance plus rounding floor; residual_A is the largest
   * |KCL residual| (infinite if a term is not finite). */
  private check(
    x: Float64Array,
    ctx: StampContext,
    opts: NewtonOptions,
  ): { ok: boolean; residual_A: number } {
    const { sys, r, mag } = this;
    if (!sys.residual(x, ctx, r, mag)) return { ok: false, residual_A: Number.POSITIVE_INFINITY };
    let ok = true;
    let worst = 0;
    for (let row = 0; row < sys.size; row++) {
      const a = Math.abs(r[row]);
      const tol = (row < sys.kclRows ? opts.tol_A : opts.tol_V) + ROUNDING_ULPS * mag[row];
      if (a > tol) ok = false;
      if (row < sys.kclRows && a > worst) worst = a;
    }
    return { ok, residual_A: worst };
  }

  /** Iterates from x (updated in place). On failure x holds the last iterate. */
  solve(x: Float64Array, ctx: StampContext, opts: NewtonOptions): NewtonOutcome {
    const { sys, dx } = this;
    let status = this.check(x, ctx, opts);
    if (status.ok) return { converged: true, iterations: 0, residual_A: status.residual_A };
    sys.linearizeAt(x);
    for (let it = 1; it <= opts.maxIterations; it++) {
      sys.stamp(ctx);
      // Delta form: solve A·dx = b − A·x rather than A·x' = b. Same iterate, but the solve's
      // rounding error scales with |dx| instead of |x|, so the residual can reach its own floor
      // even for large node voltages and ill-conditioned A.
      const A = sys.lu.a;
      const n = sys.size;
      for (let i = 0; i < n; i++) {
        let s = sys.rhs[i];
        for (let j = 0; j < n; j++) s -= A[i * n + j] * x[j];
        dx[i] = s;
      }
      if (!sys.lu.factor()) return { converged: false, iterations: it, residual_A: status.residual_A };
      sys.lu.solve(dx, dx);
      for (let i = 0; i < n; i++) {
        const v = x[i] + dx[i];
        if (!Number.isFinite(v))
          return { converged: false, iterations: it, residual_A: Number.POSITIVE_INFINITY };
        x[i] = v;
      }
      status = this.check(x, ctx, opts);
      if (status.ok) return { converged: true, iterations: it, residual_A: status.residual_A };
      sys.relinearize(x);
    }
    return { converged: false, iterations: opts.maxIterations, residual_A: status.residual_A };
  }
}
