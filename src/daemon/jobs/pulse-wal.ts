// The write-ahead pulse log around every programming batch: the intent (the serialized batch and
// its digest) is committed before the batch is sent, the completion (pulses applied) after. After
// a crash an intent without completion names a batch that may have landed (docs/persistence.md).
import { defer, tap } from 'rxjs';
import type { Pulse } from '../../capabilities/index.ts';
import type { BenchPort } from '../../training/bench-port.ts';
import { digestBatch, type Store } from '../store/index.ts';
import { crashHook } from '../crash-hook.ts';

/** Seven little-endian float64 per pulse: array, row, col, polarity (+1 SET, −1 RESET),
 * amplitude_V, width_s, count. Exact, so the digest identifies the batch. */
export function serializeBatch(batch: readonly Pulse[]): Uint8Array {
  const out = new Float64Array(batch.length * 7);
  batch.forEach((p, i) => {
    const polarity = p.polarity === 'set' ? 1 : -1;
    out.set([p.array, p.row, p.col, polarity, p.amplitude_V, p.width_s, p.count ?? 1], i * 7);
  });
  return new Uint8Array(out.buffer);
}

/** `port` with applyPulses logged in the WAL of `run` at the step `step()` returns. */
export function withPulseLog(port: BenchPort, store: Store, run: string, step: () => number): BenchPort {
  return {
    ...port,
    applyPulses: (batch) =>
      defer(() => {
        const bytes = serializeBatch(batch);
        const id = store.pulseLog.recordPulseIntent(run, step(), digestBatch(bytes), bytes);
        crashHook('intent');
        return port
          .applyPulses(batch)
          .pipe(tap((report) => store.pulseLog.recordPulseCompletion(id, report.applied)));
      }),
  };
}
