// Exclusive device locks for the VXI-11 server (device_lock / device_unlock): one link at a time may hold
// a device's lock; other links' operations wait up to their lock_timeout when they set the
// waitlock flag, and fail at once with error 11 when they do not.

import { ErrorCode, Flag } from './protocol.ts';

export class DeviceLocks {
  readonly #owners = new Map<string, number>();
  readonly #waiters = new Map<string, Set<() => void>>();

  /** Waits until `device` is unlocked or locked by `lid`. Resolves with 0, error 11 (locked by
   * another link after lock_timeout, or at once without waitlock) or error 23 (aborted). */
  async awaitAccess(
    device: string,
    lid: number,
    flags: number,
    lockTimeout_ms: number,
    signal: AbortSignal,
  ): Promise<number> {
    const deadline = Date.now() + lockTimeout_ms;
    while (true) {
      const owner = this.#owners.get(device);
      if (owner === undefined || owner === lid) return ErrorCode.no_error;
      const remaining = deadline - Date.now();
      if ((flags & Flag.WAITLOCK) === 0 || remaining <= 0) return ErrorCode.device_locked_by_another_link;
      const outcome = await this.#waitForRelease(device, remaining, signal);
      if (outcome === 'aborted') return ErrorCode.abort;
    }
  }

  /** device_lock: takes the lock, waiting as awaitAccess does. */
  async acquire(
    device: string,
    lid: number,
    flags: number,
    lockTimeout_ms: number,
    signal: AbortSignal,
  ): Promise<number> {
    const error = await this.awaitAccess(device, lid, flags, lockTimeout_ms, signal);
    if (error === ErrorCode.no_error) this.#owners.set(device, lid);
    return error;
  }

  /** device_unlock / destroy_link: false when `lid` does not hold the lock. */
  release(device: string, lid: number): boolean {
    if (this.#owners.get(device) !== lid) return false;
    this.#owners.delete(device);
    for (const wake of this.#waiters.get(device) ?? []) wake();
    return true;
  }

  #waitForRelease(
    device: string,
    timeout_ms: number,
    signal: AbortSignal,
  ): Promise<'released' | 'timeout' | 'aborted'> {
    if (signal.aborted) return Promise.resolve('aborted');
    return new Promise((resolve) => {
      const waiters = this.#waiters.get(device) ?? new Set<() => void>();
      this.#waiters.set(device, waiters);
      const finish = (outcome: 'released' | 'timeout' | 'aborted') => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        waiters.delete(wake);
        if (waiters.size === 0) this.#waiters.delete(device);
        resolve(outcome);
      };
      const wake = () => finish('released');
      const onAbort = () => finish('aborted');
      const timer = setTimeout(() => finish('timeout'), timeout_ms);
      waiters.add(wake);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
