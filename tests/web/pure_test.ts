/**
 * The web client's pure pieces, without a browser: name colours, links, typed lines, completion,
 * input history, mentions, condensed notices.
 *
 * @module
 */

import assert from "node:assert/strict";
import { fnv1a, NAME_COLOURS, nameClass, nameColour } from "../../web/src/colour.ts";
import { linkify, safeHref, visibleText } from "../../web/src/links.ts";
import { interpretTyped, serverReadsAsCommand } from "../../web/src/commands.ts";
import { complete, cycleNext } from "../../web/src/completion.ts";
import { InputHistory } from "../../web/src/history.ts";
import { mentions } from "../../web/src/mention.ts";
import { condense, summarise } from "../../web/src/condense.ts";

Deno.test("a name's colour is a stable hash, the same in any case, spread over the palette", () => {
  assert.equal(fnv1a(""), 0x811c9dc5);
  assert.equal(fnv1a("a"), 0xe40c292c);
  assert.equal(nameColour("alice"), nameColour("ALICE"));
  assert.equal(nameClass("alice"), `nick-${nameColour("alice")}`);
  assert.equal(nameClass("*"), "nick-server");
  const used = new Set<number>();
  for (let i = 0; i < 200; i++) used.add(nameColour(`user${i}`));
  assert.equal(used.size, NAME_COLOURS);
});

Deno.test("only http(s) addresses become links; trailing punctuation stays text", () => {
  assert.deepEqual(linkify("see https://example.org/a."), [
    { text: "see " },
    { text: "https://example.org/a", href: "https://example.org/a" },
    { text: "." },
  ]);
  assert.deepEqual(linkify("(www.example.org)"), [
    { text: "(" },
    { text: "www.example.org", href: "https://www.example.org/" },
    { text: ")" },
  ]);
  assert.deepEqual(linkify("https://en.wikipedia.org/wiki/Foo_(bar)"), [
    {
      text: "https://en.wikipedia.org/wiki/Foo_(bar)",
      href: "https://en.wikipedia.org/wiki/Foo_(bar)",
    },
  ]);
  for (const text of ["javascript:alert(1)", "data:text/html,<b>x</b>", "<a href=x>y</a>"]) {
    assert.deepEqual(linkify(text), [{ text }], text);
  }
  assert.equal(safeHref("javascript:alert(1)"), undefined);
  assert.equal(safeHref("http://"), undefined);
  assert.equal(visibleText("a\u0007b\u001bc\u202ed"), "a\u2407b\u241bc<U+202E>d");
  assert.equal(visibleText("tab\tstays"), "tab\tstays");
});

Deno.test("typed lines: / starts a command, anything else is a message where it is typed", () => {
  const room = { kind: "room", room: "lobby" } as const;
  assert.deepEqual(interpretTyped("/who", room), { kind: "send", line: "who", command: "who" });
  assert.deepEqual(interpretTyped("/tell bob hi there", room), {
    kind: "send",
    line: "tell bob hi there",
    command: "tell",
  });
  assert.deepEqual(interpretTyped("/msg bob hi", room), {
    kind: "send",
    line: "msg bob hi",
    command: "tell",
  });
  assert.deepEqual(interpretTyped("hello", room), { kind: "send", line: "hello", text: "hello" });
  // A message whose first word is a command is sent with say, so it stays a message.
  assert.deepEqual(interpretTyped("tell me more", room), {
    kind: "send",
    line: "say lobby tell me more",
    text: "tell me more",
  });
  assert.deepEqual(interpretTyped("who is here?", room), {
    kind: "send",
    line: "who is here?",
    text: "who is here?",
  });
  assert.deepEqual(
    interpretTyped("join us", { kind: "room", room: "long topic", id: 4 }),
    { kind: "send", line: "say #4 join us", text: "join us" },
  );
  assert.equal(interpretTyped("join us", { kind: "room", room: "long topic" }).kind, "refuse");
  assert.deepEqual(interpretTyped("//join", room), {
    kind: "send",
    line: "say lobby /join",
    text: "/join",
  });
  assert.deepEqual(interpretTyped("hi", { kind: "private", user: "bob" }), {
    kind: "send",
    line: "tell bob hi",
    command: "tell",
    text: "hi",
  });
  assert.equal(interpretTyped("hi", { kind: "server" }).kind, "refuse");
  assert.equal(interpretTyped("/mode text", room).kind, "refuse");
  assert.equal(interpretTyped("/create two words", room).kind, "refuse");
  assert.deepEqual(interpretTyped("/quit", room), { kind: "logout", line: "logout" });
  assert.deepEqual(interpretTyped("/query bob", room), { kind: "open", user: "bob" });
  assert.deepEqual(interpretTyped("  ", room), { kind: "empty" });
  assert.ok(serverReadsAsCommand("who"));
  assert.ok(!serverReadsAsCommand("who is it"));
});

Deno.test("Tab completes names (with ': ' at the start) and commands, and cycles", () => {
  const names = ["alice", "Albert", "bob"];
  const first = complete("al", 2, names, ["who"])!;
  assert.equal(first.completed.text, "alice: ");
  assert.equal(cycleNext(first.cycle, "alice: ")!.text, "Albert: ");
  assert.equal(cycleNext(first.cycle, "Albert: ")!.text, "alice: ");
  assert.equal(cycleNext(first.cycle, "something else"), undefined);
  assert.equal(complete("hi b", 4, names, [])!.completed.text, "hi bob ");
  assert.equal(complete("/wh", 3, names, ["who", "whoelse"])!.completed.text, "/who ");
  assert.equal(complete("zz", 2, names, []), undefined);
  assert.equal(complete("", 0, names, []), undefined);
});

Deno.test("Up recalls earlier lines, Down comes back to the draft", () => {
  const history = new InputHistory();
  assert.equal(history.up(""), undefined);
  history.add("one");
  history.add("two");
  history.add("two");
  assert.equal(history.up("draft"), "two");
  assert.equal(history.up("two"), "one");
  assert.equal(history.up("one"), undefined);
  assert.equal(history.down(), "two");
  assert.equal(history.down(), "draft");
  assert.equal(history.down(), undefined);
});

Deno.test("a mention is the name as a whole word, in any case", () => {
  assert.ok(mentions("hi Alice!", "alice"));
  assert.ok(mentions("alice: look", "alice"));
  assert.ok(!mentions("malice", "alice"));
  assert.ok(!mentions("alice_2 here", "alice"));
  assert.ok(!mentions("anything", ""));
});

Deno.test("three or more enter/leave notices in a row become one line", () => {
  const n = (noticeKind: string, user: string) => ({ noticeKind, user });
  const items = condense([
    { noticeKind: undefined },
    n("enter", "a"),
    n("enter", "b"),
    n("leave", "c"),
    { noticeKind: "closed" },
    n("enter", "d"),
    n("leave", "d"),
  ]);
  assert.equal(items.length, 5);
  assert.ok("run" in items[1]!);
  assert.equal(
    summarise((items[1] as { run: { noticeKind: string; user: string }[] }).run),
    "a and b entered; c left",
  );
  assert.ok("line" in items[3]! && "line" in items[4]!);
});
