/**
 * Whether a message mentions a user: their name as a whole word (user names are `A-Za-z0-9_-`),
 * in any case.
 *
 * @module
 */

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * @example
 * ```ts
 * mentions("hi Alice!", "alice"); // true
 * mentions("malice", "alice"); // false
 * ```
 */
export function mentions(text: string, name: string): boolean {
  if (name === "") return false;
  // Every message is tested against the same name: build its pattern once, not per message.
  if (last?.name !== name) {
    const pattern = new RegExp(`(^|[^A-Za-z0-9_-])${escapeRegExp(name)}($|[^A-Za-z0-9_-])`, "i");
    last = { name, pattern };
  }
  return last.pattern.test(text);
}

let last: { name: string; pattern: RegExp } | undefined;
