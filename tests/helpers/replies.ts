/**
 * Asserting a command's success (an error event carries `command` too, so checking `command`
 * alone would pass for errors).
 *
 * @module
 */

import assert from "node:assert/strict";
import type { LineClient } from "./line_client.ts";

/**
 * Sends a command in JSON mode and asserts that it got a reply, not an error.
 *
 * @example
 * ```ts
 * const reply = await ok(alice, "join lobby");
 * ```
 */
export async function ok(client: LineClient, line: string): ReturnType<LineClient["command"]> {
  const event = await client.command(line);
  assert.equal(event.type, "reply", `${line}: ${event.code ?? ""} ${event.text}`);
  return event;
}
