/**
 * `deno task cert [--dir DIR] [--days N]`: makes a self-signed certificate and key for trying TLS
 * locally (`DIR/cert.pem`, `DIR/key.pem`; default `certs/`, 30 days). It is an end-entity
 * certificate (not a CA) for `localhost`, `127.0.0.1` and `::1`, which is what Deno's TLS client
 * accepts with `--ca DIR/cert.pem`; openssl is installed first when it is missing. The tests make
 * their throw-away certificates with {@link makeCertificate}.
 *
 * @module
 */

import { parseArgs } from "node:util";

/** Where a certificate and its key were written. */
export interface CertificateFiles {
  cert: string;
  key: string;
}

/**
 * Writes a self-signed end-entity certificate for the loopback names into `dir` (made 0700; the key
 * 0600). `days` may be negative, for an already expired certificate (tests).
 *
 * @example
 * ```ts
 * const files = await makeCertificate(await Deno.makeTempDir());
 * Deno.listenTls({ port: 0, cert: await Deno.readTextFile(files.cert), key: await Deno.readTextFile(files.key) });
 * ```
 */
export async function makeCertificate(
  dir: string,
  options: { days?: number; name?: string } = {},
): Promise<CertificateFiles> {
  const days = options.days ?? 30;
  const name = options.name ?? "localhost";
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const files = { cert: `${dir}/cert.pem`, key: `${dir}/key.pem` };
  const request = [
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    files.key,
    "-subj",
    `/CN=${name}`,
    "-addext",
    `subjectAltName=DNS:${name},IP:127.0.0.1,IP:::1`,
    // An end entity: Deno's client refuses a CA certificate as a server's own.
    "-addext",
    "basicConstraints=critical,CA:FALSE",
    "-addext",
    "keyUsage=critical,digitalSignature",
    "-addext",
    "extendedKeyUsage=serverAuth",
  ];
  if (days >= 0) {
    await openssl([
      "req",
      "-x509",
      ...request,
      "-out",
      files.cert,
      "-days",
      String(Math.max(days, 1)),
    ]);
  } else {
    await selfSignInThePast(dir, request, files, days);
  }
  await Deno.chmod(files.key, 0o600);
  return files;
}

/**
 * Makes a certificate that ended `-days` days ago. `req -x509` takes no start or end date before
 * OpenSSL 3.4 (and no negative `-days`), but `ca -selfsign` takes both in every version: so a
 * request is made and self-signed through a throw-away one-certificate CA database.
 */
async function selfSignInThePast(
  dir: string,
  request: string[],
  files: CertificateFiles,
  days: number,
): Promise<void> {
  const work = await Deno.makeTempDir({ dir, prefix: "ca-" });
  try {
    await Deno.writeTextFile(`${work}/index.txt`, "");
    await Deno.writeTextFile(
      `${work}/ca.cnf`,
      [
        "[ca]",
        "default_ca = selfsigned",
        "[selfsigned]",
        `database = ${work}/index.txt`,
        `new_certs_dir = ${work}`,
        `serial = ${work}/serial`,
        "rand_serial = yes",
        "default_md = sha256",
        "policy = any",
        "copy_extensions = copy",
        "unique_subject = no",
        "[any]",
        "commonName = supplied",
      ].join("\n") + "\n",
    );
    await openssl(["req", "-new", ...request, "-out", `${work}/request.pem`]);
    await openssl([
      "ca",
      "-batch",
      "-notext",
      "-config",
      `${work}/ca.cnf`,
      "-selfsign",
      "-keyfile",
      files.key,
      "-in",
      `${work}/request.pem`,
      "-out",
      files.cert,
      "-startdate",
      openSslTime(days - 1),
      "-enddate",
      openSslTime(days),
    ]);
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

/** Runs openssl; throws with its own words when it fails. */
async function openssl(args: string[]): Promise<void> {
  const out = await new Deno.Command("openssl", { args, stdout: "null", stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`openssl failed: ${new TextDecoder().decode(out.stderr).trim()}`);
  }
}

/** A time `days` from now in openssl's YYYYMMDDHHMMSSZ form. */
function openSslTime(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().replace(/[-:T]/g, "").slice(0, 14) +
    "Z";
}

/** Whether openssl runs here. */
export async function hasOpenSsl(): Promise<boolean> {
  try {
    return (await new Deno.Command("openssl", { args: ["version"], stdout: "null", stderr: "null" })
      .output()).success;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: { dir: { type: "string", default: "certs" }, days: { type: "string", default: "30" } },
  });
  const days = Number(values.days);
  if (!Number.isInteger(days) || days < 1) {
    console.error(`--days takes a whole number ≥ 1, not "${values.days}"`);
    Deno.exit(2);
  }
  if (!await hasOpenSsl()) {
    const script = new URL("./install_tools.sh", import.meta.url).pathname;
    await new Deno.Command("sh", { args: [script, "openssl"] }).output();
    if (!await hasOpenSsl()) {
      console.error("openssl is needed to make a certificate and could not be installed");
      Deno.exit(1);
    }
  }
  const files = await makeCertificate(values.dir!, { days });
  console.log(`wrote ${files.cert} and ${files.key} (self-signed for localhost, ${days} days)`);
  console.log(`server: deno task server --tls-cert ${files.cert} --tls-key ${files.key}`);
  console.log(`client: deno task client --tls --ca ${files.cert}`);
}

if (import.meta.main) await main();
