/**
 * Transcripts: room lines and notices per UTC day, users' activity without passwords or private
 * text, rotation by size and by day, compression then removal with a clock the test controls,
 * reopening after logrotate moved the files, and names that are not safe as file names.
 */
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { safeFileName, Transcripts } from "../../lib/server/transcripts.ts";
import { LineClient } from "../helpers/line_client.ts";
import { startTestServer } from "../helpers/server.ts";
import { tempDir } from "../helpers/temp_dir.ts";

const DAY = 86_400_000;

/** Every file under `dir`, relative, sorted. */
async function files(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (path: string, prefix: string) => {
    for await (const entry of Deno.readDir(path)) {
      if (entry.isDirectory) await walk(`${path}/${entry.name}`, `${prefix}${entry.name}/`);
      else found.push(`${prefix}${entry.name}`);
    }
  };
  await walk(dir, "");
  return found.sort();
}

Deno.test("room lines, entries and exits go to the room's day file; activity to the user's log", async () => {
  await using t = await startTestServer({ alice: "s3cret-a", bob: "b" });
  await using alice = await LineClient.json(t.port, "alice", "s3cret-a");
  await using bob = await LineClient.json(t.port, "bob", "b");
  await alice.command("join lobby");
  await bob.command("join lobby");
  await alice.send("hello bob");
  await bob.nextEvent((e) => e.type === "message");
  await alice.command("tell bob a private secret");
  await alice.command("passwd s3cret-a n3w-pw");
  await alice.command("leave");
  await t.server.chat.transcripts!.flush();
  const logs = `${t.config.dataDir}/logs`;
  const day = new Date().toISOString().slice(0, 10);
  const room = await Deno.readTextFile(`${logs}/rooms/lobby/${day}.log`);
  assert.match(room, /^\d{4}-\d\d-\d\dT[\d:.]+Z \* bob entered lobby$/m);
  assert.match(room, /Z alice hello bob$/m);
  assert.match(room, /Z \* alice left lobby$/m);
  const activity = await Deno.readTextFile(`${logs}/users/alice.log`);
  assert.match(activity, /login from 127\.0\.0\.1:\d+ over tcp/);
  assert.match(activity, /Z join lobby$/m);
  assert.match(activity, /Z tell$/m);
  assert.match(activity, /Z passwd$/m);
  assert.match(activity, /Z leave$/m);
  const everything = room + activity;
  for (const secret of ["s3cret-a", "n3w-pw", "a private secret"]) {
    assert.ok(!everything.includes(secret), `${secret} is not written`);
  }
  assert.equal(((await Deno.stat(`${logs}/users/alice.log`)).mode ?? 0) & 0o777, 0o600);
});

Deno.test("a day's file past --log-max-bytes goes on numbered; a new UTC day starts a new file", async () => {
  await using tmp = await tempDir("parley-transcripts-");
  let now = new Date("2026-03-01T23:59:00Z");
  const transcripts = new Transcripts({
    dir: tmp.dir,
    maxBytes: 200,
    keepDays: 7,
    archiveDays: 30,
    now: () => now,
  });
  for (let i = 0; i < 6; i++) transcripts.room("lobby", "alice", `line ${i} ${"x".repeat(40)}`);
  await transcripts.flush();
  now = new Date("2026-03-02T00:00:01Z");
  transcripts.room("lobby", "alice", "after midnight");
  await transcripts.close();
  const made = await files(tmp.dir);
  assert.deepEqual(made, [
    "rooms/lobby/2026-03-01.1.log",
    "rooms/lobby/2026-03-01.2.log",
    "rooms/lobby/2026-03-01.log",
    "rooms/lobby/2026-03-02.log",
  ]);
  for (const file of made.filter((f) => f.includes("03-01"))) {
    assert.ok((await Deno.stat(`${tmp.dir}/${file}`)).size <= 200, file);
  }
  const all = (await Promise.all(made.slice(0, 3).map((f) => Deno.readTextFile(`${tmp.dir}/${f}`))))
    .join("");
  for (let i = 0; i < 6; i++) assert.ok(all.includes(`line ${i} `), `line ${i} kept`);
});

Deno.test("old transcripts are gzipped after --log-keep-days and removed after --log-archive-days", async () => {
  await using tmp = await tempDir("parley-transcripts-");
  let now = new Date("2026-03-01T12:00:00Z");
  const transcripts = new Transcripts({
    dir: tmp.dir,
    maxBytes: 1 << 20,
    keepDays: 2,
    archiveDays: 5,
    now: () => now,
  });
  transcripts.room("lobby", "alice", "an old line");
  await transcripts.flush();
  now = new Date(now.getTime() + 3 * DAY);
  assert.deepEqual(await transcripts.maintain(), { compressed: 1, removed: 0 });
  assert.deepEqual(await files(tmp.dir), ["rooms/lobby/2026-03-01.log.gz"]);
  const text = new TextDecoder().decode(
    gunzipSync(await Deno.readFile(`${tmp.dir}/rooms/lobby/2026-03-01.log.gz`)),
  );
  assert.match(text, /alice an old line/);
  now = new Date(now.getTime() + 3 * DAY);
  assert.deepEqual(await transcripts.maintain(), { compressed: 0, removed: 1 });
  assert.deepEqual(await files(tmp.dir), []);
  await transcripts.close();
});

Deno.test("after logrotate moves the files, reopen (SIGHUP) writes to new ones", async () => {
  await using tmp = await tempDir("parley-transcripts-");
  const transcripts = new Transcripts({
    dir: tmp.dir,
    maxBytes: 1 << 20,
    keepDays: 7,
    archiveDays: 30,
  });
  transcripts.user("alice", "before");
  await transcripts.flush();
  await Deno.rename(`${tmp.dir}/users/alice.log`, `${tmp.dir}/users/alice.log.1`);
  await transcripts.reopen();
  transcripts.user("alice", "after");
  await transcripts.close();
  assert.match(await Deno.readTextFile(`${tmp.dir}/users/alice.log.1`), /before/);
  const fresh = await Deno.readTextFile(`${tmp.dir}/users/alice.log`);
  assert.match(fresh, /after/);
  assert.doesNotMatch(fresh, /before/);
});

Deno.test("names that are not safe as file names are encoded, never used raw", async () => {
  await using tmp = await tempDir("parley-transcripts-");
  const transcripts = new Transcripts({
    dir: tmp.dir,
    maxBytes: 1 << 20,
    keepDays: 7,
    archiveDays: 30,
  });
  const names = [
    "../../etc/passwd",
    "a/b",
    "nul\u0000byte",
    ".",
    "..",
    "x".repeat(300),
    "y".repeat(300),
  ];
  for (const name of names) transcripts.room(name, "alice", "hi");
  await transcripts.close();
  const made = await files(tmp.dir);
  assert.equal(made.length, names.length, "one file each, none shared");
  for (const file of made) {
    assert.ok(file.startsWith("rooms/"), file);
    const folder = file.split("/")[1]!;
    assert.match(folder, /^[A-Za-z0-9_%~-]{1,80}$/, folder);
  }
  assert.equal(safeFileName(".."), "%2E%2E");
  assert.equal(safeFileName("my big topic"), "my%20big%20topic");
});

Deno.test("--transcripts off writes none", async () => {
  await using t = await startTestServer({ alice: "a" }, { transcripts: false });
  await using alice = await LineClient.json(t.port, "alice", "a");
  await alice.command("join lobby");
  assert.equal(t.server.chat.transcripts, null);
  assert.equal(await Deno.stat(`${t.config.dataDir}/logs`).catch(() => null), null);
});
