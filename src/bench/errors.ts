// Errors of the bench layer: assembly failures, and the interlock's faults.

/** Why the interlock latched: the operation that failed (or `watchdog`), the error, and how the
 * safe state that followed went. */
export interface BenchFault {
  operation: string;
  error: unknown;
  at: Date;
  /** Undefined once the safe state succeeded; the error if it failed too. */
  safeStateError?: unknown;
}

/** A supervised step made no capability call for `watchdog_s`: the bench was driven safe. */
export class StalledStepError extends Error {
  override readonly name = 'StalledStepError';
  constructor(readonly watchdog_s: number) {
    super(`step stalled: no capability call for ${watchdog_s} s; the bench was driven to its safe state`);
  }
}

/** The interlock has latched a fault: every driving call is refused until clearFault(). */
export class BenchFaultedError extends Error {
  override readonly name = 'BenchFaultedError';
  constructor(readonly fault: BenchFault) {
    super(
      `bench faulted in ${fault.operation}: ${describe(fault.error)}; call clearFault() after fixing it`,
      {
        cause: fault.error,
      },
    );
  }
}

/** safeState() did not finish in time. */
export class SafeStateTimeoutError extends Error {
  override readonly name = 'SafeStateTimeoutError';
  constructor(readonly timeout_s: number) {
    super(`the safe state did not complete within ${timeout_s} s`);
  }
}

/** Safe state failed on one or more instruments (every instrument was tried). */
export class BenchSafeStateError extends AggregateError {
  override readonly name = 'BenchSafeStateError';
  constructor(failures: readonly { instrument: string; error: unknown }[]) {
    super(
      failures.map((f) => f.error),
      `safe state failed on ${failures.map((f) => `${f.instrument} (${describe(f.error)})`).join(', ')}`,
    );
  }
}

/** One instrument (or `bench`, `calibration`) that could not be brought up; `at` is where its
 * entry is in the configuration file (`file:line:column`). */
export interface AssemblyFailure {
  instrument: string;
  error: unknown;
  at?: string;
}

/** Opening, identifying or configuring instruments failed; whatever was opened is closed again. */
export class BenchAssemblyError extends AggregateError {
  override readonly name = 'BenchAssemblyError';
  constructor(readonly failures: readonly AssemblyFailure[]) {
    super(
      failures.map((f) => f.error),
      `the bench could not be assembled (everything opened was closed again):\n${failures
        .map((f) => `  ${f.at === undefined ? '' : `${f.at}: `}${named(f.instrument, describe(f.error))}`)
        .join('\n')}`,
    );
  }
}

/** An instrument answered *IDN? with another vendor, model or serial than the configuration
 * expects. */
export class IdentityMismatchError extends Error {
  override readonly name = 'IdentityMismatchError';
  constructor(
    readonly instrument: string,
    readonly field: 'vendor' | 'model' | 'serial',
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`${instrument}: identity ${field} '${actual}' does not contain the expected '${expected}'`);
  }
}

/** `instrument: message`, unless the message already starts with the instrument's name. */
function named(instrument: string, message: string): string {
  return message.startsWith(`${instrument}:`) ? message : `${instrument}: ${message}`;
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
