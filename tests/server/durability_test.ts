/**
 * Crash safety: a server process is killed with SIGKILL at random moments while clients make
 * acknowledged writes (registrations, password changes, blocks, offline messages); each restart
 * on the same files must start cleanly and hold every write that had been acknowledged.
 *
 * `PARLEY_SEED=<n>` replays the kill times of a run.
 */
import assert from "node:assert/strict";
import { Accounts } from "../../lib/server/accounts.ts";
import { LineClient } from "../helpers/line_client.ts";
import { Random } from "../helpers/random.ts";
import { makeUsersDir, serverArgs, ServerProcess, TEST_ITERATIONS } from "../helpers/server.ts";

const ROUNDS = 6;
const WRITERS = 3;

interface Writer {
  name: string;
  /** The password last acknowledged, and one sent but not yet acknowledged. */
  password: string;
  pending?: string;
  blocked: Set<string>;
}

interface Acknowledged {
  accounts: Map<string, string>;
  offline: Set<string>;
  passwords: number;
  /** Password changes found on disk after a kill although their answer never arrived. */
  inFlight: number;
}

/** Makes acknowledged writes until the connection dies. */
async function write(
  client: LineClient,
  writer: Writer,
  round: number,
  ack: Acknowledged,
): Promise<number> {
  let writes = 0;
  try {
    for (let i = 0;; i++) {
      const name = `d${round}x${writer.name}x${i}`;
      const password = `p${i}`;
      const registered = await client.command(`register ${name} ${password}`);
      assert.equal(registered.command, "register", String(registered.text));
      ack.accounts.set(name, password);
      const blocked = await client.command(`block ${name}`);
      assert.equal(blocked.command, "block");
      writer.blocked.add(name);
      const text = `m-${round}-${writer.name}-${i}`;
      const told = await client.command(`tell inbox ${text}`);
      assert.equal((told.data as { offline: boolean }).offline, true);
      ack.offline.add(text);
      writes += 3;
      if (i % 3 === 0) {
        writer.pending = `${writer.name}-${round}-${i}`;
        const changed = await client.command(`passwd ${writer.password} ${writer.pending}`);
        assert.equal(changed.command, "passwd", String(changed.text));
        writer.password = writer.pending;
        writer.pending = undefined;
        ack.passwords++;
        writes++;
      }
    }
  } catch (error) {
    if (!client.closed) throw error; // a failure other than the kill
  }
  return writes;
}

/** Logs a writer in with its acknowledged password, or the one that was in flight at the kill. */
async function loginWriter(port: number, writer: Writer, ack: Acknowledged): Promise<LineClient> {
  for (const password of [writer.password, writer.pending]) {
    if (password === undefined) continue;
    const client = await LineClient.connectJson(port);
    const reply = await client.command(`login ${writer.name} ${password}`);
    if (reply.type === "reply") {
      if (password === writer.pending) ack.inFlight++;
      writer.password = password;
      writer.pending = undefined;
      return client;
    }
    await client.close();
  }
  throw new Error(`${writer.name} cannot log in with ${writer.password} or ${writer.pending}`);
}

/** Checks the files and the restarted server hold every acknowledged write. */
async function verify(
  server: ServerProcess,
  usersFile: string,
  writers: Writer[],
  ack: Acknowledged,
): Promise<LineClient[]> {
  const problems: string[] = [];
  const accounts = await Accounts.load(usersFile, {
    iterations: TEST_ITERATIONS,
    log: (msg) => problems.push(msg),
  });
  assert.deepEqual(problems, [], "users.txt is whole");
  for (const [name, password] of ack.accounts) {
    assert.ok(await accounts.verify(name, password), `acknowledged account ${name}`);
  }
  assert.ok(
    !server.stderrLines.some((line) => /ignoring|skipped|error/.test(line)),
    `the server started cleanly:\n${server.stderrLines.join("\n")}`,
  );
  const clients: LineClient[] = [];
  for (const writer of writers) {
    const client = await loginWriter(server.port, writer, ack);
    clients.push(client);
    const blocks = (await client.command("blocks")).data as string[];
    for (const name of writer.blocked) {
      assert.ok(blocks.includes(name), `${writer.name} blocks ${name}`);
    }
  }
  await using inbox = await LineClient.json(server.port, "inbox", "pi");
  const kept = new Set(
    ((await inbox.command("offline")).data as { text: string }[]).map((m) => m.text),
  );
  for (const text of ack.offline) assert.ok(kept.has(text), `offline message ${text}`);
  return clients;
}

Deno.test("kill -9 at random moments loses no acknowledged write and the server restarts cleanly", async () => {
  const random = Random.fromEnv();
  const writers: Writer[] = Array.from({ length: WRITERS }, (_, i) => ({
    name: `w${i}`,
    password: "start",
    blocked: new Set<string>(),
  }));
  await using users = await makeUsersDir({
    inbox: "pi",
    ...Object.fromEntries(writers.map((w) => [w.name, w.password])),
  }, "parley-crash-");
  const usersFile = users.usersFile;
  const args = serverArgs(
    users.dir,
    "--rate",
    "0",
    "--login-fail-delay",
    "0",
    "--max-offline",
    "1000000",
    "--registrations-per-address",
    "1000000",
  );
  const ack: Acknowledged = { accounts: new Map(), offline: new Set(), passwords: 0, inFlight: 0 };
  const kills: number[] = [];
  let writes = 0;
  let server = await ServerProcess.start(args);
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const clients = await verify(server, usersFile, writers, ack);
      const writing = Promise.all(
        clients.map((client, i) => write(client, writers[i]!, round, ack)),
      );
      const killAfter = random.between(50, 400);
      kills.push(killAfter);
      await new Promise((resolve) => setTimeout(resolve, killAfter));
      const status = await server.stop("SIGKILL");
      assert.equal(status.signal, "SIGKILL");
      for (const n of await writing) writes += n;
      await Promise.all(clients.map((client) => client.close()));
      server = await ServerProcess.start(args);
    }
    (await verify(server, usersFile, writers, ack)).forEach((client) => client.close());
    console.log(
      `durability (seed ${random.seed}): ${ROUNDS} kill -9s at ${kills.join(", ")} ms into the ` +
        `writes; ${writes} acknowledged writes (${ack.accounts.size} registrations, ` +
        `${ack.passwords} password changes, ${ack.accounts.size} blocks, ${ack.offline.size} ` +
        `offline messages): all present after each restart, users.txt whole; ${ack.inFlight} ` +
        `password changes cut off before their answer were found applied`,
    );
  } finally {
    const status = await server.stop("SIGINT");
    assert.equal(status.code, 0);
  }
});
