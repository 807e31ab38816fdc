// Training events → live events (phase durations, pulses, node voltages) and the per-step tally
// the step commit stores: pulses applied, wall-clock ms per phase, samples and correct answers.
// Phase timings are aggregated before they go live: a training step emits, when it ends, one
// `phase` event per phase name (`sample: null`, ms and reads summed over the step's samples); an
// evaluation pass (phase events with a null step) emits one `evaluation` event when it ends.
// Per-sample phase events were ~95 % of the stream (a mini-batch of 20 makes 80 per step) and
// cost the training loop its rate under 50 WebSocket subscribers (bench/api-load.ts).
import type { TrainingEvent } from '../../training/events.ts';
import type { LiveEvent } from '../events.ts';

/** Node voltages go live at most this often per job, s: the dashboard draws only the latest, and
 * at ~200 steps/s they were most of the stream's bytes. */
export const NODES_INTERVAL_S = 0.1;
const nodesSentAt = new Map<number, number>();

export class StepTally {
  pulses = 0;
  samples = 0;
  correct = 0;
  meanCost = 0;
  readonly phaseMs: Record<string, number> = {};
  readonly #started = new Map<string, number>();
  /** The running evaluation pass: summed phase time, ms, and node reads. */
  readonly #evaluation = { ms: 0, reads: 0 };
  /** Whether this step's node voltages go live (decided at its first free state). */
  #sendNodes = false;
  /** The running training step, per phase name: summed time, ms, and node reads. */
  readonly #stepPhases = new Map<string, { ms: number; reads: number }>();

  constructor(
    private readonly job: number,
    private readonly emit: (event: LiveEvent) => void,
  ) {}

  /** Handles one event of the step's pipeline. */
  readonly onEvent = (e: TrainingEvent): void => {
    switch (e.type) {
      case 'phase-started':
        this.#started.set(e.phase, performance.now());
        break;
      case 'phase-ended': {
        const ms = performance.now() - (this.#started.get(e.phase) ?? performance.now());
        this.phaseMs[e.phase] = (this.phaseMs[e.phase] ?? 0) + ms;
        if (e.step === null) {
          this.#evaluation.ms += ms;
          this.#evaluation.reads += e.reads;
          break;
        }
        const sum = this.#stepPhases.get(e.phase);
        if (sum === undefined) this.#stepPhases.set(e.phase, { ms, reads: e.reads });
        else {
          sum.ms += ms;
          sum.reads += e.reads;
        }
        break;
      }
      case 'free-state':
      case 'nudged-state':
        // The first sample of a step is enough to draw the node voltages live, and at most one
        // step per NODES_INTERVAL_S (all its phases together).
        if (e.sample === 0 && e.type === 'free-state') {
          const now = performance.now() / 1000;
          this.#sendNodes = now - (nodesSentAt.get(this.job) ?? -Infinity) >= NODES_INTERVAL_S;
          if (this.#sendNodes) nodesSentAt.set(this.job, now);
        }
        if (e.sample === 0 && this.#sendNodes) {
          this.emit({
            type: 'nodes',
            job: this.job,
            step: e.step,
            phase: e.type === 'free-state' ? 'free' : `nudged${e.beta_S < 0 ? '-' : '+'}`,
            nodes_V: Array.from(e.nodes_V),
          });
        }
        break;
      case 'pulses-applied':
        this.pulses += e.applied;
        this.emit({
          type: 'pulses',
          job: this.job,
          step: e.step,
          requested: e.requested,
          applied: e.applied,
          set: e.setPulses,
          reset: e.resetPulses,
        });
        break;
      case 'evaluation-ended':
        this.emit({
          type: 'phase',
          job: this.job,
          step: -1,
          sample: null,
          phase: 'evaluation',
          ms: this.#evaluation.ms,
          reads: this.#evaluation.reads,
        });
        this.#evaluation.ms = 0;
        this.#evaluation.reads = 0;
        break;
      case 'step-ended':
        for (const [phase, sum] of this.#stepPhases) {
          this.emit({ type: 'phase', job: this.job, step: e.step, sample: null, phase, ...sum });
        }
        this.#stepPhases.clear();
        this.samples = e.samples;
        this.correct = e.correct;
        this.meanCost = e.meanCost;
        break;
      default:
        break;
    }
  };
}
