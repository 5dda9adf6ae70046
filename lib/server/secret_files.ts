/**
 * Secrets on disk — the account file, the data folder and its database (private offline
 * messages) — are for the server's user only: created 0600 (folders 0700), and tightened at start,
 * with a warning, when found looser.
 *
 * @module
 */

/** The mode a secret file gets. */
export const SECRET_FILE_MODE = 0o600;
/** The mode a folder of secrets gets. */
export const SECRET_DIR_MODE = 0o700;

/**
 * Makes `path` no more open than `mode` if it exists, saying so through `warn` when it was.
 * Does nothing where modes mean nothing (Windows).
 *
 * @example
 * ```ts
 * tighten("users.txt", SECRET_FILE_MODE, console.warn);
 * ```
 */
export function tighten(path: string, mode: number, warn: (msg: string) => void): void {
  if (Deno.build.os === "windows") return;
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  const current = (info.mode ?? 0) & 0o777;
  if ((current & ~mode) === 0) return;
  Deno.chmodSync(path, current & mode);
  warn(
    `${path} was open to others (mode ${current.toString(8)}); ` +
      `now ${(current & mode).toString(8)}: it holds secrets`,
  );
}
