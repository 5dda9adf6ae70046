import assert from "node:assert/strict";
import { classifyTyped, commandWord } from "../../lib/client/typed_command.ts";

Deno.test("an ordinary line is sent as it is, spaces and all", () => {
  assert.deepEqual(classifyTyped("  hello   there "), { kind: "send", line: "  hello   there " });
  assert.deepEqual(classifyTyped("who"), { kind: "send", line: "who" });
  assert.deepEqual(classifyTyped("tell bob hi"), { kind: "send", line: "tell bob hi" });
});

Deno.test("an empty or blank line sends nothing", () => {
  assert.deepEqual(classifyTyped(""), { kind: "empty" });
  assert.deepEqual(classifyTyped("   "), { kind: "empty" });
});

Deno.test("login with exactly one word asks for the password", () => {
  assert.deepEqual(classifyTyped("login alice"), { kind: "login", user: "alice" });
  assert.deepEqual(classifyTyped("/LOGIN alice"), { kind: "login", user: "alice" });
  assert.deepEqual(classifyTyped("  login   alice  "), { kind: "login", user: "alice" });
});

Deno.test("login without one word gives a usage message and sends nothing", () => {
  for (const line of ["login", "login alice secret", "/login a b c"]) {
    const typed = classifyTyped(line);
    assert.equal(typed.kind, "usage", line);
    if (typed.kind === "usage") assert.match(typed.message, /^usage: login <user>/);
  }
});

Deno.test("login guest needs no password", () => {
  assert.deepEqual(classifyTyped("login guest"), { kind: "guest", line: "login guest" });
});

Deno.test("create and enter need exactly one word", () => {
  assert.deepEqual(classifyTyped("create den"), { kind: "send", line: "create den" });
  assert.deepEqual(classifyTyped("enter lobby"), { kind: "send", line: "enter lobby" });
  for (const line of ["create", "create my den", "enter", "enter the lobby", "/create a b"]) {
    assert.equal(classifyTyped(line).kind, "usage", line);
  }
});

Deno.test("logout, quit and exit alone end the session", () => {
  for (const line of ["logout", "/logout", "quit", "EXIT", " logout "]) {
    assert.deepEqual(classifyTyped(line), { kind: "logout", line }, line);
  }
});

Deno.test("logout followed by more words is a chat line, as on the server", () => {
  assert.deepEqual(classifyTyped("logout is broken"), { kind: "send", line: "logout is broken" });
});

Deno.test("a line starting with // is a message, not a command", () => {
  assert.equal(commandWord("//login alice"), undefined);
  assert.deepEqual(classifyTyped("//logout"), { kind: "send", line: "//logout" });
});

Deno.test("register with one word asks for the password; with two it is sent", () => {
  assert.deepEqual(classifyTyped("register carol"), { kind: "register", user: "carol" });
  assert.deepEqual(classifyTyped("register carol pw"), { kind: "send", line: "register carol pw" });
});

Deno.test("passwd old new remembers the new password for reconnecting", () => {
  assert.deepEqual(classifyTyped("passwd old new"), {
    kind: "send",
    line: "passwd old new",
    newPassword: "new",
  });
});

Deno.test("mode is refused: the client needs JSON", () => {
  assert.equal(classifyTyped("mode text").kind, "usage");
});
