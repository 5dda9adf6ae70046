/**
 * The word filter (`--filter FILE`): one word or pattern per line, matched case-insensitively
 * against a folded form of each line that defeats the cheap disguises — inserted zero-width and
 * other invisible characters, full-width and other compatibility forms (NFKC), accents, and
 * Cyrillic or Greek letters that look like Latin ones. What it does not catch (letters spaced
 * out, digits for letters, misspellings) is said in docs/admin.md.
 *
 * File syntax: `#` starts a comment line; a plain word matches as a whole word (`spam` matches
 * `SPAM!` but not `spammer`); `*` inside a word matches any letters (`spam*` matches `spammer`);
 * `/regex/` is a JavaScript regular expression matched against the folded text.
 *
 * @module
 */

/** What happens to a line that matches: refused (`FILTERED`) or sent with the match masked. */
export type FilterMode = "refuse" | "mask";

/** Invisible characters people insert to split a word: zero-width, joiners, soft hyphen, BOM. */
const INVISIBLE =
  /[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u2060-\u2064\ufeff]/u;

/** Letters of other scripts that look like Latin ones, folded to the Latin letter. */
const LOOK_ALIKES: Record<string, string> = {
  "а": "a",
  "в": "b",
  "е": "e",
  "ё": "e",
  "к": "k",
  "м": "m",
  "н": "h",
  "о": "o",
  "р": "p",
  "с": "c",
  "т": "t",
  "у": "y",
  "х": "x",
  "і": "i",
  "ї": "i",
  "ј": "j",
  "ѕ": "s",
  "һ": "h",
  "ԁ": "d",
  "ԛ": "q",
  "ԝ": "w",
  "α": "a",
  "β": "b",
  "ε": "e",
  "η": "n",
  "ι": "i",
  "κ": "k",
  "ν": "v",
  "ο": "o",
  "ρ": "p",
  "τ": "t",
  "υ": "u",
  "χ": "x",
  "ɑ": "a",
  "ı": "i",
  "ℓ": "l",
};

/** A line folded for matching, with where each folded character came from in the original. */
interface Folded {
  text: string;
  /** For each UTF-16 unit of `text`, the [start, end) of the original it came from. */
  spans: [number, number][];
}

/**
 * Folds text for matching: lower case, NFKC, accents removed, look-alikes mapped, invisible
 * characters dropped.
 *
 * @example
 * ```ts
 * foldForFilter("Ｓ\u200bРАМ").text; // "spam" (full-width S, zero-width space, Cyrillic Р А М)
 * ```
 */
export function foldForFilter(text: string): Folded {
  let folded = "";
  const spans: [number, number][] = [];
  let index = 0;
  for (const char of text) {
    const start = index;
    index += char.length;
    if (INVISIBLE.test(char)) continue;
    const lower = char.toLowerCase();
    const mapped = LOOK_ALIKES[lower] ??
      lower.normalize("NFKD").replace(/\p{M}/gu, "").normalize("NFKC").toLowerCase();
    for (const ch of mapped) {
      const out = LOOK_ALIKES[ch] ?? ch;
      folded += out;
      for (let i = 0; i < out.length; i++) spans.push([start, index]);
    }
  }
  return { text: folded, spans };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** One line of the filter file as a regular expression over folded text, or a problem. */
function compileLine(line: string): RegExp | string {
  const regex = /^\/(.+)\/$/.exec(line);
  if (regex) {
    try {
      return new RegExp(regex[1]!, "giu");
    } catch (error) {
      return `invalid regular expression: ${(error as Error).message}`;
    }
  }
  const word = foldForFilter(line).text;
  if (word === "" || /\s/.test(word)) return "a line is one word, or /regex/";
  const body = word.split("*").map(escape).join("[\\p{L}\\p{N}]*");
  return new RegExp(`(?<![\\p{L}\\p{N}])${body}(?![\\p{L}\\p{N}])`, "giu");
}

/**
 * The filter: loaded from a file, re-read on SIGHUP.
 *
 * @example
 * ```ts
 * const filter = ContentFilter.fromLines(["spam", "scam*"]);
 * filter.matches("buy SPAM now"); // true
 * filter.mask("buy SPAM now"); // "buy **** now"
 * ```
 */
export class ContentFilter {
  constructor(readonly patterns: RegExp[]) {}

  /** A filter that matches nothing (no `--filter`). */
  static none(): ContentFilter {
    return new ContentFilter([]);
  }

  /** A filter from the lines of a filter file; bad lines are reported and skipped. */
  static fromLines(lines: string[], report: (msg: string) => void = () => {}): ContentFilter {
    const patterns: RegExp[] = [];
    lines.forEach((raw, index) => {
      const line = raw.trim();
      if (line === "" || line.startsWith("#")) return;
      const compiled = compileLine(line);
      if (typeof compiled === "string") report(`line ${index + 1}: ${compiled}; skipped`);
      else patterns.push(compiled);
    });
    return new ContentFilter(patterns);
  }

  /** Reads a filter file; throws if it cannot be read. */
  static async load(path: string, report: (msg: string) => void): Promise<ContentFilter> {
    const text = await Deno.readTextFile(path);
    return ContentFilter.fromLines(text.split(/\r?\n/), (msg) => report(`${path}: ${msg}`));
  }

  /** Whether any pattern matches the text. */
  matches(text: string): boolean {
    if (this.patterns.length === 0) return false;
    const folded = foldForFilter(text).text;
    return this.patterns.some((pattern) => {
      pattern.lastIndex = 0;
      return pattern.test(folded);
    });
  }

  /** The text with every match replaced by `*`, one per folded character. */
  mask(text: string): string {
    if (this.patterns.length === 0) return text;
    const { text: folded, spans } = foldForFilter(text);
    const hidden = new Array<boolean>(text.length).fill(false);
    for (const pattern of this.patterns) {
      pattern.lastIndex = 0;
      for (const match of folded.matchAll(pattern)) {
        if (match[0].length === 0) continue;
        const from = spans[match.index]![0];
        const to = spans[match.index + match[0].length - 1]![1];
        for (let i = from; i < to; i++) hidden[i] = true;
      }
    }
    let out = "";
    for (let i = 0; i < text.length; i++) {
      if (!hidden[i]) out += text[i];
      else if (i === 0 || !hidden[i - 1] || !isLowSurrogate(text.charCodeAt(i))) out += "*";
    }
    return out;
  }
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
