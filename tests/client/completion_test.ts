import assert from "node:assert/strict";
import { completionsFor } from "../../lib/client/completion.ts";
import { InputHistory } from "../../lib/client/input_history.ts";

const SOURCES = {
  commands: ["join", "junk", "who", "tell"],
  usersHere: ["bob"],
  users: ["bea", "bob", "joe"],
  rooms: ["lobby", "book club"],
};

Deno.test("the first word completes to commands, then to user names with a colon", () => {
  assert.deepEqual(completionsFor("j", 1, SOURCES), ["join ", "junk ", "joe: "]);
  assert.deepEqual(completionsFor("/j", 2, SOURCES), ["/join ", "/junk "]);
});

Deno.test("users in the current room come before the others", () => {
  assert.deepEqual(completionsFor("hi b", 4, SOURCES), ["bob ", "bea ", "book club "]);
});

Deno.test("after a room command, rooms come first (a name with spaces is quoted)", () => {
  assert.deepEqual(completionsFor("join b", 6, SOURCES), ['"book club" ', "bob ", "bea "]);
  assert.deepEqual(completionsFor("tell b", 6, SOURCES), ["bob ", "bea ", "book club "]);
});

Deno.test("an empty word is not completed; only the word before the cursor counts", () => {
  assert.deepEqual(completionsFor("hi ", 3, SOURCES), []);
  assert.deepEqual(completionsFor("hi lo there", 5, SOURCES), ["lobby "]);
});

Deno.test("the input history skips blanks and repeats, and keeps the draft", () => {
  const history = new InputHistory(["a", "", "b"]);
  assert.deepEqual(history.lines, ["a", "b"]);
  assert.equal(history.add("b"), false);
  assert.equal(history.add(" "), false);
  assert.equal(history.previous("draft"), "b");
  assert.equal(history.next(), "draft");
  assert.equal(history.next(), undefined);
});
