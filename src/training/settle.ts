// Waiting for the circuit to reach its equilibrium before the sample-and-hold. The estimate is
// only as good as the equilibria are precise (thesis §5.3.1), so adaptive settling fails rather
// than returning a state that is still moving.
import { EMPTY, concat, defer, expand, filter, ignoreElements, map, throwError } from 'rxjs';
import type { Observable } from 'rxjs';
import { timed } from './bench-port.ts';
import type { BenchPort } from './bench-port.ts';
import { SettleError } from './errors.ts';

export type SettleConfig =
  /** Wait a fixed time, then hold and read. */
  | { kind: 'fixed'; time_s: number }
  /** Read every `interval_s` until no node moved more than `tolerance_V` since the previous
   * read; fail with SettleError after `maxReads`. */
  | { kind: 'adaptive'; interval_s: number; tolerance_V: number; maxReads: number }
  /** Wait `multiple` × a calibrated slowest time constant `tau_s`. */
  | { kind: 'time-constant'; tau_s: number; multiple: number };

export interface SettledNodes {
  nodes_V: Float64Array;
  reads: number;
}

export interface SettleOptions {
  /** ADC conversions averaged per read. */
  averages: number;
  /** Timeout of one capability call, ms (waits get their duration on top). */
  operationTimeout_ms: number;
}

export function settleAndRead(
  port: BenchPort,
  config: SettleConfig,
  options: SettleOptions,
): Observable<SettledNodes> {
  const read = (wait_s: number) =>
    concat(
      port
        .wait(wait_s)
        .pipe(timed('timebase.wait', options.operationTimeout_ms + wait_s * 1e3), ignoreElements()),
      port
        .sample({ averages: options.averages })
        .pipe(timed('sampler.sampleAndRead', options.operationTimeout_ms)),
    );
  switch (config.kind) {
    case 'fixed':
      return read(config.time_s).pipe(map((nodes_V) => ({ nodes_V, reads: 1 })));
    case 'time-constant':
      return read(config.multiple * config.tau_s).pipe(map((nodes_V) => ({ nodes_V, reads: 1 })));
    case 'adaptive':
      return defer(() => {
        interface State {
          nodes_V: Float64Array;
          reads: number;
          change_V: number;
        }
        const next = (prev: State | null): Observable<State> =>
          read(config.interval_s).pipe(
            map((nodes_V) => ({
              nodes_V,
              reads: (prev?.reads ?? 0) + 1,
              change_V: prev === null ? Infinity : maxAbsDifference(prev.nodes_V, nodes_V),
            })),
          );
        const settled = (s: State) => s.change_V <= config.tolerance_V;
        return next(null).pipe(
          expand((s) =>
            settled(s)
              ? EMPTY
              : s.reads >= config.maxReads
                ? throwError(() => new SettleError(s.reads, s.change_V, config.tolerance_V))
                : next(s),
          ),
          filter(settled),
          map(({ nodes_V, reads }) => ({ nodes_V, reads })),
        );
      });
  }
}

function maxAbsDifference(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
