/**
 * The epoll transport (`--io epoll`): what it does differently from Deno's sockets is tested here
 * directly — reads into one shared buffer with back-pressure, writes that meet a full kernel
 * buffer and wait for the socket to drain, hang-ups, IPv6 (running out of file descriptors is in
 * connection_limits_test.ts, for both drivers). `PARLEY_TEST_IO=epoll deno task test` runs the
 * whole suite on it.
 */
import assert from "node:assert/strict";
import { LineClient } from "../../helpers/line_client.ts";
import {
  makeUsersDir,
  serverArgs,
  ServerProcess,
  startTestServer,
  testConfig,
} from "../../helpers/server.ts";
import { startServer } from "../../../server.ts";
import { silentLogger } from "../../../lib/server/log.ts";

const encoder = new TextEncoder();

Deno.test("over epoll, users log in, hear each other, and a dropped connection is told to the room", async () => {
  await using t = await startTestServer({ alice: "pa", bob: "pb" }, { io: "epoll" });
  await using alice = await LineClient.json(t.port, "alice", "pa");
  const bob = await LineClient.json(t.port, "bob", "pb");
  await alice.command("join lobby");
  await bob.command("join lobby");
  await alice.send("hello over epoll");
  assert.equal((await bob.nextEvent((e) => e.type === "message")).text, "hello over epoll");
  await bob.close();
  const notice = await alice.nextEvent((e) => e.type === "notice" && e.kind === "lost");
  assert.match(String(notice.text), /^bob lost connection/);
});

Deno.test("over epoll, 3,000 lines sent at once (past the shared read buffer) all arrive, in order", async () => {
  await using t = await startTestServer({ alice: "pa", bob: "pb" }, { io: "epoll" });
  await using alice = await LineClient.json(t.port, "alice", "pa");
  await using bob = await LineClient.json(t.port, "bob", "pb");
  await alice.command("join lobby");
  await bob.command("join lobby");
  const count = 3000;
  const text = (i: number) => `line ${String(i).padStart(5, "0")} ${"x".repeat(60)}`;
  const burst = Array.from({ length: count }, (_, i) => text(i) + "\n").join("");
  assert.ok(burst.length > 64 * 1024, "more than one read's worth");
  await alice.sendBytes(encoder.encode(burst));
  for (let i = 0; i < count; i++) {
    const message = await bob.nextEvent((e) => e.type === "message");
    assert.equal(message.text, text(i));
  }
});

Deno.test("over epoll, a reader that stops reading is cut off at --sendq; one that reads gets every line", async () => {
  await using users = await makeUsersDir(
    { talker: "pw", reader: "pw", stalled: "pw" },
    "parley-ep-",
  );
  await using server = await ServerProcess.start(
    serverArgs(users.dir, "--io", "epoll", "--sendq", String(64 * 1024), "--rate", "0"),
  );
  await using talker = await LineClient.json(server.port, "talker", "pw");
  await using reader = await LineClient.json(server.port, "reader", "pw");
  const stalled = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  try {
    await talker.command("join lobby");
    await reader.command("join lobby");
    // `stalled` joins after `reader`, so reader is sure to be told of it.
    await stalled.write(encoder.encode("mode json\nlogin stalled pw\njoin lobby\n"));
    await reader.nextEvent((e) => e.type === "notice" && /stalled/.test(String(e.text)));
    // 8 MB in all, more than the kernel's socket buffers hold for `stalled`; each batch of 40 KB
    // fits the 64 KiB queue of a reader that keeps up, and the talker waits for `reader` to get it.
    const batches = 200;
    const perBatch = 40;
    for (let b = 0; b < batches; b++) {
      const batch = Array.from({ length: perBatch }, (_, k) => `${b}.${k} ${"y".repeat(1000)}\n`);
      await talker.sendBytes(encoder.encode(batch.join("")));
      for (let k = 0; k < perBatch; k++) {
        const message = await reader.nextEvent((e) => e.type === "message");
        assert.equal(String(message.text).split(" ")[0], `${b}.${k}`);
      }
    }
    await server.waitForLog(/stalled.*send queue overflow/);
  } finally {
    stalled.close();
  }
});

Deno.test("over epoll, a reader that pauses while megabytes wait for it gets every line once it reads", async () => {
  await using t = await startTestServer({ talker: "pw", reader: "pw", late: "pw" }, {
    io: "epoll",
    sendq: 32 << 20,
  });
  await using talker = await LineClient.json(t.port, "talker", "pw");
  await using reader = await LineClient.json(t.port, "reader", "pw");
  const late = await Deno.connect({ hostname: "127.0.0.1", port: t.port });
  try {
    await late.write(encoder.encode("login late pw\njoin lobby\n"));
    const buffer = new Uint8Array(1 << 20);
    const decoder = new TextDecoder();
    let text = "";
    while (!text.includes("you joined lobby")) {
      const n = await late.read(buffer);
      assert.notEqual(n, null, "late got in");
      text += decoder.decode(buffer.subarray(0, n!));
    }
    text = "";
    await talker.command("join lobby");
    await reader.command("join lobby");
    // 16 MB: more than the kernel buffers between the server and `late` hold, so the server's
    // writes to it stop on a full socket and must resume when `late` reads.
    const batches = 400;
    const perBatch = 40;
    for (let b = 0; b < batches; b++) {
      const batch = Array.from({ length: perBatch }, (_, k) => `${b}.${k} ${"z".repeat(1000)}\n`);
      await talker.sendBytes(encoder.encode(batch.join("")));
      for (let k = 0; k < perBatch; k++) await reader.nextEvent((e) => e.type === "message");
    }
    let next = 0;
    const deadline = setTimeout(() => late.close(), 10_000); // a missing line fails, not hangs
    while (next < batches * perBatch) {
      const n = await late.read(buffer).catch(() => null);
      assert.notEqual(n, null, `late got ${next} lines, then no more`);
      text += decoder.decode(buffer.subarray(0, n!), { stream: true });
      const lines = text.split("\n");
      text = lines.pop()!;
      for (const line of lines) {
        const match = / (\d+\.\d+) z+\r?$/.exec(line);
        if (!match) continue;
        assert.equal(match[1], `${Math.floor(next / perBatch)}.${next % perBatch}`);
        next++;
      }
    }
    clearTimeout(deadline);
  } finally {
    try {
      late.close();
    } catch {
      // closed by the deadline
    }
  }
});

Deno.test("over epoll, :: takes IPv4 and IPv6 clients, and a host name is refused clearly", async (t) => {
  let ipv6 = true;
  try {
    Deno.listen({ hostname: "::1", port: 0 }).close();
  } catch {
    ipv6 = false;
  }
  await t.step({
    name: "IPv4 and IPv6 on ::",
    ignore: !ipv6,
    fn: async () => {
      await using server = await startTestServer({ alice: "pa" }, { io: "epoll", host: "::" });
      await using v4 = await LineClient.connect(server.port, "127.0.0.1");
      await using v6 = await LineClient.connect(server.port, "::1");
      await v4.expect("welcome to parley");
      await v6.expect("welcome to parley");
    },
  });
  await t.step("a host name", async () => {
    const dir = await Deno.makeTempDir({ prefix: "parley-ep-host-" });
    try {
      await assert.rejects(
        startServer(testConfig(dir, { io: "epoll", host: "chat.example" }), silentLogger),
        /--io epoll listens on an IP address, not "chat.example"/,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});

/** The `deno run` flags of a task in deno.json, and what it passes after `server.ts`. */
async function taskFlags(task: string): Promise<{ flags: string[]; after: string[] }> {
  const config = JSON.parse(
    await Deno.readTextFile(new URL("../../../deno.json", import.meta.url)),
  );
  const words = String(config.tasks[task]).split(" ");
  const entry = words.indexOf("server.ts");
  return { flags: words.slice(words.indexOf("run") + 1, entry), after: words.slice(entry + 1) };
}

Deno.test({
  name:
    "deno task server serves plain TCP on epoll; without FFI it falls back to Deno's sockets and says why",
  ignore: Deno.build.os !== "linux",
  async fn() {
    await using users = await makeUsersDir({ alice: "pa" });
    // The test's own --io is dropped: the task, or the default (auto), decides.
    const args = serverArgs(users.dir).filter((arg, i, all) =>
      arg !== "--io" && all[i - 1] !== "--io"
    );
    const server = await taskFlags("server");
    const runtime = await taskFlags("server:runtime");
    assert.ok(server.flags.some((flag) => flag.startsWith("--allow-ffi=")));
    assert.ok(!runtime.flags.some((flag) => flag.startsWith("--allow-ffi")), "no FFI for runtime");
    for (
      const [what, flags, extra, expected] of [
        ["deno task server", server.flags, server.after, /io="epoll"/],
        ["deno task server:runtime", runtime.flags, runtime.after, /io="runtime"/],
        [
          "no FFI, --io auto",
          runtime.flags,
          [],
          /io="runtime" ioNote="no FFI permission for \/\S*libc\.so\.6"/,
        ],
      ] as const
    ) {
      await using process = await ServerProcess.start([...args, ...extra], undefined, {
        permissions: [...flags],
      });
      assert.match(await process.waitForLog(/listening tcp/), expected, what);
      await using alice = await LineClient.json(process.port, "alice", "pa");
      assert.equal((await alice.command("who")).type, "reply", what);
    }
  },
});
