/**
 * A queue that serves its callers' addresses in turn: the password hashes of logins wait here for
 * the one hashing thread, so an address that fails login after login waits behind its own
 * attempts, not in front of everyone else's. Bounded in all and per address.
 *
 * @module
 */

/** What {@link FairQueue.run} says when there is no room for another task. */
export const FULL: unique symbol = Symbol("full");

interface Task {
  start: () => void;
}

/**
 * Runs one task at a time, taking the next from each key (address) in turn.
 *
 * @example
 * ```ts
 * const hashing = new FairQueue(200, 5);
 * const ok = await hashing.run("203.0.113.9", () => Promise.resolve(true));
 * if (ok === FULL) console.log("too many waiting from that address");
 * ```
 */
export class FairQueue {
  /** Waiting tasks by key; the map's order is the turn order. */
  readonly #waiting = new Map<string, Task[]>();
  #count = 0;
  #running = false;
  /** The key of the task that ran last: it goes after every other key waiting. */
  #lastKey: string | undefined;

  /** `maxTotal` tasks may wait in all, `maxPerKey` from one key (the one running not counted). */
  constructor(readonly maxTotal: number, readonly maxPerKey: number) {}

  /** Tasks waiting now. */
  get waiting(): number {
    return this.#count;
  }

  /** Runs `task` when its key's turn comes; {@link FULL} at once when a bound is reached. */
  run<T>(key: string, task: () => Promise<T>): Promise<T | typeof FULL> {
    const queue = this.#waiting.get(key);
    if (this.#count >= this.maxTotal || (queue?.length ?? 0) >= this.maxPerKey) {
      return Promise.resolve(FULL);
    }
    return new Promise<T>((resolve, reject) => {
      const entry: Task = {
        start: () => task().then(resolve, reject).finally(() => this.#next()),
      };
      if (queue) queue.push(entry);
      else this.#waiting.set(key, [entry]);
      this.#count++;
      if (!this.#running) {
        this.#running = true;
        this.#next();
      }
    });
  }

  /** Starts the next key's first task, and moves that key to the back of the turn order. */
  #next(): void {
    if (this.#waiting.size === 0) {
      this.#running = false;
      return;
    }
    let key: string | undefined;
    for (const candidate of this.#waiting.keys()) {
      if (candidate !== this.#lastKey) {
        key = candidate;
        break;
      }
    }
    key ??= this.#lastKey!;
    const queue = this.#waiting.get(key)!;
    const task = queue.shift()!;
    this.#lastKey = key;
    this.#waiting.delete(key);
    if (queue.length > 0) this.#waiting.set(key, queue);
    this.#count--;
    this.#running = true;
    task.start();
  }
}
