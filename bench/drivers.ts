/**
 * How the load generator speaks each server's protocol: what a client sends to log in and join
 * the benchmark room, how it recognises that it got in, how a room message is framed, and which
 * lines need an answer (IRC's PING).
 *
 * Room messages are recognised on the receiving side without decoding: the benchmark's message
 * text ends with `T` and 16 digits (the send time in µs), and every server puts the text at the end
 * of the line it delivers (`alice@lobby 21:04:05 TEXT` for parley, `:alice!u@h PRIVMSG #bench :TEXT`
 * for IRC), or, in JSON lines over WebSocket, as the `text` field, with other fields after it
 * (see {@link Driver.jsonMessages}).
 *
 * @module
 */

/**
 * The protocols the load generator speaks: parley's line protocol, IRC, and parley's commands over
 * WebSocket with JSON lines back (parley's `/ws`, and the `ws` relay of `bench/ws_relay.mjs`).
 */
export type Protocol = "parley" | "irc" | "ws";

/** What a line received while setting up means for the client. */
export type SetupStep =
  | { kind: "wait"; send?: string }
  | { kind: "ready"; send?: string }
  | { kind: "failed"; reason: string };

/** One protocol's client side, as far as the benchmark needs it. */
export interface Driver {
  /** The room (channel) every client joins. */
  readonly room: string;
  /** What a client sends right after connecting. */
  hello(name: string, password: string): string;
  /**
   * Handles one line received before the client is in the room; `progress` is the client's own
   * scratch state, starting at 0.
   */
  setupLine(line: string, progress: { value: number }): SetupStep;
  /** The bytes before the message text on a line the client sends. */
  readonly messagePrefix: string;
  /** The line terminator of lines the client sends. */
  readonly lineEnd: string;
  /** The answer to a line received once in the room (keep-alives), if it needs one. */
  answer(line: string): string | undefined;
  /**
   * Whether delivered messages are JSON lines, whose text (and send time) is followed by other
   * fields, rather than lines that end with the text.
   */
  readonly jsonMessages: boolean;
  /**
   * Whether the client speaks WebSocket: it upgrades first, then each line it sends (the hello's,
   * set-up answers, room messages) is one text message.
   */
  readonly websocket: boolean;
}

/** IRC (RFC 1459/2812): NICK/USER, wait for 001, JOIN, wait for the end of NAMES (366). */
export const ircDriver: Driver = {
  room: "#bench",
  hello(name) {
    return `NICK ${name}\r\nUSER ${name} 0 * :${name}\r\n`;
  },
  setupLine(line) {
    if (line.startsWith("PING")) return { kind: "wait", send: "PONG" + line.slice(4) + "\r\n" };
    if (line.startsWith("ERROR")) return { kind: "failed", reason: line };
    const command = line.startsWith(":") ? line.split(" ", 2)[1] : line.split(" ", 1)[0];
    switch (command) {
      case "001":
        return { kind: "wait", send: "JOIN #bench\r\n" };
      case "366":
        return { kind: "ready" };
      case "403":
      case "405":
      case "432":
      case "433":
      case "436":
      case "437":
      case "451":
      case "465":
      case "471":
      case "473":
      case "474":
      case "475":
        return { kind: "failed", reason: line };
      default:
        return { kind: "wait" };
    }
  },
  messagePrefix: "PRIVMSG #bench :",
  lineEnd: "\r\n",
  answer(line) {
    return line.startsWith("PING") ? "PONG" + line.slice(4) + "\r\n" : undefined;
  },
  jsonMessages: false,
  websocket: false,
};

/** The fields of a JSON event the set-up looks at. */
interface SetupEvent {
  type?: unknown;
  command?: unknown;
  code?: unknown;
  text?: unknown;
  kind?: unknown;
}

/** A JSON line received while setting up: the event, or why the client cannot get in. */
function setupEvent(line: string): SetupEvent | { failed: string } {
  let event: SetupEvent;
  try {
    event = JSON.parse(line);
  } catch {
    return { failed: `unparsable line: ${line}` };
  }
  if (event.type === "error") return { failed: `${String(event.code)}: ${String(event.text)}` };
  if (event.type === "notice" && event.kind === "takeover") return { failed: "session taken over" };
  return event;
}

/**
 * parley: the set-up runs in JSON mode, where replies and errors are unambiguous, then switches the
 * connection back to text mode for the measurement (`mode json`, `login`, `join lobby`,
 * `mode text`, all pipelined; the server handles a connection's lines in order).
 */
export function parleyDriver(room = "lobby"): Driver {
  return {
    room,
    hello(name, password) {
      return `mode json\nlogin ${name} ${password}\njoin ${room}\nmode text\n`;
    },
    setupLine(line, progress) {
      if (!line.startsWith("{")) {
        // A text line after the join reply: the connection is back in text mode. Before it: the
        // greeting, sent before `mode json` took effect.
        return progress.value === 1 ? { kind: "ready" } : { kind: "wait" };
      }
      const event = setupEvent(line);
      if ("failed" in event) return { kind: "failed", reason: event.failed };
      if (event.type === "reply" && event.command === "join") progress.value = 1;
      else if (event.type === "reply" && event.command === "mode" && progress.value === 1) {
        return { kind: "ready" };
      }
      return { kind: "wait" };
    },
    messagePrefix: "",
    lineEnd: "\n",
    answer() {
      return undefined;
    },
    jsonMessages: false,
    websocket: false,
  };
}

/**
 * parley's commands over WebSocket (`login`, `join lobby`, one text message each), answered in
 * JSON lines: in the room once the join is answered. A delivered message is
 * `{"type":"message",…,"text":"TEXT",…,"time":"2026-11-23T21:04:05.000Z"}`.
 */
export function wsDriver(room = "lobby"): Driver {
  return {
    room,
    hello(name, password) {
      return `login ${name} ${password}\njoin ${room}\n`;
    },
    setupLine(line) {
      const event = setupEvent(line);
      if ("failed" in event) return { kind: "failed", reason: event.failed };
      return event.type === "reply" && event.command === "join"
        ? { kind: "ready" }
        : { kind: "wait" };
    },
    messagePrefix: "",
    // A message's end is its frame's.
    lineEnd: "",
    answer() {
      return undefined;
    },
    jsonMessages: true,
    websocket: true,
  };
}

/** The driver for a protocol. */
export function driverFor(protocol: Protocol): Driver {
  return protocol === "irc" ? ircDriver : protocol === "ws" ? wsDriver() : parleyDriver();
}
