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
  assert.deepEqual(classifyTyped("login alice"), { kind: "ask", command: "login", name: "alice" });
  assert.deepEqual(classifyTyped("/LOGIN alice"), { kind: "ask", command: "login", name: "alice" });
  assert.deepEqual(classifyTyped("  login   alice  "), {
    kind: "ask",
    command: "login",
    name: "alice",
  });
});

Deno.test("login with the password is sent as typed, remembered, and kept out of history", () => {
  assert.deepEqual(classifyTyped("login alice s3cret"), {
    kind: "send",
    line: "login alice s3cret",
    login: { user: "alice", password: "s3cret" },
    secret: true,
  });
});

Deno.test("any other login goes to the server, which answers with its usage", () => {
  assert.deepEqual(classifyTyped("login"), { kind: "send", line: "login" });
  assert.deepEqual(classifyTyped("/login a b c"), { kind: "send", line: "/login a b c" });
});

Deno.test("login guest needs no password", () => {
  assert.deepEqual(classifyTyped("login guest"), {
    kind: "send",
    line: "login guest",
    login: { user: "guest" },
  });
});

Deno.test("create, enter and mode-less commands are the server's to judge", () => {
  for (const line of ["create", "create my den", "enter", "enter big topic here", "/create a b"]) {
    assert.deepEqual(classifyTyped(line), { kind: "send", line }, line);
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

Deno.test("register, rename and passwd without their passwords ask for them", () => {
  assert.deepEqual(classifyTyped("register carol"), {
    kind: "ask",
    command: "register",
    name: "carol",
  });
  assert.deepEqual(classifyTyped("rename alicia"), {
    kind: "ask",
    command: "rename",
    name: "alicia",
  });
  assert.deepEqual(classifyTyped("passwd"), { kind: "ask", command: "passwd" });
  assert.deepEqual(classifyTyped("register carol pw"), {
    kind: "send",
    line: "register carol pw",
    secret: true,
  });
});

Deno.test("passwd old new remembers the new password for reconnecting", () => {
  assert.deepEqual(classifyTyped("passwd old new"), {
    kind: "send",
    line: "passwd old new",
    newPassword: "new",
    secret: true,
  });
});

Deno.test("mode is how this client shows events (its connection stays JSON)", () => {
  assert.deepEqual(classifyTyped("mode text"), { kind: "mode", choice: "text" });
  assert.deepEqual(classifyTyped("mode"), { kind: "mode" });
});
