/**
 * Connection limits: the total cap, the per-address cap, the cap on connections that have not
 * logged in, the idle timeout for those, and a server that runs out of file descriptors.
 */
import assert from "node:assert/strict";
import { IO_MODES } from "../../lib/server/config.ts";
import { LineClient } from "../helpers/line_client.ts";
import { makeUsersDir, serverArgs, ServerProcess, startTestServer } from "../helpers/server.ts";

/** Connects and reports whether the server admitted (welcome) or refused (error, then closed). */
async function tryConnect(port: number): Promise<{ client: LineClient; admitted: boolean }> {
  const client = await LineClient.connect(port);
  const first = await client.waitFor(() => true);
  if (first.includes("welcome to parley")) return { client, admitted: true };
  assert.match(first, /^\* \d\d:\d\d:\d\d error: /, "a refusal is an error line");
  await client.waitClosed();
  return { client, admitted: false };
}

/** Retries until the server admits a connection (it frees a place once it sees a close). */
async function connectWhenAdmitted(port: number, ms = 5000): Promise<LineClient> {
  const deadline = Date.now() + ms;
  while (true) {
    const { client, admitted } = await tryConnect(port);
    if (admitted) return client;
    await client.close();
    if (Date.now() > deadline) throw new Error("never admitted");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Opens `count` connections, each of which must be admitted, then one more, whose result it
 * returns; every client opened is added to `clients` (for the caller to close).
 */
async function fillThenConnect(
  port: number,
  count: number,
  clients: LineClient[],
): Promise<{ client: LineClient; admitted: boolean }> {
  for (let i = 0; i < count; i++) {
    const { client, admitted } = await tryConnect(port);
    clients.push(client);
    assert.ok(admitted, `connection ${i + 1} of ${count} is admitted`);
  }
  const next = await tryConnect(port);
  clients.push(next.client);
  return next;
}

async function closeAll(clients: LineClient[]): Promise<void> {
  await Promise.all(clients.map((client) => client.close()));
}

Deno.test("connections past --max-connections are refused and admitted again once one leaves", async () => {
  await using t = await startTestServer({}, { maxConnections: 3 });
  const clients: LineClient[] = [];
  try {
    const refused = await fillThenConnect(t.port, 3, clients);
    assert.equal(refused.admitted, false);
    assert.match(refused.client.lines[0]!, /the server is full/);
    await clients.shift()!.close();
    clients.push(await connectWhenAdmitted(t.port));
    console.log("max-connections 3: 3 admitted, the 4th refused, admitted again after a close");
  } finally {
    await closeAll(clients);
  }
});

Deno.test("--max-per-address refuses a further connection from that address only", async () => {
  await using t = await startTestServer({}, { maxPerAddress: 2 });
  const clients: LineClient[] = [];
  try {
    const refused = await fillThenConnect(t.port, 2, clients);
    assert.equal(refused.admitted, false);
    assert.match(refused.client.lines[0]!, /too many connections from your address/);
    // The limit is per address: the chat would still let another address in.
    assert.equal(t.server.chat.admit("192.0.2.7"), null);
    assert.notEqual(t.server.chat.admit("127.0.0.1"), null);
  } finally {
    await closeAll(clients);
  }
});

Deno.test("--max-unauthenticated caps connections that have not logged in; a login frees a place", async () => {
  await using t = await startTestServer({ alice: "pw" }, { maxUnauthenticated: 2 });
  const clients: LineClient[] = [];
  try {
    const refused = await fillThenConnect(t.port, 2, clients);
    assert.equal(refused.admitted, false);
    assert.match(refused.client.lines[0]!, /waiting to log in/);
    // A guest still counts as not logged in.
    await clients[1]!.send("login guest");
    await clients[1]!.expect("logged in as guest");
    assert.equal(
      await tryConnect(t.port).then(async (r) => {
        await r.client.close();
        return r.admitted;
      }),
      false,
    );
    await clients[0]!.send("login alice pw");
    await clients[0]!.expect("welcome, alice");
    const { client, admitted } = await tryConnect(t.port);
    clients.push(client);
    assert.ok(admitted, "logging in freed a place");
  } finally {
    await closeAll(clients);
  }
});

Deno.test("a connection that does not log in within --idle-timeout is told and closed; a logged-in one stays", async () => {
  await using t = await startTestServer({ alice: "pw" }, { idleTimeout: 0.5 });
  await using idle = await LineClient.connect(t.port);
  await using alice = await LineClient.connect(t.port);
  const started = performance.now();
  await alice.send("login alice pw");
  await alice.expect("welcome, alice");
  await idle.expect("no login within 0.5 s; closing", 3000);
  await idle.waitClosed(3000);
  const after = performance.now() - started;
  assert.ok(after >= 450, `closed after ${after.toFixed(0)} ms`);
  await alice.send("who");
  await alice.expect("user online");
  assert.ok(!alice.closed, "the logged-in user is still connected");
  console.log(`idle-timeout 0.5 s: the silent connection closed after ${after.toFixed(0)} ms`);
});

for (const io of IO_MODES) {
  Deno.test(`a server out of file descriptors keeps serving its users and accepts again later (--io ${io})`, async () => {
    await using users = await makeUsersDir({ alice: "pw" }, "parley-fd-");
    const server = await ServerProcess.start(
      serverArgs(
        users.dir,
        "--max-per-address",
        "1000",
        "--max-unauthenticated",
        "1000",
        "--io",
        io,
      ),
      Deno.cwd(),
      { fileLimit: 64 },
    );
    const flood: Deno.TcpConn[] = [];
    try {
      await using alice = await LineClient.json(server.port, "alice", "pw");
      for (let i = 0; i < 100; i++) {
        flood.push(await Deno.connect({ hostname: "127.0.0.1", port: server.port }));
      }
      await server.waitForLog(/accept failed .*(Too many open files|os error 24)/);
      assert.equal((await alice.command("who")).command, "who", "alice is still served");
      for (const conn of flood.splice(0)) conn.close();
      await using late = await connectWhenAdmitted(server.port);
      late.send("quit");
      console.log(
        `fd limit 64: 100 connections opened, ` +
          `${
            server.stderrLines.filter((l) => l.includes("accept failed")).length
          } accept failures ` +
          `logged, alice still served, new connections admitted after`,
      );
    } finally {
      for (const conn of flood) conn.close();
      const status = await server.stop("SIGINT");
      assert.equal(status.code, 0);
    }
  });
}

Deno.test("the count of connections not logged in stays exact through logins, takeovers and drops", async () => {
  await using t = await startTestServer({ alice: "pa", bob: "pb" }, {
    maxUnauthenticated: 2,
    grace: 0,
  });
  for (let i = 0; i < 10; i++) {
    const clients = [await LineClient.connectJson(t.port), await LineClient.connectJson(t.port)];
    const [a, b] = clients as [LineClient, LineClient];
    const step = i % 4;
    if (step === 0) {
      await a.command("login alice pa");
      await b.command("login alice pa"); // takes over a
    } else if (step === 1) {
      await a.command("login guest");
      await a.command("login bob pb"); // a guest who logs in
      await b.command("login bob wrong");
    } else if (step === 2) {
      await a.command("login alice pa");
      await a.send("logout");
      await a.waitClosed();
    }
    await Promise.all(clients.map((c) => c.close()));
    await connectWhenAdmitted(t.port).then((c) => c.close());
  }
  // Everyone is gone: exactly two unauthenticated places are free again.
  const deadline = Date.now() + 5000;
  while (t.server.chat.sessionCount > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const clients: LineClient[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const { client, admitted } = await tryConnect(t.port);
      clients.push(client);
      assert.equal(admitted, i < 2, `connection ${i + 1}`);
    }
  } finally {
    await closeAll(clients);
  }
});
