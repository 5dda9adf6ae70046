/**
 * How the client writes a server's address: `host:port`, with an IPv6 address in brackets
 * (`[::1]:4000`) so that its colons are not taken for the port's.
 *
 * @module
 */

/**
 * @example
 * ```ts
 * hostPort("127.0.0.1", 4000); // "127.0.0.1:4000"
 * hostPort("::1", 4700); // "[::1]:4700"
 * ```
 */
export function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
