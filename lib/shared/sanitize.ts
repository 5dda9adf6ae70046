/**
 * Makes user text safe to store and to show: chat text, info text and room names are cleaned once,
 * at the server, before they are stored or sent.
 *
 * @module
 */

// C0 controls except tab, DEL, C1 controls, and the Unicode line/paragraph separators and
// bidirectional overrides that can reorder or break another user's display.
// deno-lint-ignore no-control-regex -- removing control characters is the point
const UNSAFE = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Removes every control character except tab (escape sequences lose their ESC and so become
 * harmless text) and trims the ends. Invalid UTF-8 has already become U+FFFD when decoded.
 *
 * @example
 * ```ts
 * sanitizeText("hi\x1b[2J there\x07"); // "hi[2J there"
 * ```
 */
export function sanitizeText(text: string): string {
  return text.replace(UNSAFE, "").trim();
}

/** Whether the text has any character {@link sanitizeText} would remove. */
export function hasUnsafeCharacters(text: string): boolean {
  UNSAFE.lastIndex = 0;
  const found = UNSAFE.test(text);
  UNSAFE.lastIndex = 0;
  return found;
}
