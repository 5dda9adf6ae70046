/**
 * The lines the user sent, to walk with Up and Down as in a shell: Up shows older lines, Down
 * newer ones and finally the line that was being typed before Up was first pressed.
 *
 * @module
 */

/** How many lines are kept (the oldest go first). */
export const HISTORY_SIZE = 500;

/**
 * @example
 * ```ts
 * const history = new InputHistory(["join lobby", "hello"]);
 * history.previous("half typed"); // "hello"
 * history.previous("hello"); // "join lobby"
 * history.next(); // "hello"
 * history.next(); // "half typed"
 * ```
 */
export class InputHistory {
  readonly #lines: string[];
  /** Where Up and Down are now: `#lines.length` is the line being typed. */
  #index: number;
  #draft = "";

  constructor(lines: readonly string[] = []) {
    this.#lines = lines.filter((line) => line.trim() !== "").slice(-HISTORY_SIZE);
    this.#index = this.#lines.length;
  }

  /** The kept lines, oldest first. */
  get lines(): readonly string[] {
    return this.#lines;
  }

  /** Adds a sent line (not a blank one, nor the same as the last) and goes back to the end. */
  add(line: string): boolean {
    this.#index = this.#lines.length;
    this.#draft = "";
    if (line.trim() === "" || this.#lines.at(-1) === line) return false;
    this.#lines.push(line);
    if (this.#lines.length > HISTORY_SIZE) this.#lines.shift();
    this.#index = this.#lines.length;
    return true;
  }

  /** The line before the one shown (`current` is kept when leaving the line being typed). */
  previous(current: string): string | undefined {
    if (this.#index === 0) return undefined;
    if (this.#index === this.#lines.length) this.#draft = current;
    return this.#lines[--this.#index];
  }

  /** The line after the one shown, or the line that was being typed. */
  next(): string | undefined {
    if (this.#index >= this.#lines.length) return undefined;
    this.#index++;
    return this.#index === this.#lines.length ? this.#draft : this.#lines[this.#index];
  }

  /** Forgets where Up and Down were (the line was edited or sent). */
  rewind(): void {
    this.#index = this.#lines.length;
    this.#draft = "";
  }
}
