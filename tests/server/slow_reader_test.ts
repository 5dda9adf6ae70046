/**
 * Slow readers: clients that join a busy room and never read are cut off once their outbound
 * queue passes --sendq; the room is told, the reason is logged, honest readers miss nothing, and
 * the server's memory stays bounded however much the room says.
 */
import assert from "node:assert/strict";
import { LineClient } from "../helpers/line_client.ts";
import { makeUsersDir, serverArgs, ServerProcess } from "../helpers/server.ts";

const SLOW = 10;
const LINES = 12000;
const BATCH = 10;
const SENDQ = 64 * 1024;
/**
 * How much the server's resident memory may grow while the room talks. It holds at most 2 x sendq
 * per slow reader; without the bound it would keep every line said since they stopped reading
 * (one shared copy per line: 47 MB here, and RSS grows by ~70 MB).
 */
const RSS_GROWTH_BOUND_MB = 40;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Resident and peak resident memory of a process, in MB (Linux); undefined elsewhere. */
function memoryOf(pid: number): { rss: number; peak: number } | undefined {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1]);
    return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
  } catch {
    return undefined;
  }
}

/** Logs in and joins `room` over a raw socket, then reads no more. */
async function slowReader(port: number, name: string, room: string): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(encoder.encode(`mode json\nlogin ${name} pw\njoin ${room}\n`));
  const buffer = new Uint8Array(65536);
  let seen = "";
  const deadline = Date.now() + 5000;
  while (!seen.includes('"command":"join"')) {
    const n = await conn.read(buffer);
    if (n === null || Date.now() > deadline) throw new Error(`${name} could not join: ${seen}`);
    seen += decoder.decode(buffer.subarray(0, n));
  }
  return conn;
}

/** Reads a connection to its end; returns the bytes read, or -1 if it is still open after `ms`. */
async function readToEnd(conn: Deno.TcpConn, ms = 5000): Promise<number> {
  const buffer = new Uint8Array(1 << 20);
  let total = 0;
  const timer = setTimeout(() => conn.close(), ms);
  try {
    while (true) {
      const n = await conn.read(buffer);
      if (n === null) return total;
      total += n;
    }
  } catch {
    return -1;
  } finally {
    clearTimeout(timer);
  }
}

Deno.test("readers that never read are cut off at --sendq, the room is told, memory stays bounded", async () => {
  const slowNames = Array.from({ length: SLOW }, (_, i) => `slow${i}`);
  await using users = await makeUsersDir({
    talker: "pw",
    listener: "pw",
    ...Object.fromEntries(slowNames.map((name) => [name, "pw"])),
  }, "parley-slow-");
  // History and transcripts off: this measures what the send queues hold; what keeping and
  // writing 47 MB of lines costs is the history benchmark's business (docs/performance.md).
  const server = await ServerProcess.start(
    serverArgs(
      users.dir,
      ...["--sendq", String(SENDQ), "--rate", "0", "--history", "off", "--transcripts", "off"],
    ),
  );
  const slow: Deno.TcpConn[] = [];
  try {
    await using talker = await LineClient.json(server.port, "talker", "pw");
    await using listener = await LineClient.json(server.port, "listener", "pw");
    await talker.command("create busy");
    await listener.command("join busy");
    for (const name of slowNames) slow.push(await slowReader(server.port, name, "busy"));
    const before = memoryOf(server.child.pid);
    let peak = before?.rss ?? 0;
    const sampler = setInterval(
      () => peak = Math.max(peak, memoryOf(server.child.pid)?.rss ?? 0),
      20,
    );

    const filler = "x".repeat(3900);
    const lost = new Set<string>();
    try {
      // Batches of 10 lines (40 KB): what one connection may send at once under the default
      // flood control, so an honest reader's queue takes a batch whole.
      for (let i = 0; i < LINES; i += BATCH) {
        const batch = Array.from({ length: BATCH }, (_, j) => `m ${i + j} ${filler}\n`).join("");
        await talker.sendBytes(encoder.encode(batch));
        // The honest listener keeps up: every line arrives, in order.
        for (let j = 0; j < BATCH; j++) {
          const event = await listener.nextEvent((e) => {
            if (e.type === "notice" && e.kind === "lost") lost.add(String(e.user));
            return e.type === "message";
          });
          assert.equal(String(event.text).split(" ")[1], String(i + j));
        }
      }
    } finally {
      clearInterval(sampler);
    }
    const after = memoryOf(server.child.pid);

    const cutOff = server.stderrLines.filter((line) =>
      /disconnect .*reason="send queue overflow/.test(line)
    );
    const ends = await Promise.all(slow.map((conn) => readToEnd(conn)));
    const growth = peak - (before?.rss ?? 0);
    console.log(
      `slow readers: ${SLOW} readers, ${LINES} lines of 3.9 KB to a room (` +
        `${((LINES * 4000 * SLOW) / 1e6).toFixed(0)} MB owed to the slow readers): ` +
        `${cutOff.length} cut off at sendq ${SENDQ / 1024} KiB, ${lost.size} lost notices, ` +
        `listener missed 0; server RSS ${before?.rss.toFixed(1)} MB before, peak ` +
        `${peak.toFixed(1)} MB (+${growth.toFixed(1)} MB, bound ${RSS_GROWTH_BOUND_MB} MB), ` +
        `${after?.rss.toFixed(1)} MB after; each slow reader had ` +
        `${(Math.max(...ends) / 1e6).toFixed(1)} MB at most in socket buffers`,
    );
    assert.equal(cutOff.length, SLOW, "every slow reader was cut off, with the reason logged");
    assert.deepEqual([...lost].sort(), [...slowNames].sort(), "the room was told of each");
    assert.ok(ends.every((n) => n >= 0), "the server closed every slow reader's connection");
    if (before) assert.ok(growth < RSS_GROWTH_BOUND_MB, `RSS grew by ${growth.toFixed(1)} MB`);
    assert.equal((await talker.command("who")).command, "who", "the talker is still served");
  } finally {
    for (const conn of slow) {
      try {
        conn.close();
      } catch {
        // closed by readToEnd
      }
    }
    const status = await server.stop("SIGINT");
    assert.equal(status.code, 0);
  }
});

Deno.test("a reader that reads is never cut while a room floods; one that never reads is", async () => {
  await using users = await makeUsersDir(
    { flooder: "pw", reader: "pw", sleeper: "pw" },
    "parley-honest-",
  );
  const server = await ServerProcess.start(
    serverArgs(
      users.dir,
      "--rate",
      "0",
      "--sendq",
      "65536",
      "--history",
      "off",
      "--transcripts",
      "off",
    ),
  );
  try {
    await using flooder = await LineClient.json(server.port, "flooder", "pw");
    await using reader = await LineClient.json(server.port, "reader", "pw");
    await flooder.command("join lobby");
    await reader.command("join lobby");
    const sleeper = await slowReader(server.port, "sleeper", "lobby");
    const before = memoryOf(server.child.pid);
    // 24 MiB of 4 KiB lines, written as fast as the socket takes them, in one go.
    const LINES = 6144;
    const filler = "f".repeat(4000);
    const flood = encoder.encode(
      Array.from({ length: LINES }, (_, i) => `${i} ${filler}\n`).join(""),
    );
    const sending = flooder.sendBytes(flood);
    let received = 0;
    while (received < LINES) {
      const event = await reader.nextEvent((e) => e.type === "message", 30_000);
      assert.equal(String(event.text).split(" ")[0], String(received), "every line, in order");
      received++;
    }
    await sending;
    assert.equal(reader.closed, false, "the reader that reads stays connected");
    assert.ok(
      server.stderrLines.some((l) => /disconnect .*user="sleeper".*send queue overflow/.test(l)),
      "the one that never reads is cut",
    );
    assert.ok(
      !server.stderrLines.some((l) => /disconnect .*user="reader"/.test(l)),
      "the reader was never cut",
    );
    const after = memoryOf(server.child.pid);
    if (before && after) {
      console.log(
        `honest reader: 24 MiB flood, RSS ${before.rss.toFixed(1)} -> ${
          after.rss.toFixed(1)
        } MB (peak ${after.peak.toFixed(1)})`,
      );
      assert.ok(after.peak - before.rss < RSS_GROWTH_BOUND_MB, "memory stayed bounded");
    }
    sleeper.close();
  } finally {
    await server.stop("SIGKILL");
  }
});
