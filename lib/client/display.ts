/**
 * How the client shows what the server sends: the sender's name, the local time (HH:MM:SS), then
 * the message. Replies to `who`, `rooms` and `status` become readable lists built from the reply's
 * structured `data` (or, when that is missing or not what was expected, the reply's own text).
 *
 * Everything shown is neutralised first: control characters (and so escape sequences), C1
 * controls and bidirectional overrides become visible, inert marks, so nothing another user types
 * can move the cursor, change colours, retitle the window or reorder the line on our terminal.
 *
 * @module
 */

import {
  bodyOf,
  clockTime,
  dateTime,
  sameDay,
  senderLabel,
  SERVER_NAME,
  type WireEvent,
} from "../shared/protocol.ts";

/** How the parts of a displayed line are styled: plain text, or ANSI colours. */
export interface Palette {
  /** A user's name (`key` chooses the colour, so one name always has the same one). */
  name(text: string, key: string): string;
  /** The time stamp. */
  time(text: string): string;
  /** An error's message. */
  error(text: string): string;
  /** The server's `*` and the client's own `!` mark. */
  mark(text: string): string;
  /** A whole line that mentions the user or is a private message: it must stand out. */
  highlight(text: string): string;
  /** The status line. */
  status(text: string): string;
}

/** No styling at all: for pipes, files and `NO_COLOR`. */
export const PLAIN: Palette = {
  name: (text) => text,
  time: (text) => text,
  error: (text) => text,
  mark: (text) => text,
  highlight: (text) => text,
  status: (text) => text,
};

// Readable on dark and light backgrounds alike; no black, white, or dark blue.
const NAME_COLOURS = [31, 32, 33, 35, 36, 91, 92, 93, 94, 95, 96];

/**
 * The ANSI colour code of a name: the same name always gets the same colour.
 *
 * @example
 * ```ts
 * nameColour("alice") === nameColour("alice"); // true
 * ```
 */
export function nameColour(name: string): number {
  let hash = 0x811c9dc5; // FNV-1a
  for (const char of name.toLowerCase()) {
    hash ^= char.codePointAt(0)!;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return NAME_COLOURS[hash % NAME_COLOURS.length]!;
}

/** ANSI styling for a terminal: coloured names, dim time, red bold errors. */
export const COLOUR: Palette = {
  name: (text, key) => `\x1b[${nameColour(key)}m${text}\x1b[39m`,
  time: (text) => `\x1b[2m${text}\x1b[22m`,
  error: (text) => `\x1b[1;31m${text}\x1b[22;39m`,
  mark: (text) => `\x1b[1m${text}\x1b[22m`,
  // Reverse video survives the colour changes inside the line.
  highlight: (text) => `\x1b[7m${text}\x1b[27m`,
  status: (text) => `\x1b[7m${text}\x1b[27m`,
};

// C0 controls, DEL, C1 controls, line/paragraph separators, bidi embeddings/overrides/isolates.
// deno-lint-ignore no-control-regex
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Makes text from the network inert: a tab becomes a space, other C0 controls and DEL are shown in
 * caret notation (`ESC` becomes `^[`), C1 controls, line separators and bidirectional controls
 * become `<U+XXXX>`. No escape sequence survives.
 *
 * @example
 * ```ts
 * neutralize("hi\x1b[2Jthere\x07"); // "hi^[[2Jthere^G"
 * ```
 */
export function neutralize(text: string): string {
  return text.replace(UNSAFE, (char) => {
    const code = char.codePointAt(0)!;
    if (code === 0x09) return " ";
    if (code < 0x20) return "^" + String.fromCharCode(code + 0x40);
    if (code === 0x7f) return "^?";
    return `<U+${code.toString(16).toUpperCase().padStart(4, "0")}>`;
  });
}

/** The local HH:MM:SS of an ISO time, or `--:--:--` when the server sent something else. */
export function localClock(iso: unknown): string {
  if (typeof iso !== "string") return "--:--:--";
  const time = new Date(iso);
  return Number.isNaN(time.getTime()) ? "--:--:--" : clockTime(time);
}

/** A wire time as local `YYYY-MM-DD HH:MM:SS`. */
function localDateTime(iso: unknown): string {
  const time = new Date(typeof iso === "string" ? iso : NaN);
  return Number.isNaN(time.getTime()) ? "--:--:--" : dateTime(time);
}

function isToday(iso: unknown): boolean {
  return sameDay(new Date(typeof iso === "string" ? iso : NaN), new Date());
}

/**
 * The lines that show one event: `sender time message`, with the prefix repeated on every line of a
 * multi-line reply or notice.
 *
 * @example
 * ```ts
 * formatEvent({ type: "message", from: "bob", room: "lobby", text: "hi", time: "2026-01-01T21:04:05Z" });
 * // ["bob@lobby 22:04:05 hi"] in a UTC+1 time zone
 * ```
 */
export function formatEvent(event: WireEvent, palette: Palette = PLAIN): string[] {
  const label = styledLabel(event, palette);
  // A line from history shows its date when it is not from today.
  const old = "history" in event && event.history === true && !isToday(event.time);
  const prefix = `${label} ${
    palette.time(old ? localDateTime(event.time) : localClock(event.time))
  } `;
  const text = typeof event.text === "string" ? event.text : "";
  switch (event.type) {
    case "message":
    case "private":
    case "broadcast":
      // One event is one line: a newline in someone's text must not fake a second line.
      return [prefix + neutralize(text)];
    case "error":
      return splitLines(bodyOf({ ...event, text })).map((line) =>
        prefix + palette.error(neutralize(line))
      );
    case "reply": {
      const list = replyList(event.command, event.data);
      return (list ?? splitLines(text)).map((line) => prefix + neutralize(line));
    }
    default:
      return splitLines(text).map((line) => prefix + neutralize(line));
  }
}

/**
 * A line the client itself shows (connection lost, reconnecting, usage): `! HH:MM:SS text`,
 * so it cannot be mistaken for anything the server or another user sent.
 *
 * @example
 * ```ts
 * formatLocal("connection lost", { time: new Date(2026, 0, 1, 21, 4, 5) }); // "! 21:04:05 connection lost"
 * ```
 */
export function formatLocal(
  text: string,
  options: { error?: boolean; time?: Date; palette?: Palette } = {},
): string {
  const palette = options.palette ?? PLAIN;
  const body = neutralize(text);
  return `${palette.mark("!")} ${palette.time(clockTime(options.time ?? new Date()))} ${
    options.error ? palette.error(body) : body
  }`;
}

/**
 * A private message the user sent, as the `tell` reply confirms it: `alice (to bob) HH:MM:SS hi`,
 * the way the other side sees `alice (private) HH:MM:SS hi`.
 *
 * @example
 * ```ts
 * formatSent("alice", "bob", "hi", "2026-01-01T21:04:05Z"); // "alice (to bob) 22:04:05 hi" in UTC+1
 * ```
 */
export function formatSent(
  me: string,
  to: string,
  text: string,
  time: string,
  palette: Palette = PLAIN,
): string {
  const name = neutralize(me);
  return `${palette.name(name, me)} (to ${neutralize(to)}) ${palette.time(localClock(time))} ${
    neutralize(text)
  }`;
}

/** A line from the server that is not a JSON event (before `mode json` took effect): shown inert. */
export function formatRaw(line: string): string {
  return neutralize(line);
}

function styledLabel(event: WireEvent, palette: Palette): string {
  const label = neutralize(senderLabel(event));
  if (label === SERVER_NAME) return palette.mark(label);
  const from = typeof event.from === "string" ? neutralize(event.from) : "";
  // The label starts with the sender's name (`bob@lobby`, `bob (private)`): colour that part.
  if (from && label.startsWith(from)) {
    return palette.name(from, event.from) + label.slice(from.length);
  }
  return label;
}

function splitLines(text: string): string[] {
  return text.split(/\r?\n/);
}

// ---------------------------------------------------------------------------------------------
// Readable lists from reply data. Each builder returns undefined when the data is not the shape
// it expects, and the reply's text is shown instead.

type Data = Record<string, unknown>;

function isRecord(value: unknown): value is Data {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : typeof value === "number" ? String(value) : undefined;
}

function strings(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out = value.map(str);
  return out.every((s) => s !== undefined) ? out as string[] : undefined;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** Pads the first column so the second lines up. */
function table(rows: [string, string][]): string[] {
  const width = Math.min(32, Math.max(0, ...rows.map(([first]) => first.length)));
  return rows.map(([first, rest]) => `  ${first.padEnd(width)}  ${rest}`.trimEnd());
}

/** The readable list for a reply, or undefined to show the reply's text. */
export function replyList(command: unknown, data: unknown): string[] | undefined {
  switch (command) {
    case "who":
    case "whoelse":
      return whoList(data, command === "whoelse");
    case "wholasthr":
      return lastHourList(data);
    case "rooms":
      return roomList(data);
    case "status":
      return statusList(data);
    default:
      return undefined;
  }
}

function roomsOf(entry: Data): string {
  const rooms = strings(entry.rooms) ?? (str(entry.room) ? [str(entry.room)!] : []);
  const current = str(entry.current);
  if (rooms.length === 0) return "(in no room)";
  return rooms.map((room) => room === current && rooms.length > 1 ? `${room} (current)` : room)
    .join(", ");
}

function whoList(data: unknown, besidesYou: boolean): string[] | undefined {
  if (!Array.isArray(data) || !data.every(isRecord)) return undefined;
  const rows: [string, string][] = [];
  for (const entry of data) {
    const name = str(entry.user) ?? str(entry.name);
    if (name === undefined) return undefined;
    const away = entry.online === false ? " (reconnecting)" : "";
    rows.push([name, roomsOf(entry) + away]);
  }
  const heading = `${plural(rows.length, "user")} online${besidesYou ? " besides you" : ""}` +
    (rows.length ? ":" : "");
  return [heading, ...table(rows)];
}

function lastHourList(data: unknown): string[] | undefined {
  if (!Array.isArray(data) || !data.every(isRecord)) return undefined;
  const rows: [string, string][] = [];
  for (const entry of data) {
    const name = str(entry.user) ?? str(entry.name);
    if (name === undefined) return undefined;
    rows.push([name, `logged in at ${localClock(entry.time)}`]);
  }
  return [
    `${plural(rows.length, "user")} logged in within the last hour${rows.length ? ":" : ""}`,
    ...table(rows),
  ];
}

function roomList(data: unknown): string[] | undefined {
  if (!Array.isArray(data) || !data.every(isRecord)) return undefined;
  const rows: [string, string][] = [];
  for (const entry of data) {
    const name = str(entry.name) ?? str(entry.room);
    if (name === undefined) return undefined;
    const number = str(entry.number) ?? str(entry.id);
    const count = typeof entry.members === "number"
      ? entry.members
      : Array.isArray(entry.members)
      ? entry.members.length
      : typeof entry.count === "number"
      ? entry.count
      : undefined;
    const details: string[] = [];
    if (count !== undefined) details.push(plural(count, "member"));
    const leader = str(entry.leader);
    if (leader) details.push(`led by ${leader}`);
    else if (entry.leader === null || entry.permanent === true) details.push("permanent");
    rows.push([number !== undefined ? `#${number} ${name}` : name, details.join(", ")]);
  }
  return [`${plural(rows.length, "room")}${rows.length ? ":" : ""}`, ...table(rows)];
}

function statusList(data: unknown): string[] | undefined {
  if (!isRecord(data)) return undefined;
  const name = str(data.user);
  if (name === undefined) return undefined;
  const state = str(data.state) ?? (data.online === true ? "online" : "offline");
  const lines = [`${name}: ${state}`];
  const rooms = strings(data.rooms);
  if (rooms && rooms.length) lines.push(`  rooms: ${roomsOf(data)}`);
  const info = str(data.info);
  if (info) lines.push(`  info: ${info}`);
  if ("lastLogin" in data) {
    const last = str(data.lastLogin);
    const when = last ? new Date(last) : undefined;
    lines.push(
      when && !Number.isNaN(when.getTime())
        ? `  last login: ${dateTime(when)}`
        : "  never logged in",
    );
  }
  return lines;
}
