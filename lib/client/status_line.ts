/**
 * The status line above the input, as irssi and weechat keep one: who you are, the connection's
 * state, then the windows (rooms and private conversations) numbered for Alt-1…9, the current one
 * in brackets, the others with their unread counts and `!` when you were mentioned.
 *
 * ```
 * alice │ connected over TLS │ [1:lobby] 2:den(3) 3:@bob(1!) │ 2 lines waiting
 * ```
 *
 * @module
 */

import type { ChatWindow } from "./windows.ts";
import { displayWidth } from "./line_editor.ts";

/** The connection as the status line shows it. */
export type LinkState =
  | { state: "connecting" }
  | { state: "connected"; tls: boolean }
  | { state: "reconnecting"; seconds: number }
  | { state: "offline" };

/** Everything the status line shows. */
export interface StatusInfo {
  /** The user logged in as (undefined: not logged in). */
  user: string | undefined;
  link: LinkState;
  windows: readonly ChatWindow[];
  current: ChatWindow | undefined;
  /** Typed lines kept until the connection is back. */
  queued: number;
  /** Lines the server's flood control holds back (its "slow down" notice). */
  throttled: number;
}

const SEPARATOR = " │ ";

/**
 * The status line's text, cut to fit `columns - 1` columns.
 *
 * @example
 * ```ts
 * statusText({
 *   user: "alice", link: { state: "connected", tls: false }, queued: 0, throttled: 0,
 *   windows: [{ kind: "room", name: "lobby", unread: 0, mentioned: false }], current: undefined,
 * }, 80); // "alice │ connected │ 1:lobby"
 * ```
 */
export function statusText(info: StatusInfo, columns: number): string {
  const parts = [info.user ?? "not logged in", linkText(info.link)];
  if (info.windows.length > 0) {
    parts.push(info.windows.map((window, i) => windowText(window, i + 1, info.current)).join(" "));
  }
  if (info.queued > 0) parts.push(`${info.queued} typed line${plural(info.queued)} kept`);
  if (info.throttled > 0) {
    parts.push(`${info.throttled} line${plural(info.throttled)} waiting (slow down)`);
  }
  return fit(parts.join(SEPARATOR), columns - 1);
}

function linkText(link: LinkState): string {
  switch (link.state) {
    case "connecting":
      return "connecting…";
    case "connected":
      return link.tls ? "connected over TLS" : "connected";
    case "reconnecting":
      return `reconnecting in ${link.seconds} s`;
    case "offline":
      return "offline";
  }
}

function windowText(window: ChatWindow, number: number, current: ChatWindow | undefined): string {
  const name = `${number}:${window.kind === "private" ? "@" : ""}${window.name}`;
  if (window === current) return `[${name}]`;
  if (window.unread === 0) return name;
  return `${name}(${window.unread}${window.mentioned ? "!" : ""})`;
}

function plural(n: number): string {
  return n === 1 ? "" : "s";
}

/** Cuts a text to a number of columns, ending it with `…` when cut. */
function fit(text: string, columns: number): string {
  if (displayWidth(text) <= columns) return text;
  let out = "";
  for (const char of text) {
    if (displayWidth(out + char) > columns - 1) break;
    out += char;
  }
  return out + "…";
}
