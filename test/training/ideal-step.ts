// The reference semantics of IdealConductanceAccess.step for test benches that hold their
// conductances in a plain array: the gradient formed entry by entry (a 'drops' gradient from the
// voltage drops of its pairs), then g_d ← clip(clip(g_d − η_l·∇_d) to the step's range) to the
// bench's own range, per array l of the network, in place. With momentum μ > 0 and the bench's
// velocity v: v_d ← μ·v_d + Δ_d (Δ_d the change just made), g_d ← clip(g_prev,d + v_d), clipped
// the same way.
import type { IdealGradient, IdealStepRange, IdealStepReport } from '../../src/capabilities/index.ts';
import type { NetworkLayout } from '../../src/network/description.ts';
import { deviceVoltageDrops } from '../../src/training/estimators.ts';

/** Every entry of the gradient: Σ_p weight_p·((ΔV^a)² − (ΔV^b)²) for a 'drops' gradient. */
export function denseGradient(layout: NetworkLayout, gradient: IdealGradient): Float64Array {
  if (gradient.kind === 'dense') return gradient.values;
  const out = new Float64Array(layout.totalDevices);
  for (const p of gradient.pairs) {
    const a = deviceVoltageDrops(layout, p.lines_V, p.a_V);
    const b = deviceVoltageDrops(layout, p.lines_V, p.b_V);
    for (let d = 0; d < out.length; d++) out[d] += p.weight * (a[d] * a[d] - b[d] * b[d]);
  }
  return out;
}

export function referenceIdealStep(
  g_S: Float64Array,
  layout: NetworkLayout,
  gradient: IdealGradient,
  eta: readonly number[],
  range: IdealStepRange,
  clip: (g: number) => number = (g) => g,
  momentum = 0,
  velocity?: Float64Array,
): IdealStepReport {
  if (!(momentum >= 0 && momentum < 1)) throw new RangeError(`momentum is ${momentum}, not in [0, 1)`);
  if (momentum > 0 && velocity === undefined) throw new Error('momentum > 0 needs the velocity');
  const values = denseGradient(layout, gradient);
  const bounded = (g: number) => clip(Math.min(range.max_S, Math.max(range.min_S, g)));
  let change = 0;
  let clipped = 0;
  layout.arrays.forEach(({ rows, cols }, l) => {
    const start = layout.deviceOffsets[l];
    for (let d = start; d < start + rows * cols; d++) {
      const prev = g_S[d];
      let wanted = prev - eta[l] * values[d];
      let next = bounded(wanted);
      if (momentum > 0) {
        velocity![d] = momentum * velocity![d] + (next - prev);
        wanted = prev + velocity![d];
        next = bounded(wanted);
      }
      if (next !== wanted) clipped++;
      change += Math.abs(next - prev);
      g_S[d] = next;
    }
  });
  return { meanAbsChange_S: change / Math.max(1, g_S.length), clipped };
}
