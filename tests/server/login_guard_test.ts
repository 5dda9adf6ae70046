/**
 * Brute-force protection: the per-user lockout, the per-address limit on failed logins, the
 * per-address limit on registrations, and failed logins costing the guesser time rather than
 * the server.
 */
import assert from "node:assert/strict";
import { LoginGuard } from "../../lib/server/login_guard.ts";
import { hashPassword } from "../../lib/server/password_hash.ts";
import { LineClient } from "../helpers/line_client.ts";
import { startTestServer } from "../helpers/server.ts";

Deno.test("three failed logins lock the user for 60 s with LOCKED_OUT, even for the right password", async () => {
  await using t = await startTestServer({ alice: "secret", bob: "pw" });
  await using c = await LineClient.connectJson(t.port);
  for (let i = 1; i <= 3; i++) {
    const reply = await c.command("login alice wrong");
    assert.equal(reply.code, "LOGIN_FAILED", `failure ${i}`);
    if (i === 3) assert.match(String(reply.text), /alice is locked out for 60 s/);
  }
  const locked = await c.command("login alice secret");
  assert.equal(locked.code, "LOCKED_OUT");
  assert.match(String(locked.text), /try again in (60|59) s/);
  // The lockout is the user's: bob logs in from the same connection.
  assert.equal((await c.command("login bob pw")).command, "login");
});

Deno.test("a lockout ends after --lockout-seconds and a success clears the count", async () => {
  await using t = await startTestServer({ alice: "secret" }, { lockoutSeconds: 0.5 });
  await using c = await LineClient.connectJson(t.port);
  for (let i = 0; i < 3; i++) await c.command("login alice wrong");
  assert.equal((await c.command("login alice secret")).code, "LOCKED_OUT");
  const deadline = Date.now() + 5000;
  let reply = await c.command("login alice secret");
  while (reply.code === "LOCKED_OUT" && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    reply = await c.command("login alice secret");
  }
  assert.equal(reply.command, "login", "alice logs in once the lockout is over");
  // Failures before a success do not count towards the next lockout.
  t.server.chat.logins.guard.recordFailure("alice", "192.0.2.1");
  t.server.chat.logins.guard.recordFailure("alice", "192.0.2.1");
  t.server.chat.logins.guard.recordSuccess("alice");
  assert.equal(t.server.chat.logins.guard.recordFailure("alice", "192.0.2.1"), 0);
});

Deno.test("one address failing too often gets RATE_LIMITED and cannot go on to lock out others", async () => {
  const users = { alice: "a", bob: "b", carol: "c", dave: "d", erin: "e" };
  await using t = await startTestServer(users, { failedLoginsPerAddress: 4 });
  await using attacker = await LineClient.connectJson(t.port);
  // Four guesses at four users: none is locked yet (it takes three each).
  for (const name of ["alice", "bob", "carol", "dave"]) {
    assert.equal((await attacker.command(`login ${name} guess`)).code, "LOGIN_FAILED");
  }
  const limited = await attacker.command("login erin guess");
  assert.equal(limited.code, "RATE_LIMITED");
  assert.match(
    String(limited.text),
    /too many failed logins from your address; try again in \d+ s/,
  );
  // Even the right password is refused from that address for now: guessing is what is limited.
  assert.equal((await attacker.command("login erin e")).code, "RATE_LIMITED");
  const guard = t.server.chat.logins.guard;
  for (const name of Object.keys(users)) {
    assert.equal(guard.lockedFor(name), 0, `${name} not locked`);
  }
  assert.equal(guard.addressWait("192.0.2.9"), 0, "other addresses are not limited");
  console.log("failed-logins-per-address 4: the 5th try got RATE_LIMITED; no user was locked out");
});

Deno.test("a failed login is answered after --login-fail-delay without delaying anyone else", async () => {
  await using t = await startTestServer({ alice: "secret", bob: "pw" }, { loginFailDelay: 0.4 });
  await using bob = await LineClient.json(t.port, "bob", "pw");
  await using attacker = await LineClient.connectJson(t.port);
  const started = performance.now();
  const failing = attacker.command("login alice wrong");
  // While the attacker waits, bob's commands are answered at once.
  const pings: number[] = [];
  for (let i = 0; i < 5; i++) {
    const sent = performance.now();
    assert.equal((await bob.command("ping alice")).command, "ping");
    pings.push(performance.now() - sent);
  }
  const answered = await failing;
  const delay = performance.now() - started;
  assert.equal(answered.code, "LOGIN_FAILED");
  assert.ok(delay >= 380, `the failure took ${delay.toFixed(0)} ms`);
  assert.ok(Math.max(...pings) < 150, `bob's round trips ${pings.map((p) => p.toFixed(1))} ms`);
  // Refusals cost the same wait: a locked-out guesser cannot spin fast.
  for (let i = 0; i < 2; i++) await attacker.command("login alice wrong");
  const lockedStart = performance.now();
  assert.equal((await attacker.command("login alice wrong")).code, "LOCKED_OUT");
  const lockedDelay = performance.now() - lockedStart;
  assert.ok(lockedDelay >= 380, `LOCKED_OUT took ${lockedDelay.toFixed(0)} ms`);
  console.log(
    `login-fail-delay 0.4 s: failure answered after ${delay.toFixed(0)} ms, LOCKED_OUT after ` +
      `${lockedDelay.toFixed(0)} ms; meanwhile bob's pings took at most ` +
      `${Math.max(...pings).toFixed(1)} ms`,
  );
});

Deno.test("a guest address registering too often gets RATE_LIMITED", async () => {
  await using t = await startTestServer({}, { registrationsPerAddress: 3 });
  await using guest = await LineClient.connectJson(t.port);
  assert.equal((await guest.command("login guest")).command, "login");
  for (let i = 0; i < 3; i++) {
    assert.equal((await guest.command(`register new${i} pw`)).command, "register", `account ${i}`);
  }
  const limited = await guest.command("register new3 pw");
  assert.equal(limited.code, "RATE_LIMITED");
  assert.match(
    String(limited.text),
    /too many registrations from your address; try again in \d+ s/,
  );
  assert.equal(t.server.chat.directory.accounts.has("new3"), false);
  assert.equal(
    t.server.chat.logins.registrations.waitFor("192.0.2.9"),
    0,
    "other addresses may register",
  );
  // A new connection from the same address does not reset the allowance.
  await using again = await LineClient.connectJson(t.port);
  await again.command("login guest");
  assert.equal((await again.command("register new4 pw")).code, "RATE_LIMITED");
});

Deno.test("the guard forgets old failures and never tracks more users than its bound", () => {
  const guard = new LoginGuard({
    failures: 3,
    lockoutMs: 60_000,
    perAddressPerMinute: 1_000_000,
    failureMemoryMs: 1000,
    maxTracked: 500,
  });
  const start = 1_000_000;
  for (let i = 0; i < 10_000; i++) guard.recordFailure(`made-up-${i}`, "192.0.2.1", start + i);
  assert.equal(guard.tracked, 500, "made-up names cannot grow the guard without bound");
  // Two failures, then a long quiet: the count starts again.
  guard.recordFailure("alice", "192.0.2.1", start);
  guard.recordFailure("alice", "192.0.2.1", start + 1);
  assert.equal(guard.recordFailure("alice", "192.0.2.1", start + 5000), 0, "not locked");
  guard.sweep(start + 20_000);
  assert.equal(guard.tracked, 0, "a sweep forgets failures older than the memory");
  for (let i = 0; i < 3; i++) guard.recordFailure("bob", "192.0.2.1", start);
  assert.ok(guard.lockedFor("bob", start) > 0);
  guard.sweep(start + 61_000);
  assert.equal(guard.lockedFor("bob", start + 61_000), 0);
  assert.equal(guard.tracked, 0, "expired lockouts are swept");
});

Deno.test("password checks wait for the hashing thread in a bounded queue; one address cannot fill it", async () => {
  // Slow hashes (300,000 iterations), so that the three logins below overlap.
  const dir = await Deno.makeTempDir({ prefix: "parley-hashq-" });
  try {
    const slow = await hashPassword("pw", 300_000);
    await Deno.writeTextFile(`${dir}/users.txt`, `alice:user:${slow}\n`, { mode: 0o600 });
    await using t = await startTestServer({}, { loginQueuePerAddress: 1 }, dir);
    const clients = await Promise.all([0, 1, 2].map(() => LineClient.connectJson(t.port)));
    try {
      await Promise.all(clients.map((c) => c.send("login alice pw")));
      const answers = await Promise.all(
        clients.map((c) => c.nextEvent((e) => e.command === "login" || e.type === "error", 15_000)),
      );
      const codes = answers.map((a) => a.type === "error" ? a.code : "ok").sort();
      // One checked at once, one waiting (the bound), the third refused at once.
      assert.deepEqual(codes, ["RATE_LIMITED", "ok", "ok"]);
      const refused = answers.find((a) => a.type === "error")!;
      assert.match(String(refused.text), /too many logins are waiting from your address/);
    } finally {
      for (const c of clients) await c.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("many connections of one address: all right passwords get in, wrong ones stop at the allowance", async () => {
  const users = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`user${i}`, "pw"]));
  await using t = await startTestServer(users, { failedLoginsPerAddress: 3, loginFailDelay: 0 });
  /** Eight connections send their login at once; the answers' codes in connection order. */
  const loginAtOnce = async (line: (i: number) => string) => {
    const clients = await Promise.all(
      Array.from({ length: 8 }, () => LineClient.connectJson(t.port)),
    );
    try {
      await Promise.all(clients.map((c, i) => c.send(line(i))));
      const replies = await Promise.all(
        clients.map((c) => c.nextEvent((e) => e.command === "login" || e.type === "error", 15_000)),
      );
      return replies.map((r) => r.type === "error" ? String(r.code) : "ok");
    } finally {
      for (const c of clients) await c.close();
    }
  };
  // Eight people behind one address log in at once: nobody failed, so nobody is held back.
  assert.deepEqual(await loginAtOnce((i) => `login user${i} pw`), Array(8).fill("ok"));
  // Eight guesses at once from that address: three are checked, the rest are turned away when
  // their turn comes, although all eight were asked before any had failed.
  const codes = (await loginAtOnce((i) => `login user${i} wrong`)).sort();
  assert.deepEqual(codes, [...Array(3).fill("LOGIN_FAILED"), ...Array(5).fill("RATE_LIMITED")]);
});
