// Training events → live events (phase durations, pulses, node voltages) and the per-step tally
// the step commit stores: pulses applied, wall-clock ms per phase, samples and correct answers.
import type { TrainingEvent } from '../../training/events.ts';
import type { LiveEvent } from '../events.ts';

export class StepTally {
  pulses = 0;
  samples = 0;
  correct = 0;
  meanCost = 0;
  readonly phaseMs: Record<string, number> = {};
  readonly #started = new Map<string, number>();

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
        this.emit({
          type: 'phase',
          job: this.job,
          step: e.step ?? -1,
          sample: e.sample,
          phase: e.phase,
          ms,
          reads: e.reads,
        });
        break;
      }
      case 'free-state':
      case 'nudged-state':
        // The first sample of each step is enough to draw the node voltages live.
        if (e.sample === 0) {
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
      case 'step-ended':
        this.samples = e.samples;
        this.correct = e.correct;
        this.meanCost = e.meanCost;
        break;
      default:
        break;
    }
  };
}
