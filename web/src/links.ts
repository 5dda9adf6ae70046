/**
 * Finds links in message text. Only `http:` and `https:` addresses (and `www.` ones, taken as
 * `https:`) become links; everything else — `javascript:`, `data:`, HTML of any kind — stays
 * text. The page renders the pieces as text nodes and `<a rel="noopener noreferrer">`, never as
 * HTML.
 *
 * @module
 */

/** A piece of a message: plain text, or a link with the text shown and the address it opens. */
export type Piece = { text: string } | { text: string; href: string };

// A scheme-led or www. address, up to whitespace or a character that cannot end an address.
// deno-lint-ignore no-control-regex -- control characters end an address
const LINK = /\b(?:https?:\/\/|www\.)[^\s<>"'`\u0000-\u001f\u007f]+/gi;
/** Characters that usually end the sentence, not the address. */
const TRAILING = /[.,;:!?)\]}'"*]+$/;

/**
 * The address a found link opens, or undefined when it is not a safe http(s) URL.
 *
 * @example
 * ```ts
 * safeHref("www.example.org"); // "https://www.example.org/"
 * safeHref("javascript:alert(1)"); // undefined
 * ```
 */
export function safeHref(text: string): string | undefined {
  const candidate = /^www\./i.test(text) ? `https://${text}` : text;
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  if (url.hostname === "") return undefined;
  return url.href;
}

/**
 * Splits a message into text and links.
 *
 * @example
 * ```ts
 * linkify("see https://example.org/a.");
 * // [{ text: "see " }, { text: "https://example.org/a", href: "https://example.org/a" }, { text: "." }]
 * ```
 */
export function linkify(text: string): Piece[] {
  const pieces: Piece[] = [];
  let last = 0;
  LINK.lastIndex = 0;
  for (let match = LINK.exec(text); match !== null; match = LINK.exec(text)) {
    let found = match[0];
    // Keep a closing bracket that has its opening one inside the address (wiki links).
    const trailing = TRAILING.exec(found)?.[0] ?? "";
    if (trailing) {
      let cut = trailing.length;
      if (trailing.startsWith(")") && found.includes("(")) cut = trailing.length - 1;
      found = found.slice(0, found.length - cut);
    }
    const href = safeHref(found);
    if (href === undefined || found === "") continue;
    if (match.index > last) pieces.push({ text: text.slice(last, match.index) });
    pieces.push({ text: found, href });
    last = match.index + found.length;
    LINK.lastIndex = last;
  }
  if (last < text.length) pieces.push({ text: text.slice(last) });
  return pieces;
}

// Controls that the server already removes; shown as visible symbols should any get through.
// deno-lint-ignore no-control-regex -- making control characters visible is the point
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text made safe to show as one line: control characters become visible marks (U+2400 block for
 * C0, `<U+XXXX>` for the rest), so nothing another user sends can break or reorder the page.
 *
 * @example
 * ```ts
 * visibleText("a\u0007b"); // "a␇b"
 * ```
 */
export function visibleText(text: string): string {
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    if (code < 0x20) return String.fromCharCode(0x2400 + code);
    if (code === 0x7f) return "\u2421";
    return `<U+${code.toString(16).toUpperCase().padStart(4, "0")}>`;
  });
}
