// Pause, resume and abort of one running job. The job calls `boundary()` between steps: there a
// pause request parks it (the bench is already in its safe state at a step boundary) and an abort
// request ends it. An emergency stop or a shutdown aborts `signal` instead, which cancels the step
// in flight at once.

/** The job ended at a step boundary because an abort was requested. */
export class JobAbortedError extends Error {
  override readonly name = 'JobAbortedError';
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** The job was stopped at once: an emergency stop (it fails) or a daemon shutdown (it is left
 * interrupted, to be resumed). */
export class JobStoppedError extends Error {
  override readonly name = 'JobStoppedError';
  constructor(
    readonly kind: 'estop' | 'shutdown',
    readonly reason: string,
  ) {
    super(reason);
  }
}

export class JobControl {
  private readonly controller = new AbortController();
  private pauseRequested = false;
  private abortReason: string | null = null;
  private wake: (() => void) | null = null;
  private paused = false;

  constructor(
    /** Called when the job parks at a boundary (true) and when it continues (false). */
    private readonly onPauseChange: (paused: boolean) => void,
  ) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  get isPauseRequested(): boolean {
    return this.pauseRequested;
  }

  requestPause(): void {
    this.pauseRequested = true;
  }

  /** Clears a pause request, and continues a parked job. */
  resume(): void {
    this.pauseRequested = false;
    this.wake?.();
  }

  requestAbort(reason: string): void {
    this.abortReason ??= reason;
    this.wake?.();
  }

  /** Cancels the step in flight (emergency stop, shutdown). */
  stopNow(kind: 'estop' | 'shutdown', reason: string): void {
    if (!this.signal.aborted) this.controller.abort(new JobStoppedError(kind, reason));
    this.wake?.();
  }

  /** At a step boundary: lets the event loop run (API requests, timers, signals: a simulated
   * bench answers in microtasks only, which would starve them), then throws on abort or stop and
   * parks while a pause is requested. */
  async boundary(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    for (;;) {
      this.throwIfEnded();
      if (!this.pauseRequested) return;
      if (!this.paused) {
        this.paused = true;
        this.onPauseChange(true);
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
      if (this.paused && !this.pauseRequested && this.abortReason === null && !this.signal.aborted) {
        this.paused = false;
        this.onPauseChange(false);
      }
    }
  }

  private throwIfEnded(): void {
    if (this.signal.aborted) throw this.signal.reason as JobStoppedError;
    if (this.abortReason !== null) throw new JobAbortedError(this.abortReason);
  }
}
