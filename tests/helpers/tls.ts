/**
 * Throw-away certificates for tests, and a server started with TLS on.
 *
 * @module
 */

import { hasOpenSsl, makeCertificate } from "../../scripts/cert.ts";
import type { ServerConfig } from "../../lib/server/config.ts";
import { startTestServer, type TestServer } from "./server.ts";

/** Whether openssl is here to make certificates; tests that need one skip, saying so, if not. */
export const HAS_OPENSSL = await hasOpenSsl();
if (!HAS_OPENSSL) console.log("openssl is not installed: the tests that need a certificate skip");

/** A server with TLS and HTTPS on, its certificate's PEM text for clients' `caCerts`. */
export interface TlsTestServer extends TestServer {
  caCert: string;
  certFile: string;
  keyFile: string;
}

/**
 * Starts an in-process server with a fresh self-signed certificate (TLS and HTTPS on port 0).
 *
 * @example
 * ```ts
 * await using t = await startTlsTestServer({ alice: "a" });
 * const tlsPort = t.server.port("tls");
 * ```
 */
export async function startTlsTestServer(
  accounts: Record<string, string> = {},
  overrides: Partial<ServerConfig> = {},
): Promise<TlsTestServer> {
  const dir = await Deno.makeTempDir({ prefix: "parley-tls-" });
  const files = await makeCertificate(`${dir}/certs`);
  const t = await startTestServer(accounts, {
    tlsCert: files.cert,
    tlsKey: files.key,
    tlsPort: 0,
    ...overrides,
  }, dir);
  return {
    ...t,
    caCert: await Deno.readTextFile(files.cert),
    certFile: files.cert,
    keyFile: files.key,
    async [Symbol.asyncDispose]() {
      await t[Symbol.asyncDispose]();
      await Deno.remove(dir, { recursive: true });
    },
  };
}
