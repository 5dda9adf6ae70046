/**
 * Reading an HTTP/1.1 request's head (request line and headers) from a stream, bounded in size,
 * and writing a whole response. parley's HTTP listener serves a few static files and the
 * WebSocket upgrade, one request per connection, so this is all of HTTP it needs.
 *
 * @module
 */

import { writeAll } from "../connection.ts";

/** The largest request head accepted (request line and headers), in bytes. */
export const MAX_HEAD_BYTES = 8192;

/** A request's head. Header names are lower case; repeated headers are joined with `, `. */
export interface RequestHead {
  method: string;
  /** The request target as sent (`/ws`, `/app.js?v=2`). */
  target: string;
  headers: Map<string, string>;
  /** Bytes read after the head (a WebSocket client's first frames). */
  rest: Uint8Array;
}

/** Why a head could not be read: the status to answer with (0: say nothing, the peer is gone). */
export interface HeadError {
  status: number;
  text: string;
}

const decoder = new TextDecoder();
/** Control characters other than tab, which no header line may hold. */
// deno-lint-ignore no-control-regex
const CONTROL_IN_HEADER = /[\x00-\x08\x0a-\x1f\x7f]/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Where the blank line that ends the head starts, or -1. */
function headEnd(bytes: Uint8Array, length: number): number {
  for (let i = 3; i < length; i++) {
    if (bytes[i] === 10 && bytes[i - 1] === 13 && bytes[i - 2] === 10 && bytes[i - 3] === 13) {
      return i - 3;
    }
  }
  return -1;
}

/**
 * Reads one request head from `conn`.
 *
 * @example
 * ```ts
 * declare const conn: Deno.Conn;
 *
 * const head = await readHead(conn);
 * if ("status" in head) console.log(head.status); else console.log(head.method, head.target);
 * ```
 */
export async function readHead(conn: Deno.Conn): Promise<RequestHead | HeadError> {
  const buffer = new Uint8Array(MAX_HEAD_BYTES);
  let length = 0;
  while (true) {
    let n: number | null;
    try {
      n = await conn.read(buffer.subarray(length));
    } catch {
      return { status: 0, text: "connection lost" };
    }
    if (n === null) return { status: 0, text: "connection closed" };
    const from = Math.max(0, length - 3);
    length += n;
    const end = headEnd(buffer.subarray(from), length - from);
    if (end >= 0) {
      const head = parseHead(decoder.decode(buffer.subarray(0, from + end)));
      if ("status" in head) return head;
      return { ...head, rest: buffer.slice(from + end + 4, length) };
    }
    if (length === buffer.length) {
      return { status: 431, text: `request head larger than ${MAX_HEAD_BYTES} bytes` };
    }
  }
}

/**
 * Parses a request head's text (without the blank line).
 *
 * @example
 * ```ts
 * parseHead("GET / HTTP/1.1\r\nHost: a"); // { method: "GET", target: "/", headers: Map { "host" => "a" } }
 * ```
 */
export function parseHead(text: string): Omit<RequestHead, "rest"> | HeadError {
  const lines = text.split("\r\n");
  const request = /^([A-Z]+) (\S+) HTTP\/1\.([01])$/.exec(lines[0] ?? "");
  if (!request) return { status: 400, text: "not an HTTP/1.x request line" };
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).toLowerCase();
    if (colon <= 0 || !TOKEN.test(name) || CONTROL_IN_HEADER.test(line)) {
      return { status: 400, text: "malformed header line" };
    }
    const value = line.slice(colon + 1).trim();
    const seen = headers.get(name);
    headers.set(name, seen === undefined ? value : `${seen}, ${value}`);
  }
  return { method: request[1]!, target: request[2]!, headers };
}

const STATUS_TEXT: Record<number, string> = {
  101: "Switching Protocols",
  200: "OK",
  400: "Bad Request",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  426: "Upgrade Required",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/**
 * Headers every response carries: the page may load only what this server serves, run no inline
 * script, be framed by nobody, and leak no referrer.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self'; " +
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; " +
    "frame-ancestors 'none'; object-src 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
};

/** A response to write: status, its own headers, and a body (left out for HEAD). */
export interface Response {
  status: number;
  headers?: Record<string, string>;
  body?: Uint8Array | string;
}

const encoder = new TextEncoder();

/**
 * Writes a whole response and says the connection closes after it (one request per connection).
 *
 * @example
 * ```ts
 * declare const conn: Deno.Conn;
 *
 * await respond(conn, { status: 404, body: "not found\n" }, "GET");
 * ```
 */
export async function respond(conn: Deno.Conn, response: Response, method: string): Promise<void> {
  const body = typeof response.body === "string"
    ? encoder.encode(response.body)
    : response.body ?? new Uint8Array();
  const headers: Record<string, string> = {
    "content-type": "text/plain; charset=utf-8",
    ...SECURITY_HEADERS,
    ...response.headers,
    "content-length": String(body.length),
    "connection": "close",
  };
  const head = `HTTP/1.1 ${response.status} ${STATUS_TEXT[response.status] ?? "Unknown"}\r\n` +
    Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join("") + "\r\n";
  const headBytes = encoder.encode(head);
  if (method === "HEAD" || body.length === 0) return writeAll(conn, headBytes);
  const whole = new Uint8Array(headBytes.length + body.length);
  whole.set(headBytes);
  whole.set(body, headBytes.length);
  await writeAll(conn, whole);
}
