// Typed errors of the training pipeline. Every one that ends a step is raised after the bench has
// been put in its safe state.

/** Stages of a step, as named in events and errors. */
export type StepPhase = 'free' | 'nudged-plus' | 'nudged-minus' | 'release' | 'program' | 'verify';

/** A step ended early: `phase` is where it failed, `cause` the capability's error. */
export class StepError extends Error {
  override readonly name = 'StepError';
  constructor(
    readonly phase: StepPhase,
    override readonly cause: unknown,
    /** null in an evaluation pass. */
    readonly step: number | null,
    readonly sample: number | null,
    /** Set when safeState itself failed too after the fault. */
    readonly safeStateError: unknown = undefined,
  ) {
    super(
      `${step === null ? 'evaluation' : `step ${step}`}${sample === null ? '' : ` sample ${sample}`} failed in the ${phase} phase: ${describe(cause)}` +
        (safeStateError === undefined ? '' : `; safeState also failed: ${describe(safeStateError)}`),
      { cause },
    );
  }
}

/** A capability call did not answer within its timeout. */
export class OperationTimeoutError extends Error {
  override readonly name = 'OperationTimeoutError';
  constructor(
    readonly operation: string,
    readonly timeout_ms: number,
  ) {
    super(`${operation} did not complete within ${timeout_ms} ms`);
  }
}

/** Adaptive settling reached its read cap with the nodes still moving (thesis §5.3.1: the
 * gradient is only good when the free phase has converged precisely). */
export class SettleError extends Error {
  override readonly name = 'SettleError';
  constructor(
    readonly reads: number,
    readonly lastChange_V: number,
    readonly tolerance_V: number,
  ) {
    super(
      `nodes still moved ${lastChange_V.toExponential(2)} V (tolerance ${tolerance_V} V) after ${reads} reads`,
    );
  }
}

/** The bench is already running a step, an evaluation or a training run. */
export class BenchBusyError extends Error {
  override readonly name = 'BenchBusyError';
  constructor(readonly heldBy: string) {
    super(`the bench is busy with ${heldBy}; one run at a time per bench`);
  }
}

/** The run was cancelled through its AbortSignal; the bench is in its safe state. */
export class TrainingCancelledError extends Error {
  override readonly name = 'TrainingCancelledError';
  constructor(readonly reason: unknown) {
    super(`cancelled: ${describe(reason)}`);
  }
}

function describe(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
