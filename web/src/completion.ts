/**
 * Tab completion in the input line: a name at any position (with `: ` after it at the start of a
 * message, as IRC clients do), or a command after `/`. Pressing Tab again cycles through the
 * other matches.
 *
 * @module
 */

/** The input after a completion, and where the cursor goes. */
export interface Completed {
  text: string;
  cursor: number;
}

/** Completion state kept between Tab presses. */
export interface CompletionCycle {
  /** The input before the first Tab, and the cursor then. */
  original: string;
  originalCursor: number;
  matches: string[];
  index: number;
  /** The input this completion produced (a different input ends the cycle). */
  produced: string;
}

/**
 * The first completion of the word before `cursor`, with the state to cycle further; undefined
 * when there is nothing to complete (Tab then moves the focus, as it should).
 *
 * @example
 * ```ts
 * complete("hi al", 5, ["alice", "bob"], ["who"])?.completed.text; // "hi alice "
 * complete("/wh", 3, [], ["who", "whoelse"])?.completed.text; // "/who "
 * ```
 */
export function complete(
  input: string,
  cursor: number,
  names: readonly string[],
  commands: readonly string[],
): { completed: Completed; cycle: CompletionCycle } | undefined {
  const { start, word } = wordBefore(input, cursor);
  const isCommand = start === 0 && word.startsWith("/");
  const stem = (isCommand ? word.slice(1) : word).toLowerCase();
  if (stem === "" && !isCommand) return undefined;
  const pool = isCommand ? commands : names;
  const seen = new Set<string>();
  const matches = pool.filter((candidate) => {
    const lower = candidate.toLowerCase();
    if (!lower.startsWith(stem) || seen.has(lower)) return false;
    seen.add(lower);
    return true;
  });
  if (matches.length === 0) return undefined;
  const cycle: CompletionCycle = {
    original: input,
    originalCursor: cursor,
    matches,
    index: 0,
    produced: "",
  };
  const completed = apply(cycle);
  cycle.produced = completed.text;
  return { completed, cycle };
}

/**
 * The next match of a cycle, when the input is still what the last completion produced;
 * undefined otherwise (start a new completion).
 */
export function cycleNext(cycle: CompletionCycle, input: string): Completed | undefined {
  if (input !== cycle.produced) return undefined;
  cycle.index = (cycle.index + 1) % cycle.matches.length;
  const completed = apply(cycle);
  cycle.produced = completed.text;
  return completed;
}

function apply(cycle: CompletionCycle): Completed {
  const { original, originalCursor } = cycle;
  const { start, word } = wordBefore(original, originalCursor);
  const isCommand = start === 0 && word.startsWith("/");
  const match = cycle.matches[cycle.index]!;
  const replacement = isCommand ? `/${match} ` : start === 0 ? `${match}: ` : `${match} `;
  const after = original.slice(originalCursor).replace(/^\s+/, "");
  const text = original.slice(0, start) + replacement + after;
  return { text, cursor: start + replacement.length };
}

function wordBefore(input: string, cursor: number): { start: number; word: string } {
  const before = input.slice(0, cursor);
  const start = before.search(/\S+$/);
  return start === -1 ? { start: cursor, word: "" } : { start, word: before.slice(start) };
}
