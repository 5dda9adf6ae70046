import assert from "node:assert/strict";
import { SeenLines } from "../../lib/shared/seen_lines.ts";
import type { WireEvent } from "../../lib/shared/protocol.ts";

const time = "2026-01-01T00:00:00.000Z";
const line = (id: string, room = "lobby"): WireEvent =>
  ({ type: "message", from: "bob", room, text: id, time, id }) as WireEvent;

Deno.test("a line with an id already shown is refused; lines without ids always pass", () => {
  const seen = new SeenLines();
  assert.equal(seen.accept(line("a1"), "alice"), true);
  assert.equal(seen.accept(line("a1"), "alice"), false);
  const notice = { type: "notice", kind: "enter", text: "x", from: "*", time } as WireEvent;
  assert.equal(seen.accept(notice, "alice"), true);
  assert.equal(seen.accept(notice, "alice"), true);
});

Deno.test("gap queries ask after the newest id of each room the user is in, each conversation and shouts", () => {
  const seen = new SeenLines();
  seen.accept(line("a1"), "alice");
  seen.accept(line("a9"), "alice");
  seen.accept(line("a5"), "alice"); // older, shown later (history): the newest stays a9
  seen.accept(line("b1", "my big topic"), "alice");
  seen.accept(line("c1", "left room"), "alice");
  const told = { type: "private", from: "alice", to: "Carol", text: "x", time, id: "d1" };
  seen.accept(told as WireEvent, "alice");
  seen.accept({ type: "broadcast", from: "bob", text: "x", time, id: "e1" } as WireEvent, "alice");
  assert.deepEqual(
    seen.gapQueries(["lobby", "My Big Topic"]).sort(),
    [
      'history "my big topic" after b1',
      "history * after e1",
      "history Carol after d1",
      "history lobby after a9",
    ].sort(),
  );
});
