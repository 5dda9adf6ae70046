/**
 * Secrets on disk — the account file, the data folder and its database (private offline
 * messages) — are for the server's user only: created 0600 (folders 0700), and tightened at start,
 * with a warning, when found looser.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";

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

/**
 * Opens (or creates) an SQLite database of secrets at `path`: the file and SQLite's `-wal` and
 * `-shm` files (which get the database file's mode) tightened to {@link SECRET_FILE_MODE}, WAL
 * journal, `synchronous` as given, and refused when a newer schema than `newest` wrote it.
 * Returns the database and the schema version it was at (`PRAGMA user_version`).
 *
 * @example
 * ```ts
 * const { db, version } = openSecretDatabase("data/parley.db", "FULL", 3, console.warn);
 * ```
 */
export function openSecretDatabase(
  path: string,
  synchronous: "FULL" | "NORMAL",
  newest: number,
  warn: (msg: string) => void,
): { db: DatabaseSync; version: number } {
  for (const suffix of ["", "-wal", "-shm"]) tighten(path + suffix, SECRET_FILE_MODE, warn);
  Deno.openSync(path, { create: true, write: true, mode: SECRET_FILE_MODE }).close();
  const db = new DatabaseSync(path);
  try {
    db.exec("PRAGMA journal_mode = WAL");
    db.exec(`PRAGMA synchronous = ${synchronous}`);
    db.exec("PRAGMA busy_timeout = 5000");
    const version = Number(db.prepare("PRAGMA user_version").get()?.user_version ?? 0);
    if (version > newest) {
      throw new Error(`${path} was written by a newer parley (schema ${version})`);
    }
    return { db, version };
  } catch (error) {
    db.close();
    throw error;
  }
}
