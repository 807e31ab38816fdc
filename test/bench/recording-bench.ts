// A BenchCapabilities that records every call made to it (what reached the "instruments"), on a
// virtual clock, with a switch that makes the next calls of one operation fail like a faulty
// instrument and one that makes them hang like a stalled link.
import type { BenchCapabilities, Pulse } from '../../src/capabilities/index.ts';

export type Call =
  | { op: 'setVoltages'; levels: number[] }
  | { op: 'setCurrents'; levels: number[] }
  | { op: 'sampleAndRead' }
  | { op: 'applyPulses'; batch: Pulse[] }
  | { op: 'readConductances'; array: number; readVoltage_V: number }
  | { op: 'wait'; seconds: number }
  | { op: 'safeState' };

export interface RecordingBench extends BenchCapabilities {
  readonly calls: Call[];
  /** Levels presently applied (0 after the safe state). */
  readonly lines: Float64Array;
  readonly nodes: Float64Array;
  /** The next calls of `op` reject with this error (until set to undefined). */
  failing: { op: Call['op']; error: Error } | undefined;
  /** The next calls of `op` never settle. */
  hanging: Call['op'] | undefined;
}

export function recordingBench(lines = 4, nodes = 2, arrays = [{ rows: 4, cols: 3 }]): RecordingBench {
  let clock = 0;
  const bench: RecordingBench = {
    calls: [],
    lines: new Float64Array(lines),
    nodes: new Float64Array(nodes),
    failing: undefined,
    hanging: undefined,
    inputs: {
      kind: 'voltage-source',
      channels: lines,
      range: { min: -10, max: 10 },
      setVoltages: (levels) =>
        act({ op: 'setVoltages', levels: Array.from(levels) }, () => bench.lines.set(levels)),
      safeState: () => bench.safeState(),
    },
    nudge: {
      kind: 'current-source',
      channels: nodes,
      range: { min: -1e-3, max: 1e-3 },
      setCurrents: (levels) =>
        act({ op: 'setCurrents', levels: Array.from(levels) }, () => bench.nodes.set(levels)),
      safeState: () => bench.safeState(),
    },
    sampler: {
      kind: 'node-sampler',
      channels: 5,
      sampleAndRead: () => act({ op: 'sampleAndRead' }, () => new Float64Array(5)),
    },
    programmer: {
      kind: 'pulse-programmer',
      applyPulses: (batch) =>
        act({ op: 'applyPulses', batch: [...batch] }, () => ({
          applied: batch.reduce((n, p) => n + (p.count ?? 1), 0),
        })),
      safeState: () => bench.safeState(),
    },
    reader: {
      kind: 'conductance-reader',
      arrays,
      readConductances: (array, readVoltage_V) =>
        act({ op: 'readConductances', array, readVoltage_V }, () => new Float64Array(12)),
    },
    timebase: {
      kind: 'timebase',
      now: () => clock,
      wait: (seconds) => act({ op: 'wait', seconds }, () => void (clock += seconds)),
    },
    safeState: async () => {
      bench.calls.push({ op: 'safeState' });
      bench.lines.fill(0);
      bench.nodes.fill(0);
    },
  };
  function act<T>(call: Call, effect: () => T): Promise<T> {
    bench.calls.push(call);
    if (bench.hanging === call.op) return new Promise<T>(() => undefined);
    if (bench.failing?.op === call.op) return Promise.reject(bench.failing.error);
    return Promise.resolve(effect());
  }
  return bench;
}
