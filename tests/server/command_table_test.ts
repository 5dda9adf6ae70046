import assert from "node:assert/strict";
import { CommandTable } from "../../lib/server/command_table.ts";
import { COMMANDS } from "../../lib/server/commands/index.ts";

const table = new CommandTable(COMMANDS);

function describe(line: string): string {
  const parsed = table.parse(line);
  if (parsed.kind === "command") return `${parsed.spec.name}(${parsed.args.join("|")})`;
  if (parsed.kind === "chat") return `chat:${parsed.text}`;
  return `${parsed.error.code}:${parsed.error.text}`;
}

Deno.test("a command's last rest argument keeps the rest of the line", () => {
  assert.deepEqual(describe("tell bob hello   there"), "tell(bob|hello   there)");
  assert.deepEqual(describe("start my  big topic"), "start(my  big topic)");
});

Deno.test("aliases name the same command, case-insensitively", () => {
  assert.deepEqual(describe("MSG bob hi"), "tell(bob|hi)");
  assert.deepEqual(describe("cd lobby"), "switch(lobby)");
  assert.deepEqual(describe("quit"), "logout()");
});

Deno.test("a no-argument command is one only when it stands alone", () => {
  assert.deepEqual(describe("who"), "who()");
  assert.deepEqual(describe("who is there?"), "chat:who is there?");
  assert.deepEqual(describe("/who is there?"), "BAD_FORMAT:usage: who");
});

Deno.test("a leading slash always means a command, and a double slash is chat", () => {
  assert.deepEqual(describe("/join lobby"), "join(lobby)");
  assert.deepEqual(describe("/dance"), "UNKNOWN_COMMAND:unknown command: dance; try help");
  assert.deepEqual(describe("//join is not a command"), "chat:/join is not a command");
  assert.deepEqual(describe("dance with me"), "chat:dance with me");
});

Deno.test("wrong argument counts get BAD_FORMAT with the usage line", () => {
  assert.deepEqual(describe("create"), "BAD_FORMAT:usage: create <room>");
  assert.deepEqual(describe("create two words"), "BAD_FORMAT:usage: create <room>");
  assert.deepEqual(describe("login a b c"), "BAD_FORMAT:usage: login <user> [password]");
  assert.deepEqual(describe("tell bob"), "BAD_FORMAT:usage: tell <user> <message...>");
});
