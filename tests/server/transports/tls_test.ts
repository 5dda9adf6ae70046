/**
 * TLS: what costs the server only a bounded time (plain text to the TLS port, a handshake that
 * never completes), renewing the certificate with SIGHUP while connections stay up, and the one
 * clear line the server stops with when its certificate files are wrong.
 */
import assert from "node:assert/strict";
import { makeCertificate } from "../../../scripts/cert.ts";
import { LineClient } from "../../helpers/line_client.ts";
import { makeUsersDir, serverArgs, ServerProcess } from "../../helpers/server.ts";
import { HAS_OPENSSL } from "../../helpers/tls.ts";
import { connectTls } from "../../helpers/wires.ts";

const encoder = new TextEncoder();

/** Whether the server closes (or resets) `conn`, after at most a TLS alert, within 5 s. */
async function closedByServer(conn: Deno.Conn): Promise<boolean> {
  const timer = setTimeout(() => conn.close(), 5000);
  try {
    while (await conn.read(new Uint8Array(256)) !== null) { /* an alert, then the end */ }
    return true;
  } catch (error) {
    // Closed by the timer above: the server did not close it.
    return !(error instanceof Deno.errors.BadResource || error instanceof Deno.errors.Interrupted);
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch {
      // closed by the timer
    }
  }
}

/** A server process with TLS on (certificate in `dir/certs`); resolves with its TLS port. */
async function tlsServer(dir: string, ...extra: string[]) {
  const files = await makeCertificate(`${dir}/certs`);
  const server = await ServerProcess.start(
    serverArgs(dir, "--tls-cert", files.cert, "--tls-key", files.key, "--tls-port", "0", ...extra),
  );
  const line = await server.waitForLog(/listening tls \S+:\d+/);
  const tlsPort = Number(/listening tls \S+:(\d+)/.exec(line)![1]);
  return { server, tlsPort, files, caCert: await Deno.readTextFile(files.cert) };
}

Deno.test({
  name: "plain text to the TLS port and a stalled handshake are cut within the deadline and logged",
  ignore: !HAS_OPENSSL,
  async fn() {
    await using users = await makeUsersDir({ alice: "a" }, "parley-tls-");
    const { server, tlsPort, caCert } = await tlsServer(users.dir, "--handshake-timeout", "1");
    await using _server = server;
    const plain = await Deno.connect({ hostname: "127.0.0.1", port: tlsPort });
    await plain.write(encoder.encode("login alice a\r\n"));
    await server.waitForLog(/tls handshake failed .*why=/);
    assert.ok(await closedByServer(plain));
    const stalled = await Deno.connect({ hostname: "127.0.0.1", port: tlsPort });
    const started = Date.now();
    await server.waitForLog(/tls handshake failed .*no handshake within 1 s/, 5000);
    assert.ok(Date.now() - started < 4000);
    // Deno closes a socket whose handshake was cancelled once its pending read ends: at the
    // client's next byte or departure (docs/security.md says what this costs).
    await stalled.write(encoder.encode("not a handshake"));
    assert.ok(await closedByServer(stalled));
    // Everyone else was served all along.
    await using alice = await LineClient.json({ kind: "tls", port: tlsPort, caCert }, "alice", "a");
    assert.equal((await alice.command("who")).type, "reply");
  },
});

Deno.test({
  name: "SIGHUP renews the certificate: new connections get it, open ones carry on",
  ignore: !HAS_OPENSSL,
  async fn() {
    await using users = await makeUsersDir({ alice: "a", bob: "b" }, "parley-tls-");
    const { server, tlsPort, files, caCert: oldCa } = await tlsServer(users.dir);
    await using _server = server;
    await using alice = await LineClient.json(
      { kind: "tls", port: tlsPort, caCert: oldCa },
      "alice",
      "a",
    );
    // Renew in place, as certbot would.
    const renewed = await makeCertificate(`${users.dir}/renewed`);
    await Deno.copyFile(renewed.cert, files.cert);
    await Deno.copyFile(renewed.key, files.key);
    const newCa = await Deno.readTextFile(renewed.cert);
    server.child.kill("SIGHUP");
    await server.waitForLog(/reloaded the certificate of tls/);
    await using bob = await LineClient.json(
      { kind: "tls", port: tlsPort, caCert: newCa },
      "bob",
      "b",
    );
    await assert.rejects(connectTls(tlsPort, oldCa), /UnknownIssuer|certificate/);
    assert.equal((await alice.command("who")).type, "reply", "the open connection still works");
    assert.equal((await bob.command("who")).type, "reply");
    // A broken renewal is logged and the working certificate stays.
    await Deno.writeTextFile(files.key, "not a key");
    server.child.kill("SIGHUP");
    await server.waitForLog(/reload failed; the old certificate stays in use/);
    const conn = await connectTls(tlsPort, newCa);
    conn.close();
  },
});

Deno.test({
  name:
    "a missing, unreadable or mismatched certificate stops the server with one line naming the file",
  ignore: !HAS_OPENSSL,
  async fn() {
    await using users = await makeUsersDir({}, "parley-tls-");
    const one = await makeCertificate(`${users.dir}/one`);
    const two = await makeCertificate(`${users.dir}/two`);
    await Deno.writeTextFile(`${users.dir}/garbage.pem`, "hello");
    const cases: [string, string, RegExp][] = [
      [`${users.dir}/missing.pem`, one.key, /cannot read the TLS certificate .*missing\.pem/],
      [`${users.dir}/garbage.pem`, one.key, /garbage\.pem holds no PEM certificate/],
      [one.cert, `${users.dir}/garbage.pem`, /garbage\.pem holds no PEM private key/],
      [one.cert, two.key, /two\/key\.pem does not belong to the certificate .*one\/cert\.pem/],
    ];
    for (const [cert, key, expected] of cases) {
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-all",
          "--unstable-net",
          new URL("../../../server.ts", import.meta.url).pathname,
          ...serverArgs(users.dir, "--tls-cert", cert, "--tls-key", key, "--tls-port", "0"),
        ],
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(out.stderr).trim();
      assert.equal(out.code, 1, stderr);
      assert.match(stderr, expected);
      assert.equal(stderr.split("\n").length, 1, `one line, no stack trace:\n${stderr}`);
    }
  },
});

Deno.test({
  name: "handshakes under way are capped per address: a third stalled one is refused at once",
  ignore: !HAS_OPENSSL,
  async fn() {
    await using users = await makeUsersDir({}, "parley-tls-");
    const { server, tlsPort } = await tlsServer(users.dir, "--max-per-address", "2");
    await using _server = server;
    const stalled = [];
    for (let i = 0; i < 2; i++) {
      stalled.push(await Deno.connect({ hostname: "127.0.0.1", port: tlsPort }));
    }
    const third = await Deno.connect({ hostname: "127.0.0.1", port: tlsPort });
    await server.waitForLog(/tls handshake refused .*too many handshakes under way/);
    // As above, Deno lets the socket go at the client's next byte.
    await third.write(encoder.encode("not a handshake"));
    assert.ok(await closedByServer(third));
    for (const conn of stalled) conn.close();
  },
});
