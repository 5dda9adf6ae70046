/**
 * The client's TLS options and words: the command line (`--tls`, `--ca`, the default port),
 * checking a `--ca` file, and each handshake failure put into a sentence, in both of the wordings
 * rustls has used.
 */
import assert from "node:assert/strict";
import { DEFAULT_PORT, DEFAULT_TLS_PORT, parseClientArgs } from "../../client.ts";
import { describeTlsFailure, readCaFile } from "../../lib/client/tls.ts";
import { withTempDir } from "../helpers/temp_dir.ts";

Deno.test("--tls uses the server's default TLS port unless --port is given", () => {
  assert.deepEqual(
    [[], ["--tls"], ["--tls", "--port", "5000"]].map((args) => {
      const parsed = parseClientArgs(args);
      return "error" in parsed ? parsed.error : [parsed.tls, parsed.port];
    }),
    [[false, DEFAULT_PORT], [true, DEFAULT_TLS_PORT], [true, 5000]],
  );
});

Deno.test("--ca implies --tls", () => {
  const parsed = parseClientArgs(["--ca", "certs/cert.pem"]);
  assert.ok(!("error" in parsed));
  assert.equal(parsed.tls, true);
  assert.equal(parsed.ca, "certs/cert.pem");
  assert.equal(parsed.port, DEFAULT_TLS_PORT);
  assert.deepEqual(parseClientArgs(["--ca", ""]), { error: "--ca needs a file name" });
});

Deno.test("a --ca file must hold a PEM certificate", async () => {
  await withTempDir(async (dir) => {
    const missing = await readCaFile(`${dir}/none.pem`);
    assert.ok("error" in missing && missing.error.startsWith(`cannot read --ca ${dir}/none.pem`));

    await Deno.writeTextFile(`${dir}/text.pem`, "not a certificate\n");
    assert.deepEqual(await readCaFile(`${dir}/text.pem`), {
      error: `--ca ${dir}/text.pem holds no certificate (no "BEGIN CERTIFICATE" block)`,
    });

    const damaged = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    await Deno.writeTextFile(`${dir}/damaged.pem`, damaged);
    assert.deepEqual(await readCaFile(`${dir}/damaged.pem`), {
      error: `--ca ${dir}/damaged.pem: a certificate in it is damaged (not valid base64 DER)`,
    });

    // A SEQUENCE in base64 passes the shape check (Deno checks the rest when connecting).
    const shaped = `-----BEGIN CERTIFICATE-----\n${btoa("\x30\x03\x02\x01\x01")}\n` +
      "-----END CERTIFICATE-----\n";
    await Deno.writeTextFile(`${dir}/shaped.pem`, shaped);
    assert.deepEqual(await readCaFile(`${dir}/shaped.pem`), { pem: shaped });
  });
});

const describe = (message: string, caFile?: string) =>
  describeTlsFailure(new Error(message), "chat.example", 4443, { caFile });

Deno.test("each refused certificate is put into words, in either wording of rustls", () => {
  const cases: [string, string][] = [
    [
      "invalid peer certificate: UnknownIssuer",
      "the server's certificate is not signed by a known authority " +
      "(use --ca FILE for a self-signed one)",
    ],
    [
      "invalid peer certificate: Expired",
      "the server's certificate has expired (or this computer's clock is wrong)",
    ],
    [
      "invalid peer certificate: certificate expired: verification time 1796617844 (UNIX), " +
      "but certificate is not valid after 1796531444 (86400 seconds ago)",
      "the server's certificate has expired (or this computer's clock is wrong)",
    ],
    [
      "invalid peer certificate: NotValidForName",
      "the server's certificate is not for the name chat.example",
    ],
    [
      'invalid peer certificate: certificate not valid for name "chat.example"; certificate ' +
      'is only valid for DnsName("other.test"), IpAddress(127.0.0.1) or IpAddress(0::1)',
      "the server's certificate is not for the name chat.example " +
      "(it is for other.test, 127.0.0.1, 0::1; use one of those with --host)",
    ],
    [
      "invalid peer certificate: NotValidYet",
      "the server's certificate is not valid yet (or this computer's clock is wrong)",
    ],
    ["invalid peer certificate: Revoked", "the server's certificate has been revoked"],
    [
      "invalid peer certificate: CaUsedAsEndEntity",
      "the server shows a CA certificate as its own, which is not accepted " +
      "(it needs an end-entity certificate; deno task cert makes one)",
    ],
    ["invalid peer certificate: BadSignature", "the server's certificate has a bad signature"],
    [
      "invalid peer certificate: Other(something new)",
      "the server's certificate was refused (Other(something new))",
    ],
    [
      "Failed to load platform certificates: No such file or directory (os error 2)",
      "the system's certificate store could not be read (Failed to load platform certificates: " +
      "No such file or directory (os error 2)); DENO_TLS_CA_STORE=mozilla uses Deno's own list " +
      "instead",
    ],
    [
      "received corrupt message of type InvalidContentType",
      "the server did not answer in TLS (is 4443 its TLS port?)",
    ],
  ];
  for (const [message, words] of cases) assert.equal(describe(message), words, message);
});

Deno.test("with --ca given, an unknown authority names the file instead of suggesting it", () => {
  assert.equal(
    describe("invalid peer certificate: UnknownIssuer", "certs/cert.pem"),
    "the server's certificate is signed neither by a known authority nor by --ca certs/cert.pem",
  );
});

Deno.test("network failures are not TLS failures: they are retried", () => {
  for (
    const error of [
      new Deno.errors.ConnectionRefused("Connection refused (os error 111)"),
      new Deno.errors.ConnectionReset("Connection reset by peer (os error 104)"),
      new Deno.errors.TimedOut("timed out"),
      new Error("peer closed connection without sending TLS close_notify"),
    ]
  ) {
    assert.equal(describeTlsFailure(error, "chat.example", 4443, {}), undefined, error.message);
  }
});
