// The daemon's live events: what the WebSocket streams, the dashboard draws and the Prometheus
// metrics count. Plain JSON (arrays, not typed arrays) so they serialize as they are.
import type { JobState } from './store/index.ts';

export type LiveEvent =
  | { type: 'job'; time: number; job: number; kind: string; state: JobState; reason: string | null }
  | {
      type: 'phase';
      job: number;
      step: number;
      sample: number | null;
      phase: string;
      /** Wall-clock duration of the phase, ms. */
      ms: number;
      reads: number;
    }
  | {
      type: 'metrics';
      time: number;
      job: number;
      step: number;
      epoch: number;
      totalSteps: number;
      loss: number;
      accuracy: number;
      pulses: number;
      phaseMs: Record<string, number>;
    }
  | {
      type: 'epoch';
      time: number;
      job: number;
      epoch: number;
      trainLoss: number;
      trainAccuracy: number;
      testLoss: number | null;
      testAccuracy: number | null;
    }
  | {
      type: 'pulses';
      job: number;
      step: number;
      requested: number;
      applied: number;
      set: number;
      reset: number;
    }
  | { type: 'nodes'; job: number; step: number | null; phase: string; nodes_V: number[] }
  | { type: 'snapshot'; job: number; step: number; arrays: string[] }
  | { type: 'result'; job: number; result: Record<string, number | boolean> }
  | { type: 'log'; time: number; level: string; msg: string; job?: number; run?: string }
  | { type: 'estop'; time: number; reason: string; job: number | null };

export type LiveEventType = LiveEvent['type'];
