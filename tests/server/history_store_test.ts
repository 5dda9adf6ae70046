/**
 * The history store without a server: retention by age and by count (with a clock the test
 * controls), removal in batches, exclusive bounds around ties, and the full-text index following
 * what is kept.
 */
import assert from "node:assert/strict";
import { HistoryStore, type StoredLine } from "../../lib/server/history_store.ts";
import { tempDir } from "../helpers/temp_dir.ts";

const DAY = 86_400_000;

function line(seq: number, time: number, text = `line ${seq}`, target = "#lobby"): StoredLine {
  return {
    seq,
    target,
    time,
    kind: "message",
    sender: "alice",
    recipient: null,
    room: "lobby",
    text,
  };
}

const all = () => true;

Deno.test("lines older than --history-days are removed, in batches, with their search index", async () => {
  await using tmp = await tempDir("parley-history-");
  let now = Date.UTC(2026, 0, 31);
  const store = HistoryStore.open(tmp.dir, { days: 10, maxPerTarget: 0 }, { now: () => now });
  try {
    for (let i = 1; i <= 1200; i++) store.add(line(i, now - 20 * DAY + i, `old words ${i}`));
    for (let i = 1201; i <= 1210; i++) store.add(line(i, now - DAY + i, `new words ${i}`));
    store.flush();
    assert.equal(store.search(["#lobby"], ["old"], 5, all).length, 5);
    // Removed 500 at a time (the store's own timer may have taken a batch already).
    assert.ok(await store.expire() >= 700);
    const left = store.read("#lobby", { kind: "latest" }, 100, all);
    assert.deepEqual(left.map((l) => l.seq), Array.from({ length: 10 }, (_, i) => 1201 + i));
    assert.deepEqual(store.search(["#lobby"], ["old"], 5, all), [], "the index forgot them too");
    now += 30 * DAY;
    assert.equal(await store.expire(), 10);
  } finally {
    store.close();
  }
});

Deno.test("--history-max keeps the newest lines of each room or conversation", async () => {
  await using tmp = await tempDir("parley-history-");
  const store = HistoryStore.open(tmp.dir, { days: 0, maxPerTarget: 3 });
  try {
    for (let i = 1; i <= 8; i++) store.add(line(i, 1000 + i));
    for (let i = 9; i <= 10; i++) store.add(line(i, 1000 + i, "other", "@alice|bob"));
    await store.expire();
    assert.deepEqual(store.read("#lobby", { kind: "latest" }, 10, all).map((l) => l.seq), [
      6,
      7,
      8,
    ]);
    assert.deepEqual(store.read("@alice|bob", { kind: "latest" }, 10, all).map((l) => l.seq), [
      9,
      10,
    ]);
  } finally {
    store.close();
  }
});

Deno.test("lines with the same time are ordered by sequence, and bounds exclude the line named", async () => {
  await using tmp = await tempDir("parley-history-");
  const store = HistoryStore.open(tmp.dir, { days: 0, maxPerTarget: 0 });
  try {
    for (let i = 1; i <= 6; i++) store.add(line(i, 5000)); // all in one millisecond
    const seqs = (l: StoredLine[]) => l.map((x) => x.seq);
    assert.deepEqual(seqs(store.read("#lobby", { kind: "before", seq: 4, time: 5000 }, 10, all)), [
      1,
      2,
      3,
    ]);
    assert.deepEqual(seqs(store.read("#lobby", { kind: "after", seq: 4, time: 5000 }, 10, all)), [
      5,
      6,
    ]);
    assert.deepEqual(seqs(store.read("#lobby", { kind: "around", seq: 4, time: 5000 }, 3, all)), [
      3,
      4,
      5,
    ]);
    // A reader who blocks the sender of some lines still gets as many as asked, if there are.
    const noEven = (l: StoredLine) => l.seq % 2 === 1;
    assert.deepEqual(seqs(store.read("#lobby", { kind: "latest" }, 2, noEven)), [3, 5]);
  } finally {
    store.close();
  }
});
