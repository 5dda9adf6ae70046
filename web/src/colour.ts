/**
 * A stable colour per name: the same name always gets the same one of {@link NAME_COLOURS}
 * colours, on every page and after every reload, because it is a hash of the name (FNV-1a over
 * its lower-cased UTF-16 code units). The colours themselves live in `style.css` as `nick-0` …
 * `nick-15`, each readable on the light and on the dark background.
 *
 * @module
 */

/** How many name colours there are (classes `nick-0` … `nick-15` in style.css). */
export const NAME_COLOURS = 16;

/**
 * The 32-bit FNV-1a hash of a string's UTF-16 code units.
 *
 * @example
 * ```ts
 * fnv1a(""); // 2166136261
 * ```
 */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/**
 * The colour index of a name, in [0, {@link NAME_COLOURS}); names differing only in case share it
 * (user names are case-insensitive).
 *
 * @example
 * ```ts
 * nameColour("alice") === nameColour("Alice"); // true
 * ```
 */
export function nameColour(name: string): number {
  return fnv1a(name.toLowerCase()) % NAME_COLOURS;
}

/** The CSS class carrying a name's colour. */
export function nameClass(name: string): string {
  return name === "*" ? "nick-server" : `nick-${nameColour(name)}`;
}
