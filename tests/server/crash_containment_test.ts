/**
 * A bug in one command handler (an exception, or a rejected promise) is contained: the user gets
 * SERVER_ERROR, the session and everyone else carry on.
 */
import assert from "node:assert/strict";
import { LineClient } from "../helpers/line_client.ts";
import { startTestServer } from "../helpers/server.ts";

Deno.test("a handler that throws or rejects gets SERVER_ERROR and ends nothing", async () => {
  await using t = await startTestServer({ alice: "pa", bob: "pb" });
  const spec = t.server.chat.commands.get("ping")!;
  const original = spec.run;
  try {
    await using alice = await LineClient.json(t.port, "alice", "pa");
    await using bob = await LineClient.json(t.port, "bob", "pb");
    spec.run = () => {
      throw new Error("a bug");
    };
    const thrown = await alice.command("ping bob");
    assert.equal(thrown.code, "SERVER_ERROR");
    spec.run = () => Promise.reject(new Error("an async bug"));
    assert.equal((await alice.command("ping bob")).code, "SERVER_ERROR");
    spec.run = original;
    assert.equal((await alice.command("ping bob")).command, "ping", "the session carries on");
    await alice.command("join lobby");
    await bob.command("join lobby");
    await alice.send("still here");
    assert.equal((await bob.nextEvent((e) => e.type === "message")).text, "still here");
  } finally {
    spec.run = original;
  }
});
