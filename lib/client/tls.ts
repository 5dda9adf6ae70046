/**
 * The client's side of TLS: the certificate file given with `--ca`, and putting a failed
 * connection into words. A certificate the client refuses (unknown issuer, expired, made for
 * another name), a server that does not speak TLS at all, or a certificate store that cannot be
 * read will fail the same way on every try, so {@link describeTlsFailure} also tells the caller
 * not to retry; a network failure over TLS is none of these and is retried like one over TCP.
 *
 * @module
 */

/** How to set up TLS: PEM certificates trusted in addition to the roots Deno trusts. */
export interface TlsOptions {
  /** The contents of the `--ca` file (PEM). */
  caCerts?: string[];
  /** The `--ca` file's name, to mention it when its certificate did not help. */
  caFile?: string;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;

/**
 * Reads a `--ca` file and checks it holds PEM certificates. Deno ignores a file with none in it,
 * and reports a damaged one as the *server's* certificate being badly encoded: both are caught
 * here, before connecting, with the file's name.
 *
 * @example
 * ```ts
 * const ca = await readCaFile("certs/cert.pem");
 * if ("error" in ca) console.error(ca.error);
 * else await Deno.connectTls({ hostname: "localhost", port: 4443, caCerts: [ca.pem] });
 * ```
 */
export async function readCaFile(path: string): Promise<{ pem: string } | { error: string }> {
  let pem: string;
  try {
    pem = await Deno.readTextFile(path);
  } catch (error) {
    return { error: `cannot read --ca ${path}: ${(error as Error).message}` };
  }
  const blocks = [...pem.matchAll(PEM_BLOCK)].map((match) => match[1]!.replace(/\s+/g, ""));
  if (blocks.length === 0) {
    return { error: `--ca ${path} holds no certificate (no "BEGIN CERTIFICATE" block)` };
  }
  if (!blocks.every(isDerSequence)) {
    return { error: `--ca ${path}: a certificate in it is damaged (not valid base64 DER)` };
  }
  return { pem };
}

/** Whether base64 text decodes to something shaped like a DER certificate (a SEQUENCE). */
function isDerSequence(base64: string): boolean {
  try {
    const bytes = atob(base64);
    return bytes.length > 2 && bytes.charCodeAt(0) === 0x30;
  } catch {
    return false;
  }
}

/**
 * What went wrong setting up TLS, in words, when retrying cannot help: the server's certificate
 * was refused, the server did not answer in TLS, or the certificate store chosen with
 * `DENO_TLS_CA_STORE` could not be read. Undefined for any other failure (a network one, which is
 * worth retrying). Handles both of rustls' wordings: the older names
 * (`invalid peer certificate: UnknownIssuer`, `…: NotValidForName`, `…: Expired`) and the newer
 * sentences (`certificate not valid for name "localhost"; …`, `certificate expired: …`).
 *
 * @example
 * ```ts
 * describeTlsFailure(new Error("invalid peer certificate: Expired"), "chat.example", 4443, {});
 * // "the server's certificate has expired (or this computer's clock is wrong)"
 * ```
 */
export function describeTlsFailure(
  error: unknown,
  host: string,
  port: number,
  options: TlsOptions,
): string | undefined {
  const message = error instanceof Error ? error.message : String(error);
  if (/Failed to load platform certificates/i.test(message)) {
    return `the system's certificate store could not be read (${message}); ` +
      "DENO_TLS_CA_STORE=mozilla uses Deno's own list instead";
  }
  if (/corrupt message|InvalidContentType/i.test(message)) {
    return `the server did not answer in TLS (is ${port} its TLS port?)`;
  }
  const refused = /invalid peer certificate: (.*)$/is.exec(message);
  if (!refused) return undefined;
  const why = refused[1]!;
  if (/UnknownIssuer|unknown issuer/i.test(why)) {
    return options.caFile === undefined
      ? "the server's certificate is not signed by a known authority " +
        "(use --ca FILE for a self-signed one)"
      : `the server's certificate is signed neither by a known authority nor by --ca ${options.caFile}`;
  }
  if (/NotValidForName|not valid for name/i.test(why)) {
    const names = [...why.matchAll(/(?:DnsName|IpAddress)\("?([^")]+)"?\)/g)].map((m) => m[1]!);
    return `the server's certificate is not for the name ${host}` +
      (names.length ? ` (it is for ${names.join(", ")}; use one of those with --host)` : "");
  }
  if (/NotValidYet|not valid yet/i.test(why)) {
    return "the server's certificate is not valid yet (or this computer's clock is wrong)";
  }
  if (/Revoked/i.test(why)) return "the server's certificate has been revoked";
  if (/Expired/i.test(why)) {
    return "the server's certificate has expired (or this computer's clock is wrong)";
  }
  if (/CaUsedAsEndEntity/i.test(why)) {
    return "the server shows a CA certificate as its own, which is not accepted " +
      "(it needs an end-entity certificate; deno task cert makes one)";
  }
  if (/InvalidPurpose/i.test(why)) {
    return "the server's certificate is not meant for a TLS server";
  }
  if (/Signature/i.test(why)) return "the server's certificate has a bad signature";
  return `the server's certificate was refused (${why})`;
}
