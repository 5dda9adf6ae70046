/**
 * Names for a sentence, shortened for big lists without materialising them.
 *
 * @module
 */

/**
 * The first `most` names joined with commas, then `and N more`.
 *
 * @example
 * ```ts
 * nameList(["a", "b", "c"], 3, 2); // "a, b and 1 more"
 * ```
 */
export function nameList(names: Iterable<string>, count: number, most = 20): string {
  if (count === 0) return "nobody";
  const shown: string[] = [];
  for (const name of names) {
    if (shown.length === most) break;
    shown.push(name);
  }
  return count > shown.length
    ? `${shown.join(", ")} and ${count - shown.length} more`
    : shown.join(", ");
}
