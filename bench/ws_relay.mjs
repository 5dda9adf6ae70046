/**
 * The WebSocket peer of `deno task bench --scenario ws`: the broadcast relay a user would write on
 * Node.js with the npm package `ws`, speaking just enough of parley's protocol for the load
 * generator. `login NAME PASSWORD` and `join ROOM` are answered with JSON replies (no accounts: any
 * password is taken); any other text is sent, as a JSON message event like parley's, to everyone
 * else in the sender's room, one `send` per recipient (`ws` has no batching of its own).
 *
 * Listens on 127.0.0.1, on a free port, path /ws, and prints `listening ws 127.0.0.1:PORT`.
 *
 * @example
 * ```sh
 * node bench/ws_relay.mjs
 * ```
 *
 * @module
 */

import process from "node:process";
import { WebSocket, WebSocketServer } from "ws";

const server = new WebSocketServer({ host: "127.0.0.1", port: 0, path: "/ws" });
/** Room name → its members' sockets. */
const rooms = new Map();

/** One JSON line, in parley's shape: the event's own fields, then `from` and `time`. */
function line(event) {
  return JSON.stringify({ ...event, time: new Date().toISOString() }) + "\n";
}

server.on("connection", (socket) => {
  let name = "";
  let room = "";
  let members;
  socket.on("message", (data) => {
    const text = data.toString();
    const [command, argument] = text.split(" ", 2);
    if (command === "login" && argument) {
      name = argument;
      socket.send(line({ type: "reply", command: "login", text: `welcome, ${name}`, from: "*" }));
    } else if (!name) {
      socket.send(line({ type: "error", code: "LOGIN_FIRST", text: "login first", from: "*" }));
    } else if (command === "join" && argument) {
      members?.delete(socket);
      room = argument;
      members = rooms.get(room) ?? new Set();
      rooms.set(room, members);
      members.add(socket);
      socket.send(line({ type: "reply", command: "join", text: `you joined ${room}`, from: "*" }));
    } else if (members) {
      // Encoded once, sent to each: the JSON is the same for every recipient.
      const event = line({ type: "message", from: name, room, text });
      for (const peer of members) {
        if (peer !== socket && peer.readyState === WebSocket.OPEN) peer.send(event);
      }
    }
  });
  socket.on("close", () => members?.delete(socket));
});

server.on("listening", () => console.log(`listening ws 127.0.0.1:${server.address().port}`));
process.on("SIGTERM", () => {
  for (const socket of server.clients) socket.terminate();
  server.close(() => process.exit(0));
});
