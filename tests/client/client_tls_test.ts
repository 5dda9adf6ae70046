/**
 * The real client as a subprocess speaking TLS to the real server's TLS listener (in-process, on
 * port 0), over loopback, with throw-away certificates made by openssl: chatting with `--ca`,
 * reconnecting after a restart, and each refused certificate reported in words, not retried, exit
 * status 4. Skipped, with a message, when openssl is missing (scripts/install_tools.sh installs
 * it); the tests that need no certificate run anyway.
 */
import assert from "node:assert/strict";
import { EXIT_TLS } from "../../lib/client/client_machine.ts";
import { type CertificateFiles, hasOpenSsl, makeCertificate } from "../../scripts/cert.ts";
import { ClientProcess } from "../helpers/client_process.ts";
import { peerInRoom } from "../helpers/peer.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { tempDir } from "../helpers/temp_dir.ts";

const ACCOUNTS = { alice: "alicepw", bob: "bobpw" };
const CLOCK = "\\d\\d:\\d\\d:\\d\\d";

const HAVE_OPENSSL = await hasOpenSsl();
if (!HAVE_OPENSSL) {
  console.log(
    "skipping the TLS client tests that need a certificate: openssl is not installed " +
      "(scripts/install_tools.sh installs it)",
  );
}

/** A server with TLS on, using `cert`, in `dir`; its TLS listener on `tlsPort` (0: any). */
function tlsServer(dir: string, cert: CertificateFiles, tlsPort = 0): Promise<TestServer> {
  return startTestServer(ACCOUNTS, { tlsCert: cert.cert, tlsKey: cert.key, tlsPort }, dir);
}

/** The port of the server's TLS listener. */
function tlsPort(t: TestServer): number {
  const port = t.server.port("tls");
  assert.ok(port, "the server has a TLS listener");
  return port;
}

/**
 * A test with a temporary directory and a certificate made in it (options as for
 * {@link makeCertificate}), skipped without openssl.
 */
function certificateTest(
  name: string,
  options: { days?: number; name?: string },
  fn: (dir: string, cert: CertificateFiles) => Promise<void>,
): void {
  Deno.test({
    name,
    ignore: !HAVE_OPENSSL,
    async fn() {
      await using tmp = await tempDir("parley-client-tls-test-");
      await fn(tmp.dir, await makeCertificate(`${tmp.dir}/cert`, options));
    },
  });
}

/**
 * Starts the client against a server whose certificate it refuses, and checks it says `why`
 * (after "cannot connect to HOST:PORT over TLS: "), tries only once and exits {@link EXIT_TLS}.
 */
async function expectRefused(args: string[], host: string, port: number, why: RegExp) {
  await using client = ClientProcess.start([...args, "--port", String(port)]);
  const said = await client.expect(/cannot connect/);
  const prefix = `^! ${CLOCK} cannot connect to ${host.replace(/\./g, "\\.")}:${port} over TLS: `;
  assert.match(said, new RegExp(prefix + why.source + "; not retrying$"));
  assert.equal((await client.exited()).code, EXIT_TLS);
  assert.ok(!client.lines.some((line) => /reconnecting in/.test(line)), client.log());
  assert.equal(client.lines.filter((line) => /cannot connect/.test(line)).length, 1);
}

certificateTest(
  "login and chat over TLS, trusting the certificate with --ca",
  {},
  async (dir, cert) => {
    await using t = await tlsServer(dir, cert);
    const port = tlsPort(t);
    // By name: the certificate is for localhost, and --tls with --ca is accepted too.
    await using alice = ClientProcess.start([
      "--host",
      "localhost",
      "--tls",
      "--ca",
      cert.cert,
      "--port",
      String(port),
    ]);
    await alice.expect(new RegExp(`^! ${CLOCK} connected to localhost:${port} over TLS$`));
    await alice.type("login alice", "alicepw", "join lobby");
    await alice.expect(new RegExp(`^\\* ${CLOCK} welcome, alice`));
    await alice.expect("you joined lobby");

    await using bob = await peerInRoom(t.port, "bob", ACCOUNTS.bob);
    await bob.send("hello over plain TCP");
    assert.match(
      await alice.expect("hello over plain TCP"),
      new RegExp(`^bob@lobby ${CLOCK} hello over plain TCP$`),
    );
    await alice.type("hi bob, this came over TLS");
    await bob.expect("alice@lobby");
    assert.match(bob.lines.at(-1)!, /alice@lobby \d\d:\d\d:\d\d hi bob, this came over TLS$/);
    await alice.type("logout");
    assert.equal((await alice.exited()).code, 0);
  },
);

certificateTest(
  "reconnect over TLS: after a restart the client is back in its rooms",
  {},
  async (dir, cert) => {
    const first = await tlsServer(dir, cert);
    const port = tlsPort(first);
    // --ca alone implies --tls.
    await using alice = ClientProcess.start(["--ca", cert.cert, "--port", String(port)]);
    try {
      await alice.expect("over TLS");
      await alice.type("login alice", "alicepw", "join lobby", "start book club", "switch lobby");
      await alice.expect("now speaking in lobby");
    } finally {
      await first[Symbol.asyncDispose]();
    }
    // A network failure over TLS is retried like one over TCP.
    await alice.expect(/connection lost: the server shut down/);
    await alice.expect(/reconnecting in \d+ s/);

    await using second = await tlsServer(dir, cert, port);
    const back = await alice.expect("connection is back", 20_000);
    assert.match(back, /logged in as alice; in lobby, book club \(current: lobby\)/);
    // "connected to … over TLS" was said at the first connection, not again at the reconnect.
    assert.equal(alice.lines.filter((line) => line.includes("over TLS")).length, 1, alice.log());

    // The server agrees: alice is in both rooms, and messages after the restart reach her.
    await using bob = await peerInRoom(second.port, "bob", ACCOUNTS.bob);
    await bob.send("who");
    await bob.waitFor((line) => /^\* \S+ {3}alice in lobby, book club$/.test(line));
    await bob.send("said after the restart");
    assert.match(
      await alice.expect("said after the restart"),
      new RegExp(`^bob@lobby ${CLOCK} said after the restart$`),
    );
    await alice.type("glad to be back");
    await bob.expect("glad to be back");
  },
);

certificateTest(
  "without a readable system certificate store, Deno's own list is used",
  {},
  async (dir, cert) => {
    await using t = await tlsServer(dir, cert);
    const port = tlsPort(t);
    // Where the system store is looked for (rustls-native-certs honours these), made unreadable.
    const nowhere = { SSL_CERT_FILE: `${dir}/none.pem`, SSL_CERT_DIR: `${dir}/none` };
    await using alice = ClientProcess.start(["--ca", cert.cert, "--port", String(port)], nowhere);
    await alice.expect(new RegExp(`^! ${CLOCK} connected to 127\\.0\\.0\\.1:${port} over TLS$`));
    await alice.type("login alice", "alicepw");
    await alice.expect("welcome, alice");
  },
);

certificateTest(
  "a certificate of an unknown authority is refused in words, not retried",
  {},
  async (dir, cert) => {
    await using t = await tlsServer(dir, cert);
    await expectRefused(
      ["--tls"],
      "127.0.0.1",
      tlsPort(t),
      /the server's certificate is not signed by a known authority \(use --ca FILE for a self-signed one\)/,
    );
  },
);

certificateTest("an expired certificate is refused in words", { days: -1 }, async (dir, cert) => {
  await using t = await tlsServer(dir, cert);
  await expectRefused(
    ["--ca", cert.cert],
    "127.0.0.1",
    tlsPort(t),
    /the server's certificate has expired \(or this computer's clock is wrong\)/,
  );
});

certificateTest(
  "a certificate for another host name is refused in words",
  { name: "other.test" },
  async (dir, cert) => {
    await using t = await tlsServer(dir, cert);
    await expectRefused(
      ["--host", "localhost", "--ca", cert.cert],
      "localhost",
      tlsPort(t),
      /the server's certificate is not for the name localhost \(it is for other\.test, .*\)/,
    );
  },
);

Deno.test("--tls to a port that does not speak TLS says so and stops", async () => {
  await using t = await startTestServer(ACCOUNTS);
  await expectRefused(
    ["--tls"],
    "127.0.0.1",
    t.port,
    new RegExp(`the server did not answer in TLS \\(is ${t.port} its TLS port\\?\\)`),
  );
});

Deno.test("an unreadable --ca file is a bad option: status 2, before connecting", async () => {
  await using tmp = await tempDir("parley-client-tls-test-");
  await using client = ClientProcess.start(["--ca", `${tmp.dir}/missing.pem`]);
  assert.equal((await client.exited()).code, 2);
  assert.match(client.errors.join("\n"), /cannot read --ca .*missing\.pem/);
  assert.deepEqual(client.lines, []);
});
