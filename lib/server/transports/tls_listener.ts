/**
 * A TLS listener whose certificate can be renewed without a restart: on {@link reload} the files
 * are read again and a new listener takes over the same port (SO_REUSEPORT, so no connection is
 * refused meanwhile); connections already open keep the certificate they started with. A missing,
 * unreadable or mismatched certificate/key pair is an error naming the file, at start and at
 * reload (where the old certificate then stays in use).
 *
 * @module
 */

/** Where the certificate chain and the private key are (PEM files). */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

/** A certificate problem worded for the operator: the file and what is wrong with it. */
export class CertificateError extends Error {
  override name = "CertificateError";
}

/**
 * Reads and checks a certificate/key pair; throws {@link CertificateError} naming the file.
 *
 * @example
 * ```ts
 * const pem = await readTlsFiles({ certFile: "certs/cert.pem", keyFile: "certs/key.pem" });
 * ```
 */
export async function readTlsFiles(files: TlsFiles): Promise<{ cert: string; key: string }> {
  const read = async (path: string, what: string) => {
    try {
      return await Deno.readTextFile(path);
    } catch (error) {
      throw new CertificateError(
        `cannot read the TLS ${what} ${path}: ${(error as Error).message}`,
      );
    }
  };
  const cert = await read(files.certFile, "certificate");
  const key = await read(files.keyFile, "key");
  if (!/-----BEGIN CERTIFICATE-----/.test(cert)) {
    throw new CertificateError(`the TLS certificate ${files.certFile} holds no PEM certificate`);
  }
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) {
    throw new CertificateError(`the TLS key ${files.keyFile} holds no PEM private key`);
  }
  return { cert, key };
}

/**
 * Listens with TLS on one port, the certificate renewable in place.
 *
 * @example
 * ```ts
 * const files = { certFile: "cert.pem", keyFile: "key.pem" };
 * const listener = await RenewableTlsListener.open("127.0.0.1", 0, files);
 * const conn = await listener.accept();
 * await listener.reload(); // after the files were renewed
 * ```
 */
export class RenewableTlsListener {
  #current: Deno.TlsListener;
  #closed = false;

  private constructor(
    readonly hostname: string,
    listener: Deno.TlsListener,
    readonly files: TlsFiles,
  ) {
    this.#current = listener;
  }

  /** Reads the files and listens on `hostname:port` (0 picks a free port). */
  static async open(
    hostname: string,
    port: number,
    files: TlsFiles,
  ): Promise<RenewableTlsListener> {
    const listener = listenWith(hostname, port, files, await readTlsFiles(files));
    return new RenewableTlsListener(hostname, listener, files);
  }

  get addr(): Deno.NetAddr {
    return this.#current.addr;
  }

  /** The next connection (its handshake not yet done), across reloads. */
  async accept(): Promise<Deno.TlsConn> {
    while (true) {
      const listener = this.#current;
      try {
        return await listener.accept();
      } catch (error) {
        // The listener was replaced by a reload: accept from the new one.
        if (listener !== this.#current && !this.#closed) continue;
        throw error;
      }
    }
  }

  /** Reads the files again and takes over the port with the new certificate. */
  async reload(): Promise<void> {
    if (this.#closed) return;
    const pem = await readTlsFiles(this.files);
    const next = listenWith(this.hostname, this.addr.port, this.files, pem);
    const old = this.#current;
    this.#current = next;
    old.close();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#current.close();
    } catch {
      // already closed
    }
  }
}

function listenWith(
  hostname: string,
  port: number,
  files: TlsFiles,
  pem: { cert: string; key: string },
): Deno.TlsListener {
  try {
    return Deno.listenTls({ hostname, port, reusePort: true, ...pem });
  } catch (error) {
    const message = (error as Error).message;
    if (/KeyMismatch|keys may not be consistent/i.test(message)) {
      throw new CertificateError(
        `the TLS key ${files.keyFile} does not belong to the certificate ${files.certFile}`,
      );
    }
    if (/certificate/i.test(message)) {
      throw new CertificateError(`the TLS certificate ${files.certFile} is not usable: ${message}`);
    }
    if (/key/i.test(message) && !(error instanceof Deno.errors.AddrInUse)) {
      throw new CertificateError(`the TLS key ${files.keyFile} is not usable: ${message}`);
    }
    throw error;
  }
}
