import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { Store, STORE_FILE } from "../../lib/server/store.ts";
import { killAfterLines } from "../helpers/child_script.ts";
import { withTempDir } from "../helpers/temp_dir.ts";

function open(dir: string, problems: string[] = [], maxOfflinePerUser?: number): Store {
  return Store.open(dir, { log: (msg) => problems.push(msg), maxOfflinePerUser });
}

Deno.test("open creates the data directory and a WAL-mode database", async () => {
  await withTempDir((dir) => {
    const dataDir = join(dir, "nested", "data");
    const problems: string[] = [];
    open(dataDir, problems).close();
    assert.deepEqual(problems, []);
    const db = new DatabaseSync(join(dataDir, STORE_FILE));
    try {
      assert.equal(db.prepare("PRAGMA journal_mode").get()?.journal_mode, "wal");
    } finally {
      db.close();
    }
  });
});

Deno.test("blocks are one-directional, case-insensitive and survive close and open", async () => {
  await withTempDir((dir) => {
    const store = open(dir);
    assert.equal(store.block("alice", "Bob"), true);
    assert.equal(store.block("ALICE", "bob"), false, "already blocked");
    assert.equal(store.block("alice", "carol"), true);
    assert.equal(store.block("dave", "alice"), true);
    assert.equal(store.isBlocked("bob", "alice"), true);
    assert.equal(store.isBlocked("BOB", "Alice"), true);
    assert.equal(store.isBlocked("alice", "bob"), false, "blocking is one-directional");
    assert.deepEqual(store.blocksOf("Alice"), ["Bob", "carol"]);
    assert.deepEqual(store.blocksOf("bob"), []);
    store.close();

    const reopened = open(dir);
    assert.equal(reopened.isBlocked("bob", "alice"), true);
    assert.equal(reopened.isBlocked("alice", "dave"), true);
    assert.deepEqual(reopened.blocksOf("alice"), ["Bob", "carol"]);
    assert.equal(reopened.unblock("alice", "BOB"), true);
    assert.equal(reopened.unblock("alice", "bob"), false, "no longer blocked");
    assert.equal(reopened.unblock("zed", "bob"), false, "never blocked");
    assert.equal(reopened.isBlocked("bob", "alice"), false);
    reopened.close();

    const third = open(dir);
    assert.deepEqual(third.blocksOf("alice"), ["carol"]);
    assert.equal(third.isBlocked("bob", "alice"), false);
    third.close();
  });
});

Deno.test("info text is kept per user, cleared by an empty text, and survives a restart", async () => {
  await withTempDir((dir) => {
    const store = open(dir);
    assert.equal(store.info("alice"), undefined);
    store.setInfo("Alice", "away until Monday: back soon");
    store.setInfo("bob", "first");
    store.setInfo("BOB", "second");
    store.close();

    const reopened = open(dir);
    assert.equal(reopened.info("alice"), "away until Monday: back soon");
    assert.equal(reopened.info("bob"), "second");
    reopened.setInfo("alice", "");
    assert.equal(reopened.info("alice"), undefined);
    reopened.close();

    const third = open(dir);
    assert.equal(third.info("alice"), undefined);
    third.close();
  });
});

Deno.test("logins keep each user's latest time and answer who logged in since a time", async () => {
  await withTempDir((dir) => {
    const t = (minutesAgo: number) => new Date(Date.UTC(2026, 10, 23, 12, 0) - minutesAgo * 60_000);
    const store = open(dir);
    store.recordLogin("alice", t(120));
    store.recordLogin("Bob", t(30));
    store.recordLogin("carol", t(90));
    store.recordLogin("ALICE", t(10));
    assert.equal(store.lastLogin("alice")?.getTime(), t(10).getTime());
    assert.equal(store.lastLogin("nobody"), undefined);
    store.close();

    const reopened = open(dir);
    assert.equal(reopened.lastLogin("bob")?.getTime(), t(30).getTime());
    const recent = reopened.loginsSince(t(60));
    assert.deepEqual(
      recent.map((r) => [r.user, r.time.getTime()]),
      [["ALICE", t(10).getTime()], ["Bob", t(30).getTime()]],
    );
    assert.deepEqual(reopened.loginsSince(t(30)).map((r) => r.user), ["ALICE", "Bob"], "inclusive");
    assert.equal(reopened.loginsSince(t(0)).length, 0);
    reopened.close();
  });
});

Deno.test("offline messages come back oldest first after a restart until cleared", async () => {
  await withTempDir((dir) => {
    const store = open(dir);
    const base = Date.UTC(2026, 10, 23, 9, 0);
    assert.equal(store.addOffline("Bob", "alice", "first", new Date(base)), true);
    assert.equal(store.addOffline("bob", "carol", "second\twith tab", new Date(base + 1000)), true);
    assert.equal(store.addOffline("BOB", "alice", "third", new Date(base + 2000)), true);
    assert.equal(store.addOffline("dave", "alice", "for dave", new Date(base)), true);
    store.close();

    const reopened = open(dir);
    assert.deepEqual(reopened.offlineFor("bob"), [
      { from: "alice", text: "first", time: new Date(base), delivered: false },
      { from: "carol", text: "second\twith tab", time: new Date(base + 1000), delivered: false },
      { from: "alice", text: "third", time: new Date(base + 2000), delivered: false },
    ]);
    assert.equal(reopened.offlineCount("Bob"), 3);
    assert.equal(reopened.clearOffline("BOB"), 3);
    assert.equal(reopened.clearOffline("bob"), 0);
    assert.deepEqual(reopened.offlineFor("bob"), []);
    reopened.close();

    const third = open(dir);
    assert.deepEqual(third.offlineFor("bob"), []);
    assert.deepEqual(third.offlineFor("dave").map((m) => m.text), ["for dave"]);
    third.close();
  });
});

Deno.test("a full offline mailbox refuses further messages and stores nothing", async () => {
  await withTempDir((dir) => {
    const store = open(dir, [], 3);
    const now = new Date();
    for (let i = 0; i < 3; i++) assert.equal(store.addOffline("bob", "alice", `m${i}`, now), true);
    assert.equal(store.addOffline("BOB", "carol", "overflow", now), false);
    assert.deepEqual(store.offlineFor("bob").map((m) => m.text), ["m0", "m1", "m2"]);
    assert.equal(store.addOffline("dave", "alice", "other mailbox", now), true);
    store.close();

    const reopened = open(dir, [], 3);
    assert.equal(reopened.offlineCount("bob"), 3);
    assert.equal(reopened.addOffline("bob", "alice", "still full", now), false);
    reopened.clearOffline("bob");
    assert.equal(reopened.addOffline("bob", "alice", "room again", now), true);
    reopened.close();

    const defaults = open(dir);
    for (let i = 0; i < 99; i++) assert.equal(defaults.addOffline("eve", "alice", "x", now), true);
    assert.equal(defaults.addOffline("eve", "alice", "100th", now), true);
    assert.equal(defaults.addOffline("eve", "alice", "101st", now), false, "default cap is 100");
    defaults.close();
  });
});

Deno.test("each offline message is delivered once, and delivered ones make room", async () => {
  await withTempDir((dir) => {
    const store = open(dir, [], 2);
    const now = new Date();
    const texts = (messages: { text: string }[]) => messages.map((m) => m.text);
    assert.equal(store.addOffline("bob", "alice", "m0", now), true);
    assert.equal(store.addOffline("bob", "alice", "m1", now), true);
    assert.equal(store.addOffline("bob", "alice", "refused", now), false, "two waiting: full");
    assert.deepEqual(texts(store.deliverOffline("BOB")), ["m0", "m1"]);
    assert.deepEqual(store.deliverOffline("bob"), [], "not delivered twice");
    assert.deepEqual(store.offlineFor("bob").map((m) => m.delivered), [true, true]);
    assert.equal(store.addOffline("bob", "carol", "m2", now), true, "m0 makes room");
    assert.deepEqual(texts(store.offlineFor("bob")), ["m1", "m2"]);
    assert.equal(store.addOffline("bob", "carol", "m3", now), true, "m1 makes room");
    assert.deepEqual(texts(store.offlineFor("bob")), ["m2", "m3"]);
    assert.equal(store.addOffline("bob", "carol", "m4", now), false, "m2 and m3 wait: full");
    store.close();

    const reopened = open(dir, [], 2);
    assert.deepEqual(texts(reopened.deliverOffline("bob")), ["m2", "m3"]);
    assert.deepEqual(reopened.deliverOffline("bob"), []);
    reopened.close();
  });
});

Deno.test("a database from before delivery marks keeps its messages, to be delivered once", async () => {
  await withTempDir((dir) => {
    const db = new DatabaseSync(join(dir, STORE_FILE));
    try {
      db.exec(`
        CREATE TABLE offline (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          to_key TEXT NOT NULL,
          to_user TEXT NOT NULL,
          from_user TEXT NOT NULL,
          text TEXT NOT NULL,
          time INTEGER NOT NULL
        ) STRICT;
        INSERT INTO offline (to_key, to_user, from_user, text, time)
          VALUES ('bob', 'Bob', 'alice', 'from version 1', 5);
        PRAGMA user_version = 1;
      `);
    } finally {
      db.close();
    }
    const problems: string[] = [];
    const store = open(dir, problems);
    // An old database was made 0644: it is tightened, with a warning, and nothing else is said.
    assert.deepEqual(
      problems.map((p) => p.replace(/^warning: .*was open to others.*/, "tightened")),
      [
        "tightened",
      ],
    );
    assert.deepEqual(store.deliverOffline("bob").map((m) => m.text), ["from version 1"]);
    assert.deepEqual(store.deliverOffline("bob"), []);
    store.close();
    const check = new DatabaseSync(join(dir, STORE_FILE));
    try {
      assert.equal(check.prepare("PRAGMA user_version").get()?.user_version, 3);
    } finally {
      check.close();
    }
  });
});

Deno.test("a database from a newer parley is refused, not altered", async () => {
  await withTempDir((dir) => {
    const db = new DatabaseSync(join(dir, STORE_FILE));
    try {
      db.exec("PRAGMA user_version = 99;");
    } finally {
      db.close();
    }
    assert.throws(() => open(dir), /newer parley \(schema 99\)/);
  });
});

Deno.test("invalid names found in the database are reported at open and ignored", async () => {
  await withTempDir((dir) => {
    open(dir).close();
    const db = new DatabaseSync(join(dir, STORE_FILE));
    try {
      db.exec(`
        INSERT INTO blocks VALUES ('bad name', 'bob', 'bad name', 'bob');
        INSERT INTO blocks VALUES ('alice', '*', 'alice', '*');
        INSERT INTO blocks VALUES ('alice', 'bob', 'alice', 'bob');
        INSERT INTO info VALUES ('guest', 'guest', 'hi');
        INSERT INTO info VALUES ('carol', 'dave', 'mismatched key');
        INSERT INTO logins VALUES ('x y', 'x y', 1);
        INSERT INTO logins VALUES ('erin', 'erin', 2);
        INSERT INTO offline (to_key, to_user, from_user, text, time)
          VALUES ('bob', 'bob', 'no such/sender', 'spoofed', 3);
        INSERT INTO offline (to_key, to_user, from_user, text, time)
          VALUES ('bob', 'bob', 'alice', 'real', 4);
      `);
    } finally {
      db.close();
    }
    const problems: string[] = [];
    const store = open(dir, problems);
    assert.equal(problems.length, 6, problems.join("\n"));
    assert.ok(problems.every((p) => p.includes(STORE_FILE)));
    assert.deepEqual(store.blocksOf("alice"), ["bob"]);
    assert.equal(store.isBlocked("*", "alice"), false);
    assert.equal(store.isBlocked("bob", "bad name"), false);
    assert.equal(store.info("guest"), undefined);
    assert.equal(store.info("carol"), undefined);
    assert.deepEqual(store.loginsSince(new Date(0)).map((r) => r.user), ["erin"]);
    assert.deepEqual(store.offlineFor("bob").map((m) => m.text), ["real"]);
    store.close();
  });
});

Deno.test("writes with invalid user names are refused as bugs", async () => {
  await withTempDir((dir) => {
    const store = open(dir);
    try {
      assert.throws(() => store.block("alice", "not valid"), RangeError);
      assert.throws(() => store.setInfo("guest", "x"), RangeError);
      assert.throws(() => store.recordLogin("*", new Date()), RangeError);
      assert.throws(() => store.addOffline("bob", "", "x", new Date()), RangeError);
      assert.deepEqual(store.blocksOf("alice"), []);
      assert.equal(store.offlineCount("bob"), 0);
    } finally {
      store.close();
    }
  });
});

Deno.test("kill -9 during writes loses no acknowledged block, info or message", async () => {
  await withTempDir(async (dir) => {
    const script = join(dir, "child.ts");
    const lib = new URL("../../lib/server/store.ts", import.meta.url).href;
    await Deno.writeTextFile(
      script,
      `import { Store } from ${JSON.stringify(lib)};
const store = Store.open(${JSON.stringify(join(dir, "data"))}, { maxOfflinePerUser: 1000000 });
for (let i = 0; i < 1000000; i++) {
  store.block("u" + i, "t" + i);
  store.setInfo("u" + i, "info " + i);
  store.addOffline("inbox", "u" + i, "message " + i, new Date(i * 1000));
  console.log(i);
}`,
    );
    const wanted = 30 + Math.floor(Math.random() * 50);
    const { lines: acked, status } = await killAfterLines(script, wanted);
    assert.equal(status.signal, "SIGKILL");
    assert.ok(acked.length >= wanted, `child acknowledged ${acked.length}`);

    const problems: string[] = [];
    const store = open(join(dir, "data"), problems);
    try {
      assert.deepEqual(problems, []);
      const inbox = store.offlineFor("inbox");
      for (const line of acked) {
        const i = Number(line);
        assert.equal(store.isBlocked(`t${i}`, `u${i}`), true, `block ${i}`);
        assert.equal(store.info(`u${i}`), `info ${i}`);
        assert.equal(inbox[i]?.text, `message ${i}`);
      }
    } finally {
      store.close();
    }
    console.log(`${acked.length} acknowledged rounds of 3 writes survived kill -9`);
  });
});

Deno.test("logins are written in one batch, and reads see them before the batch is written", async () => {
  await withTempDir((dir) => {
    const store = Store.open(dir);
    const time = new Date("2026-11-23T10:00:00Z");
    for (let i = 0; i < 200; i++) store.recordLogin(`user${i}`, time);
    assert.deepEqual(store.lastLogin("USER7"), time, "a read writes the pending batch first");
    assert.equal(store.loginsSince(time).length, 200);
    store.recordLogin("late", new Date("2026-11-23T11:00:00Z"));
    store.close(); // writes what is pending
    const again = Store.open(dir);
    assert.deepEqual(again.lastLogin("late"), new Date("2026-11-23T11:00:00Z"));
    again.close();
  });
});
