/**
 * The protocol's core behaves the same over every transport: login, rooms, tell, shout, blocks,
 * errors and the shutdown notice over TCP, TLS and WebSocket; and users of all three chat in one
 * room.
 */
import assert from "node:assert/strict";
import { LineClient } from "../../helpers/line_client.ts";
import { startTestServer } from "../../helpers/server.ts";
import { HAS_OPENSSL, startTlsTestServer, type TlsTestServer } from "../../helpers/tls.ts";
import type { Via } from "../../helpers/wires.ts";

const USERS = { alice: "a", bob: "b", carol: "c" };
const KINDS = ["tcp", "tls", "ws", "wss"] as const;

/**
 * How to reach server `t` over `kind`. With a certificate the HTTP listener is HTTPS, so `ws`
 * (Deno's own WebSocket, which trusts only the system's roots) gets a server without one.
 */
function via(t: TlsTestServer, kind: typeof KINDS[number]): Via {
  switch (kind) {
    case "tcp":
      return { kind, port: t.port };
    case "tls":
      return { kind, port: t.server.port("tls")!, caCert: t.caCert };
    case "ws":
      return { kind, port: t.server.port("http")! };
    case "wss":
      return { kind, port: t.server.port("https")!, caCert: t.caCert };
  }
}

/** A server for `kind`: with TLS on, except for plain `ws`. */
function serverFor(kind: typeof KINDS[number]): Promise<TlsTestServer> {
  return kind === "ws"
    ? startTestServer(USERS).then((t) => ({ ...t, caCert: "", certFile: "", keyFile: "" }))
    : startTlsTestServer(USERS);
}

for (const kind of KINDS) {
  Deno.test({
    name: `over ${kind}: log in, join, speak, tell, shout, block and get errors`,
    ignore: !HAS_OPENSSL,
    async fn() {
      await using t = await serverFor(kind);
      const wrong = await LineClient.connectJson(via(t, kind));
      assert.equal((await wrong.command("login alice nope")).code, "LOGIN_FAILED");
      await wrong.close();
      await using alice = await LineClient.json(via(t, kind), "alice", "a");
      await using bob = await LineClient.json(via(t, kind), "bob", "b");
      assert.deepEqual((await alice.command("join lobby")).data, {
        room: "lobby",
        rooms: ["lobby"],
        current: "lobby",
      });
      await bob.command("join lobby");
      assert.equal((await alice.nextEvent((e) => e.type === "notice")).text, "bob entered lobby");
      await bob.send("hello over " + kind);
      const heard = await alice.nextEvent((e) => e.type === "message");
      assert.deepEqual([heard.from, heard.room, heard.text], [
        "bob",
        "lobby",
        "hello over " + kind,
      ]);
      await alice.command("tell bob psst");
      const told = await bob.nextEvent((e) => e.type === "private");
      assert.deepEqual([told.from, told.text], ["alice", "psst"]);
      await alice.command("shout everyone");
      assert.equal((await bob.nextEvent((e) => e.type === "broadcast")).text, "everyone");
      await bob.command("block alice");
      await alice.send("you will not hear this");
      assert.equal((await alice.command("tell bob nor this")).code, "BLOCKED");
      await bob.command("unblock alice");
      await alice.send("but this");
      assert.equal((await bob.nextEvent((e) => e.type === "message")).text, "but this");
      assert.ok(
        !bob.unread().some((line) => line.includes("not hear") || line.includes("nor this")),
      );
      assert.equal((await alice.command("/frobnicate")).code, "UNKNOWN_COMMAND");
      assert.equal((await alice.command("tell")).code, "BAD_FORMAT");
      assert.equal((await alice.command("tell nobody hi")).code, "NO_SUCH_USER");
      await t.server.shutdown("maintenance");
      const notice = await alice.nextEvent((e) => e.type === "notice" && e.kind === "shutdown");
      assert.equal(notice.text, "maintenance");
      await alice.waitClosed();
    },
  });
}

Deno.test({
  name: "a TCP user, a TLS user and a WebSocket (wss) user chat in one room, in order",
  ignore: !HAS_OPENSSL,
  async fn() {
    await using t = await startTlsTestServer(USERS);
    const clients = [
      await LineClient.json(via(t, "tcp"), "alice", "a"),
      await LineClient.json(via(t, "tls"), "bob", "b"),
      await LineClient.json(via(t, "wss"), "carol", "c"),
    ];
    try {
      for (const client of clients) await client.command("join lobby");
      const names = ["alice", "bob", "carol"];
      for (let round = 0; round < 3; round++) {
        for (const [i, client] of clients.entries()) await client.send(`${names[i]} ${round}`);
      }
      for (const [i, client] of clients.entries()) {
        const heard: string[] = [];
        while (heard.length < 6) {
          const event = await client.nextEvent((e) => e.type === "message");
          heard.push(`${event.from}:${event.text}`);
        }
        const others = names.filter((_, j) => j !== i);
        for (const other of others) {
          assert.deepEqual(
            heard.filter((line) => line.startsWith(other + ":")),
            [0, 1, 2].map((round) => `${other}:${other} ${round}`),
            `${names[i]} hears ${other}'s lines in order`,
          );
        }
      }
      const who = await clients[0]!.command("who");
      assert.match(String(who.text), /alice/);
      assert.match(String(who.text), /carol/);
    } finally {
      for (const client of clients) await client.close();
    }
  },
});
