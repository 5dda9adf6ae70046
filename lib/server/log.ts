/**
 * The server's event log: one line per event on stderr, with an ISO-8601 timestamp.
 *
 * @module
 */

/** A logging function: an event name and its details. */
export type Logger = (event: string, details?: Record<string, unknown>) => void;

const encoder = new TextEncoder();

// What JSON.stringify leaves raw but a terminal acts on: DEL, C1 controls (8-bit CSI…), line
// separators and bidirectional controls. A user name typed at login must not drive the operator's
// terminal or reorder a log line.
const LOG_UNSAFE = /[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function quote(value: string): string {
  return JSON.stringify(value).replace(
    LOG_UNSAFE,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function formatDetails(details: Record<string, unknown>): string {
  return Object.entries(details)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => ` ${key}=${typeof value === "string" ? quote(value) : value}`)
    .join("");
}

/**
 * Logs to stderr: `2026-11-23T09:40:00.000Z login user="alice" peer="127.0.0.1:5123"`.
 *
 * @example
 * ```ts
 * stderrLogger("listening on 127.0.0.1:4000");
 * ```
 */
export const stderrLogger: Logger = (event, details) => {
  const line = `${new Date().toISOString()} ${event}${details ? formatDetails(details) : ""}\n`;
  try {
    Deno.stderr.writeSync(encoder.encode(line));
  } catch {
    // stderr gone (closed terminal): logging must never take the server down
  }
};

/** A logger that drops everything (unit tests of the chat logic). */
export const silentLogger: Logger = () => {};
