/**
 * The wire protocol shared by the server and the client: the events the server sends, their two
 * presentations (human-readable text lines and JSON lines), and the error codes.
 *
 * Every event is encoded at most once per presentation ({@link EncodedEvent}), so a message fanned
 * out to a thousand members costs one encoding, not a thousand.
 *
 * @module
 */

/** The fake user name the server speaks as (seed 000). */
export const SERVER_NAME = "*";

/** Every error code the server sends, in JSON mode as `code`. */
export const ERROR_CODES = [
  "LOGIN_FAILED",
  "LOCKED_OUT",
  "NOT_LOGGED_IN",
  "UNKNOWN_COMMAND",
  "BAD_FORMAT",
  "NO_SUCH_USER",
  "USER_OFFLINE",
  "NO_SUCH_ROOM",
  "NOT_IN_ROOM",
  "ROOM_EXISTS",
  "NAME_TAKEN",
  "BLOCKED",
  "FORBIDDEN",
  "RATE_LIMITED",
  "LINE_TOO_LONG",
  "TOO_MANY_CONNECTIONS",
  "SERVER_ERROR",
  "BANNED",
  "MUTED",
  "FILTERED",
  "NO_SUCH_GROUP",
] as const;

/** One of {@link ERROR_CODES}. */
export type ErrorCode = typeof ERROR_CODES[number];

/** The two presentations a connection can choose with `mode text` / `mode json`. */
export type Presentation = "text" | "json";

/**
 * What every kept line carries: its message id (unique, opaque, no spaces; the same whenever the
 * line is shown again) and, when it is shown from history rather than live, `history: true`.
 */
export interface Kept {
  id?: string;
  history?: boolean;
}

/** A line spoken in a room. */
export interface MessageEvent extends Kept {
  type: "message";
  from: string;
  room: string;
  text: string;
  time: Date;
}

/** A private message (`tell`), live or delivered from the offline mailbox. */
export interface PrivateEvent extends Kept {
  type: "private";
  from: string;
  to: string;
  text: string;
  time: Date;
  /** True when the message was kept while the recipient was offline. */
  offline?: boolean;
}

/** A message to everyone online (`shout`). */
export interface BroadcastEvent extends Kept {
  type: "broadcast";
  from: string;
  text: string;
  time: Date;
}

/** A message to the members of a private group (`group msg`), live or from the mailbox. */
export interface GroupEvent extends Kept {
  type: "group";
  from: string;
  /** The group as its members name it: `owner/name`. */
  group: string;
  text: string;
  time: Date;
  /** True when the message was kept while the recipient was offline. */
  offline?: boolean;
}

/** What a notice is about, so a client can act on it without parsing the sentence. */
export type NoticeKind =
  | "enter"
  | "leave"
  | "lost"
  | "back"
  | "closed"
  | "summary"
  | "welcome"
  | "takeover"
  | "shutdown"
  | "info"
  | "history"
  | "rename"
  | "kicked"
  | "banned"
  | "muted"
  | "announce"
  | "report";

/** Something the server tells, not in answer to a command of the receiver's (entries, exits…). */
export interface NoticeEvent {
  type: "notice";
  text: string;
  time: Date;
  kind: NoticeKind;
  room?: string;
  user?: string;
}

/** The answer to a command; `data` carries the structured form of list-like answers. */
export interface ReplyEvent {
  type: "reply";
  command: string;
  text: string;
  time: Date;
  data?: unknown;
}

/** An error a user caused, with its protocol code. */
export interface ErrorEvent {
  type: "error";
  code: ErrorCode;
  text: string;
  time: Date;
  command?: string;
}

/** Everything the server sends. */
export type ServerEvent =
  | MessageEvent
  | PrivateEvent
  | BroadcastEvent
  | GroupEvent
  | NoticeEvent
  | ReplyEvent
  | ErrorEvent;

/** The JSON form of an event as it travels: `time` is ISO-8601 UTC and `from` is always present. */
export type WireEvent = ServerEvent extends infer E
  ? E extends ServerEvent ? Omit<E, "time"> & { from: string; time: string } : never
  : never;

const encoder = new TextEncoder();

function pad2(n: number): string {
  return n < 10 ? "0" + n : String(n);
}

/**
 * Formats a time as HH:MM:SS in local time, the form both the server's text presentation and
 * the client's display use.
 *
 * @example
 * ```ts
 * clockTime(new Date(2026, 0, 1, 21, 4, 5)); // "21:04:05"
 * ```
 */
export function clockTime(time: Date): string {
  return `${pad2(time.getHours())}:${pad2(time.getMinutes())}:${pad2(time.getSeconds())}`;
}

/**
 * Formats a time as YYYY-MM-DD HH:MM:SS in local time, for times that may be days ago.
 *
 * @example
 * ```ts
 * dateTime(new Date(2026, 0, 2, 9, 8, 7)); // "2026-01-02 09:08:07"
 * ```
 */
export function dateTime(time: Date): string {
  const date = `${time.getFullYear()}-${pad2(time.getMonth() + 1)}-${pad2(time.getDate())}`;
  return `${date} ${clockTime(time)}`;
}

/** Whether two times fall on the same local day. */
export function sameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() &&
    a.getDate() === b.getDate();
}

/** Who an event is from, as shown to a person: the sender, or `*` for the server. */
export function senderOf(event: ServerEvent | WireEvent): string {
  switch (event.type) {
    case "message":
    case "private":
    case "broadcast":
    case "group":
      return event.from;
    default:
      return SERVER_NAME;
  }
}

/**
 * The label shown before the time: `alice@lobby`, `alice (private)`, `alice (broadcast)`, `*`.
 *
 * @example
 * ```ts
 * senderLabel({ type: "message", from: "alice", room: "lobby", text: "hi", time: new Date() });
 * // "alice@lobby"
 * ```
 */
export function senderLabel(event: ServerEvent | WireEvent): string {
  switch (event.type) {
    case "message":
      return `${event.from}@${event.room}`;
    case "private":
      // A conversation's history holds both sides: say whom each line went to.
      if (event.history === true) return `${event.from} (to ${event.to})`;
      return `${event.from} (${event.offline ? "offline" : "private"})`;
    case "broadcast":
      return `${event.from} (broadcast)`;
    case "group":
      return `${event.from} (group ${event.group}${event.offline ? ", offline" : ""})`;
    default:
      return SERVER_NAME;
  }
}

/** The sentence shown after the time; errors get an `error:` prefix. */
export function bodyOf(event: ServerEvent | WireEvent): string {
  return event.type === "error" ? `error: ${event.text}` : event.text;
}

/**
 * Encodes an event as text-mode lines (CRLF-terminated, for telnet): `sender time message`.
 * A multi-line text (a `who` list, `help`) becomes one prefixed line per text line.
 *
 * @example
 * ```ts
 * const line = new TextDecoder().decode(encodeText({
 *   type: "notice", kind: "enter", text: "bob entered lobby", time: new Date(2026, 0, 1, 21, 4, 5),
 * }));
 * // "* 21:04:05 bob entered lobby\r\n"
 * ```
 */
export function encodeText(event: ServerEvent): Uint8Array {
  // A line from history shows its date when it is not from today.
  const old = "history" in event && event.history && !sameDay(event.time, new Date());
  const prefix = `${senderLabel(event)} ${old ? dateTime(event.time) : clockTime(event.time)} `;
  const body = bodyOf(event);
  if (!body.includes("\n")) return encoder.encode(prefix + body + "\r\n");
  return encoder.encode(body.split("\n").map((line) => prefix + line + "\r\n").join(""));
}

/**
 * The JSON object of an event: `type`, `from`, `time` (ISO-8601 UTC), `text` and the type's own
 * fields.
 */
export function toWire(event: ServerEvent): WireEvent {
  const { time, ...rest } = event;
  return { ...rest, from: senderOf(event), time: time.toISOString() } as WireEvent;
}

/**
 * Encodes an event as one JSON line (LF-terminated).
 *
 * @example
 * ```ts
 * encodeJson({ type: "broadcast", from: "alice", text: "hi", time: new Date(0) });
 * // bytes of {"type":"broadcast","from":"alice","text":"hi","time":"1970-01-01T00:00:00.000Z"}\n
 * ```
 */
export function encodeJson(event: ServerEvent): Uint8Array {
  return encoder.encode(JSON.stringify(toWire(event)) + "\n");
}

/**
 * An event with its encodings made on first use and then shared: the same bytes go to every
 * recipient that uses the same presentation.
 *
 * @example
 * ```ts
 * const encoded = new EncodedEvent({ type: "broadcast", from: "a", text: "hi", time: new Date() });
 * encoded.bytes("text") === encoded.bytes("text"); // true: encoded once
 * ```
 */
export class EncodedEvent {
  #text?: Uint8Array;
  #json?: Uint8Array;
  constructor(readonly event: ServerEvent) {}

  /** The bytes of this event in the given presentation. */
  bytes(presentation: Presentation): Uint8Array {
    if (presentation === "text") return this.#text ??= encodeText(this.event);
    return this.#json ??= encodeJson(this.event);
  }
}

/**
 * Parses one JSON line the server sent (the client's side of {@link encodeJson}). Returns
 * `undefined` for a line that is not an event object.
 */
export function parseWireEvent(line: string): WireEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.type !== "string" || typeof v.text !== "string" || typeof v.time !== "string") {
    return undefined;
  }
  return v as unknown as WireEvent;
}

/** Word characters allowed in user names: 1–32 of `A-Za-z0-9_-` (what existing accounts may be). */
export const USER_NAME_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * A name a new account may take: it starts with a letter (so no `-`, `_` or `--help` accounts
 * whose lines would read oddly), then up to 31 of `A-Za-z0-9_-`. Accounts made before the rule
 * keep working.
 */
export const NEW_USER_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;

/** What is wrong with a name for a new account, in words (null when it is fine). */
export function newUserNameProblem(name: string): string | null {
  if (!NEW_USER_NAME_PATTERN.test(name)) {
    return "a user name starts with a letter, then up to 31 letters, digits, _ or -";
  }
  return RESERVED_NAMES.has(name.toLowerCase()) ? `the name ${name} is reserved` : null;
}

/** Names no account may take. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set(["*", "guest", "server"]);

/** Whether a string is a valid, unreserved user name. */
export function isValidUserName(name: string): boolean {
  return USER_NAME_PATTERN.test(name) && !RESERVED_NAMES.has(name.toLowerCase());
}

/** The longest room name (a `start` topic), in characters. */
export const MAX_ROOM_NAME = 64;

/**
 * A room name (or other argument) as a command line needs it: quoted when it has whitespace, as
 * the server reads a multi-word argument.
 *
 * @example
 * ```ts
 * quoteArgument("lobby"); // "lobby"
 * quoteArgument("night owls"); // "\"night owls\""
 * ```
 */
export function quoteArgument(word: string): string {
  return /\s/.test(word) ? `"${word}"` : word;
}
