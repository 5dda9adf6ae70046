/**
 * Someone for a client under test to talk to: another user logged in over a raw text-mode
 * connection and gone into a room.
 *
 * @module
 */

import { LineClient } from "./line_client.ts";

/**
 * Logs `user` in over plain TCP on `port` and joins `room`; resolves once both are confirmed.
 *
 * @example
 * ```ts
 * await using bob = await peerInRoom(port, "bob", "bobpw");
 * await bob.send("hello alice");
 * ```
 */
export async function peerInRoom(
  port: number,
  user: string,
  password: string,
  room = "lobby",
): Promise<LineClient> {
  const peer = await LineClient.connect(port);
  await peer.send(`login ${user} ${password}`);
  await peer.expect(`welcome, ${user}`);
  await peer.send(`join ${room}`);
  await peer.expect(`you joined ${room}`);
  return peer;
}
