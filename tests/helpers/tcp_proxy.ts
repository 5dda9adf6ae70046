/**
 * A loopback TCP proxy for tests that need a connection to break while the server keeps running:
 * {@link TcpProxy.cut} closes every connection passing through, as a network failure would.
 *
 * @module
 */

/**
 * @example
 * ```ts
 * await using proxy = TcpProxy.start(serverPort);
 * // connect the client to proxy.port …
 * proxy.cut(); // the client sees its connection drop; the server sees it lost
 * ```
 */
export class TcpProxy implements AsyncDisposable {
  readonly #listener: Deno.TcpListener;
  readonly #pairs = new Set<[Deno.TcpConn, Deno.TcpConn]>();
  readonly #tasks = new Set<Promise<void>>();
  readonly #accepting: Promise<void>;
  /** How many connections have been made through the proxy. */
  connections = 0;

  private constructor(readonly target: number) {
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.#accepting = this.#accept();
  }

  /** Starts a proxy to `127.0.0.1:target` on a port of its own. */
  static start(target: number): TcpProxy {
    return new TcpProxy(target);
  }

  /** The port clients connect to. */
  get port(): number {
    return this.#listener.addr.port;
  }

  async #accept(): Promise<void> {
    try {
      for await (const inbound of this.#listener) {
        let outbound: Deno.TcpConn;
        try {
          outbound = await Deno.connect({ hostname: "127.0.0.1", port: this.target });
        } catch {
          inbound.close();
          continue;
        }
        this.connections++;
        const pair: [Deno.TcpConn, Deno.TcpConn] = [inbound, outbound];
        this.#pairs.add(pair);
        const task = Promise.all([copy(inbound, outbound), copy(outbound, inbound)]).then(() => {
          this.#close(pair);
          this.#tasks.delete(task);
        });
        this.#tasks.add(task);
      }
    } catch {
      // the listener was closed
    }
  }

  #close(pair: [Deno.TcpConn, Deno.TcpConn]): void {
    if (!this.#pairs.delete(pair)) return;
    for (const conn of pair) {
      try {
        conn.close();
      } catch {
        // already closed
      }
    }
  }

  /** Breaks every connection now passing through; new ones are still accepted. */
  async cut(): Promise<void> {
    for (const pair of [...this.#pairs]) this.#close(pair);
    await Promise.all([...this.#tasks]);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#listener.close();
    await this.#accepting;
    await this.cut();
  }
}

/** Copies one way until either side ends or fails. */
async function copy(from: Deno.TcpConn, to: Deno.TcpConn): Promise<void> {
  const buffer = new Uint8Array(16384);
  try {
    while (true) {
      const n = await from.read(buffer);
      if (n === null) break;
      let offset = 0;
      while (offset < n) offset += await to.write(buffer.subarray(offset, n));
    }
  } catch {
    // closed by cut() or by the peer
  }
  try {
    await to.closeWrite();
  } catch {
    // already closed
  }
}
