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
  const pattern = new RegExp(`(^|[^A-Za-z0-9_-])${escapeRegExp(name)}($|[^A-Za-z0-9_-])`, "i");
  return pattern.test(text);
}
