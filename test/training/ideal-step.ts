// The reference semantics of IdealConductanceAccess.step for test benches that hold their
// conductances in a plain array: the gradient formed entry by entry (a 'drops' gradient from the
// voltage drops of its pairs), then g_d ← clip(clip(g_d − η_l·∇_d) to the step's range) to the
// bench's own range, per array l of the network, in place.
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
): IdealStepReport {
  const values = denseGradient(layout, gradient);
  let change = 0;
  let clipped = 0;
  layout.arrays.forEach(({ rows, cols }, l) => {
    const start = layout.deviceOffsets[l];
    for (let d = start; d < start + rows * cols; d++) {
      const wanted = g_S[d] - eta[l] * values[d];
      const next = clip(Math.min(range.max_S, Math.max(range.min_S, wanted)));
      if (next !== wanted) clipped++;
      change += Math.abs(next - g_S[d]);
      g_S[d] = next;
    }
  });
  return { meanAbsChange_S: change / Math.max(1, g_S.length), clipped };
}
