// Everything the pipeline does is announced on its Observable as one of these events, so
// persistence, metrics and the API subscribe without touching the pipeline. Times `t_s` are the
// bench's timebase (virtual on the simulated board). `step` is null during evaluation passes.
import type { StepError, StepPhase } from './errors.ts';

export interface EvaluationResult {
  samples: number;
  /** Fraction of samples whose prediction (thesis Eq. 4.14) is the label. */
  accuracy: number;
  /** Mean cost C over the samples, V². */
  meanCost: number;
}

export type TrainingEvent =
  | { type: 'epoch-started'; t_s: number; epoch: number; steps: number }
  | { type: 'step-started'; t_s: number; step: number; samples: number }
  | { type: 'phase-started'; t_s: number; step: number | null; sample: number | null; phase: StepPhase }
  | {
      type: 'phase-ended';
      t_s: number;
      step: number | null;
      sample: number | null;
      phase: StepPhase;
      /** Node reads taken in the phase (more than one when settling adaptively). */
      reads: number;
    }
  | { type: 'free-state'; step: number | null; sample: number; nodes_V: Float64Array }
  | {
      type: 'nudged-state';
      step: number;
      sample: number;
      /** The signed β of this phase: the configured β, or less where the nudge range demanded. */
      beta_S: number;
      nodes_V: Float64Array;
    }
  | {
      type: 'loss';
      step: number | null;
      sample: number;
      label: number;
      prediction: number;
      cost: number;
      scores: Float64Array;
    }
  | {
      type: 'pulses-applied';
      t_s: number;
      step: number;
      /** Pulses requested (counting repeats) and reported applied by the programmer. */
      requested: number;
      applied: number;
      setPulses: number;
      resetPulses: number;
      idleDevices: number;
    }
  | { type: 'ideal-update'; t_s: number; step: number; meanAbsChange_S: number; clipped: number }
  | {
      /** Weight averaging (config.averaging): the mean of `samples` samples of the conductances
       * written back at the end of `epoch`; meanAbsChange_S is the mean |Δg| of that write. */
      type: 'weights-averaged';
      t_s: number;
      epoch: number;
      samples: number;
      meanAbsChange_S: number;
    }
  | { type: 'conductances-verified'; t_s: number; step: number; g_S: Float64Array }
  | { type: 'step-ended'; t_s: number; step: number; samples: number; meanCost: number; correct: number }
  | ({ type: 'evaluation-ended'; t_s: number } & EvaluationResult)
  | {
      type: 'epoch-ended';
      t_s: number;
      epoch: number;
      /** Mean free-phase cost and accuracy over the epoch's training samples, measured as they
       * were trained (the weights changed during the epoch). */
      trainCost: number;
      trainAccuracy: number;
      test: EvaluationResult | null;
    }
  | { type: 'fault'; t_s: number; error: StepError };

export type TrainingEventType = TrainingEvent['type'];
