/**
 * The lines typed so far, for recalling with Up and Down, as in a shell.
 *
 * @module
 */

/** The most lines remembered. */
export const HISTORY_SIZE = 100;

/**
 * Input history: {@link up} walks back from the newest line, {@link down} forward again, past
 * the newest to the line being typed before the walk began.
 *
 * @example
 * ```ts
 * const history = new InputHistory();
 * history.add("hello");
 * history.up("draft"); // "hello"
 * history.down(); // "draft"
 * ```
 */
export class InputHistory {
  readonly #lines: string[] = [];
  #index = -1; // -1: not walking
  #draft = "";

  /** Remembers a sent line (not twice in a row) and ends any walk. */
  add(line: string): void {
    if (line.trim() !== "" && this.#lines.at(-1) !== line) this.#lines.push(line);
    if (this.#lines.length > HISTORY_SIZE) this.#lines.shift();
    this.#index = -1;
  }

  /** The line before the one shown (the newest at first), or undefined at the oldest. */
  up(current: string): string | undefined {
    if (this.#lines.length === 0) return undefined;
    if (this.#index === -1) {
      this.#draft = current;
      this.#index = this.#lines.length - 1;
    } else if (this.#index > 0) this.#index--;
    else return undefined;
    return this.#lines[this.#index];
  }

  /** The line after the one shown, the draft after the newest, or undefined when not walking. */
  down(): string | undefined {
    if (this.#index === -1) return undefined;
    if (this.#index < this.#lines.length - 1) return this.#lines[++this.#index];
    this.#index = -1;
    return this.#draft;
  }

  /** Stops walking (the user typed). */
  reset(): void {
    this.#index = -1;
  }
}
