/**
 * How the test helpers wait for input with a deadline instead of sleeping: the reader calls
 * {@link Wakeup.wake} whenever something arrives, and a waiter awaits {@link Wakeup.wait}.
 *
 * @module
 */

/**
 * @example
 * ```ts
 * const arrived = new Wakeup();
 * // reader: lines.push(line); arrived.wake();
 * while (lines.length === 0) await arrived.wait(100);
 * ```
 */
export class Wakeup {
  readonly #waiters = new Set<() => void>();

  /** Ends every pending {@link wait}. */
  wake(): void {
    for (const wake of [...this.#waiters]) wake();
  }

  /** Resolves at the next {@link wake} or after `ms`, whichever comes first. */
  wait(ms: number): Promise<void> {
    const waiters = this.#waiters;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      }
      waiters.add(done);
    });
  }
}
