/**
 * The tab's title while the page is hidden: how many mentions and private messages wait.
 *
 * @module
 */

/**
 * The title with a count of what is waiting.
 *
 * @example
 * ```ts
 * titleWithCount("parley", 2); // "(2) parley"
 * ```
 */
export function titleWithCount(base: string, count: number): string {
  return count > 0 ? `(${count}) ${base}` : base;
}
