/**
 * Which certificate authorities the client trusts: the operating system's as well as the Mozilla
 * list built into Deno (Deno's default is the latter only), unless the user chose otherwise with
 * `DENO_TLS_CA_STORE`. Deno reads that variable when it makes its first TLS connection, which is
 * why setting it at run time works; a system without a readable store falls back to Deno's list.
 *
 * @module
 */

const VARIABLE = "DENO_TLS_CA_STORE";

/** Whether this process chose the system store (so it may also give it up). */
let chosenHere = false;

/**
 * Makes the system's authorities count too, unless `DENO_TLS_CA_STORE` is set already. Must run
 * before the first TLS connection. Without permission to set it, Deno's own list stays in use.
 *
 * @example
 * ```ts
 * trustSystemRoots();
 * const conn = await Deno.connectTls({ hostname: "chat.example", port: 4443 });
 * ```
 */
export function trustSystemRoots(): void {
  try {
    if (Deno.env.get(VARIABLE) !== undefined) return;
    Deno.env.set(VARIABLE, "system,mozilla");
    chosenHere = true;
  } catch {
    // no --allow-env: Deno's built-in authorities only
  }
}

/**
 * After a TLS connection failed: when the system's store could not be loaded and it was
 * {@link trustSystemRoots} that asked for it, goes back to Deno's own list and returns true (try
 * again). A store the user chose is left alone: that failure is theirs to see.
 *
 * @example
 * ```ts
 * const open = () => Deno.connectTls({ hostname: "chat.example", port: 4443 });
 * const conn = await open().catch((error) => {
 *   if (fellBackToDenoRoots(error)) return open();
 *   throw error;
 * });
 * ```
 */
export function fellBackToDenoRoots(error: unknown): boolean {
  if (!chosenHere || !/Failed to load platform certificates/i.test(String(error))) return false;
  chosenHere = false;
  Deno.env.set(VARIABLE, "mozilla");
  return true;
}
