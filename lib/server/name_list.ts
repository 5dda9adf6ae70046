/**
 * Reply text: names for a sentence (shortened for big lists without materialising them), counted
 * nouns and list replies.
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

/**
 * A count and its noun, plural unless the count is 1.
 *
 * @example
 * ```ts
 * counted(1, "line"); // "1 line"
 * counted(3, "open report"); // "3 open reports"
 * ```
 */
export function counted(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/**
 * A list reply: the heading (with `:` when lines follow), then each line indented by two spaces.
 *
 * @example
 * ```ts
 * listText(counted(2, "ban"), ["alice until lifted", "bob until lifted"]);
 * listText(counted(0, "ban"), []); // "0 bans"
 * ```
 */
export function listText(heading: string, lines: string[]): string {
  return [heading + (lines.length ? ":" : ""), ...lines.map((line) => `  ${line}`)].join("\n");
}
