/** A FIFO async mutex: run() callers execute one at a time, in call order. */
export class Mutex {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(critical: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(critical);
    // The next caller waits for this one to settle, whether it succeeded or failed.
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
