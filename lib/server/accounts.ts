/**
 * The account file `users.txt`: one account per line,
 * `name:role:pbkdf2-sha256:ITERATIONS:SALT_BASE64:HASH_BASE64`, role `user` or `admin`. Blank
 * lines and `#` comments are ignored and kept.
 *
 * The in-memory map is the source of truth; the file follows it. A new account is appended and
 * fsynced before {@link Accounts.register} resolves; a password change rewrites the whole file
 * atomically (temp file, fsync, rename, fsync of the directory). Writes are serialised, so an append
 * and a rewrite never interleave, and a `kill -9` at any moment leaves the file whole.
 *
 * A hand-edited, corrupt or truncated line is reported with its line number and skipped; it is
 * kept verbatim in the file so that nothing the operator wrote is lost on the next rewrite.
 *
 * Several processes may write the file (the server, and `deno task accounts` beside it): every
 * write takes an exclusive lock on `users.txt.lock` and first re-reads the file if another process
 * changed it since this one last read or wrote it, so no process's change is lost. The server
 * also re-reads it on SIGHUP and when a poll sees it changed ({@link Accounts.reloadIfChanged}).
 *
 * @module
 */

import { basename, dirname, join } from "node:path";
import { SECRET_FILE_MODE, tighten } from "./secret_files.ts";
import { isValidUserName, NEW_USER_NAME_PATTERN, newUserNameProblem } from "../shared/protocol.ts";
import {
  HASH_SCHEME,
  hashPassword,
  MAX_PBKDF2_ITERATIONS,
  parsePasswordHash,
  passwordProblem,
  verifyPassword,
} from "./password_hash.ts";

/** What an account may do: `admin` is a regular user with operator rights. */
export type Role = "user" | "admin";

/** A registered account as the rest of the server sees it. */
export interface Account {
  /** The name as registered (original case). */
  readonly name: string;
  readonly role: Role;
}

/** The outcome of {@link Accounts.register}: the new account, or why it was refused. */
export type RegisterResult =
  | { ok: true; account: Account }
  | { ok: false; reason: "NAME_TAKEN" | "BAD_FORMAT"; message: string };

/** The outcome of {@link Accounts.changePassword}, {@link Accounts.setRole}, {@link Accounts.remove}. */
export type ChangePasswordResult =
  | { ok: true }
  | { ok: false; reason: "NO_SUCH_USER" | "BAD_FORMAT"; message: string };

/** The outcome of {@link Accounts.rename}. */
export type RenameResult =
  | { ok: true; account: Account }
  | { ok: false; reason: "NO_SUCH_USER" | "NAME_TAKEN"; message: string };

/** Options for {@link Accounts.load}. */
export interface AccountsOptions {
  /** PBKDF2 iterations for hashes made from now on; stored hashes keep their own count. */
  iterations: number;
  /** Where problems with the file are reported (default: `console.error`). */
  log?: (msg: string) => void;
}

const FILE_HEADER = [
  "# parley accounts, one per line: name:role:pbkdf2-sha256:ITERATIONS:SALT_BASE64:HASH_BASE64",
  "# role is user or admin; blank lines and lines starting with # are ignored.",
];

interface Entry {
  account: Account;
  hash: string;
}

/** A line of the file: kept verbatim (comment, blank, invalid) or rendered from an account. */
type Line = { kind: "raw"; text: string } | { kind: "account"; key: string };

type ParsedLine = { ok: true; entry: Entry } | { ok: false; problem: string };

const encoder = new TextEncoder();

/**
 * The registered accounts, backed by `users.txt`.
 *
 * @example
 * ```ts
 * const accounts = await Accounts.load("users.txt", { iterations: 600_000 });
 * const result = await accounts.register("alice", "s3cret");
 * if (result.ok) await accounts.verify("ALICE", "s3cret"); // true
 * ```
 */
export class Accounts {
  readonly #path: string;
  readonly #iterations: number;
  readonly #accounts = new Map<string, Entry>();
  readonly #lines: Line[] = [];
  /** Names being registered right now (lowercase), so a second register of one fails at once. */
  readonly #pending = new Set<string>();
  /** Hash checked for unknown names, so that a miss costs as much as a wrong password. */
  readonly #dummyHash: string;
  #writes: Promise<void> = Promise.resolve();
  /** The file as this process last read or wrote it: a different one was changed by another. */
  #known: FileIdentity | null = null;
  readonly #log: (msg: string) => void;

  private constructor(path: string, iterations: number, log: (msg: string) => void) {
    this.#path = path;
    this.#iterations = iterations;
    this.#log = log;
    const salt = crypto.getRandomValues(new Uint8Array(16)).toBase64();
    const hash = crypto.getRandomValues(new Uint8Array(32)).toBase64();
    this.#dummyHash = `${HASH_SCHEME}:${iterations}:${salt}:${hash}`;
  }

  /**
   * Reads the account file, creating it (with a comment header) if it is missing. Invalid lines
   * (bad name, role or hash; a name already defined above) are reported as `PATH:LINE: problem`
   * and skipped. Throws only for I/O errors and an iteration count out of range.
   *
   * @example
   * ```ts
   * const accounts = await Accounts.load("users.txt", {
   *   iterations: 1000,
   *   log: (msg) => console.error(msg), // "users.txt:7: unknown role "root" ..."
   * });
   * ```
   */
  static async load(path: string, options: AccountsOptions): Promise<Accounts> {
    const { iterations } = options;
    if (!Number.isInteger(iterations) || iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS) {
      throw new RangeError(`PBKDF2 iterations must be an integer in 1..${MAX_PBKDF2_ITERATIONS}`);
    }
    const log = options.log ?? ((msg: string) => console.error(msg));
    const accounts = new Accounts(path, iterations, log);
    await removeStaleTempFiles(path);
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      // A missing folder is more likely a mistyped path than a wish for a new, empty server.
      const dir = dirname(path);
      if (!(await isDirectory(dir))) {
        throw new Error(
          `the account file's folder ${dir} does not exist (mistyped --users?); create it first`,
        );
      }
      // Made under the lock: a tool and a server starting at once must not both make one.
      await accounts.#locked(async () => {
        if (accounts.#known !== null) return; // another process made it meanwhile
        for (const header of FILE_HEADER) accounts.#lines.push({ kind: "raw", text: header });
        await accounts.#rewrite();
        log(`${path}: created a new account file`);
      });
      return accounts;
    }
    tighten(path, SECRET_FILE_MODE, (msg) => log(`warning: ${msg}`));
    accounts.#parse(text, (lineNo, problem) => log(`${path}:${lineNo}: ${problem}`));
    accounts.#known = await identify(path);
    return accounts;
  }

  /**
   * Re-reads the file if another process changed it (SIGHUP, or a poll); resolves with whether
   * anything was re-read.
   *
   * @example
   * ```ts
   * declare const accounts: Accounts;
   *
   * if (await accounts.reload()) console.log("users.txt changed");
   * ```
   */
  async reload(): Promise<boolean> {
    let changed = false;
    await this.#locked(() => {
      changed = this.#reread;
      return Promise.resolve();
    });
    return changed;
  }

  /**
   * A cheap look (one stat) before {@link reload}: for a poll every few seconds.
   *
   * @example
   * ```ts
   * declare const accounts: Accounts;
   *
   * setInterval(() => accounts.reloadIfChanged(), 3000);
   * ```
   */
  async reloadIfChanged(): Promise<boolean> {
    const now = await identify(this.#path);
    if (now === null || sameFile(now, this.#known)) return false;
    return await this.reload();
  }

  /**
   * Every account, in file order.
   *
   * @example
   * ```ts
   * declare const accounts: Accounts;
   *
   * accounts.list(); // [{ name: "alice", role: "admin" }, ...]
   * ```
   */
  list(): Account[] {
    return [...this.#accounts.values()].map((entry) => entry.account);
  }

  /** How many accounts are registered. */
  get size(): number {
    return this.#accounts.size;
  }

  /**
   * The account with this name, compared case-insensitively.
   *
   * @example
   * ```ts
   * declare const accounts: Accounts;
   *
   * accounts.get("ALICE"); // { name: "alice", role: "user" }
   * ```
   */
  get(name: string): Account | undefined {
    return this.#accounts.get(name.toLowerCase())?.account;
  }

  /**
   * Whether an account with this name exists (case-insensitive).
   *
   * @example
   * ```ts
   * declare const accounts: Accounts;
   *
   * accounts.has("Alice"); // true once "alice" is registered
   * ```
   */
  has(name: string): boolean {
    return this.#accounts.has(name.toLowerCase());
  }

  /**
   * Every registered name as registered, in file order.
   *
   * @example
   * ```ts
   * declare const accounts: Accounts;
   *
   * accounts.names(); // ["alice", "Bob"]
   * ```
   */
  names(): string[] {
    return [...this.#accounts.values()].map((entry) => entry.account.name);
  }

  /**
   * Whether `password` is the account's password. For an unknown name a dummy hash is checked,
   * so the answer takes as long as for a wrong password and does not reveal who exists.
   *
   * @example
   * ```ts
   * declare const accounts: Accounts;
   *
   * if (await accounts.verify("alice", "s3cret")) console.log("welcome");
   * ```
   */
  async verify(name: string, password: string): Promise<boolean> {
    const entry = this.#accounts.get(name.toLowerCase());
    if (entry === undefined) {
      await verifyPassword(password, this.#dummyHash);
      return false;
    }
    return await verifyPassword(password, entry.hash);
  }

  /**
   * Registers a new account. The account is on disk (appended and fsynced) before the promise
   * resolves. Names are unique case-insensitively, and a name being registered concurrently is
   * taken already. Throws only for I/O errors.
   *
   * @example
   * ```ts
   * declare const accounts: Accounts;
   *
   * const result = await accounts.register("alice", "s3cret");
   * if (!result.ok) console.log(result.reason, result.message); // "NAME_TAKEN" ...
   * ```
   */
  async register(name: string, password: string, role: Role = "user"): Promise<RegisterResult> {
    const badName = newUserNameProblem(name);
    if (badName !== null) {
      const reserved = NEW_USER_NAME_PATTERN.test(name);
      return { ok: false, reason: reserved ? "NAME_TAKEN" : "BAD_FORMAT", message: badName };
    }
    const badPassword = passwordProblem(password);
    if (badPassword !== null) return { ok: false, reason: "BAD_FORMAT", message: badPassword };
    if (role !== "user" && role !== "admin") throw new RangeError(`unknown role ${role}`);
    const key = name.toLowerCase();
    if (this.#accounts.has(key) || this.#pending.has(key)) {
      return { ok: false, reason: "NAME_TAKEN", message: `the name ${name} is taken` };
    }
    // Reserved before the first await, so a concurrent register of the same name sees it.
    this.#pending.add(key);
    try {
      const hash = await hashPassword(password, this.#iterations);
      const entry: Entry = { account: Object.freeze({ name, role }), hash };
      let taken = false;
      await this.#locked(async () => {
        taken = this.#accounts.has(key); // made by another process meanwhile
        if (taken) return;
        await this.#append(formatLine(entry));
        this.#accounts.set(key, entry);
        this.#lines.push({ kind: "account", key });
      });
      if (taken) return { ok: false, reason: "NAME_TAKEN", message: `the name ${name} is taken` };
      return { ok: true, account: entry.account };
    } finally {
      this.#pending.delete(key);
    }
  }

  /**
   * Sets a new password (hashed with the configured iteration count) and rewrites the file
   * atomically before resolving. The caller checks the old password first with
   * {@link Accounts.verify}. Throws only for I/O errors.
   *
   * @example
   * ```ts
   * declare const accounts: Accounts;
   * declare const oldPassword: string;
   * declare const newPassword: string;
   *
   * if (await accounts.verify("alice", oldPassword)) {
   *   const result = await accounts.changePassword("alice", newPassword);
   *   if (!result.ok) console.log(result.message);
   * }
   * ```
   */
  async changePassword(name: string, newPassword: string): Promise<ChangePasswordResult> {
    const badPassword = passwordProblem(newPassword);
    if (badPassword !== null) return { ok: false, reason: "BAD_FORMAT", message: badPassword };
    const key = name.toLowerCase();
    if (!this.#accounts.has(key)) {
      return { ok: false, reason: "NO_SUCH_USER", message: `no such user: ${name}` };
    }
    const hash = await hashPassword(newPassword, this.#iterations);
    return await this.#update(name, (entry) => ({ account: entry.account, hash }));
  }

  /**
   * Gives an account another role, rewriting the file atomically.
   *
   * @example
   * ```ts
   * declare const accounts: Accounts;
   *
   * await accounts.setRole("alice", "admin");
   * ```
   */
  setRole(name: string, role: Role): Promise<ChangePasswordResult> {
    if (role !== "user" && role !== "admin") throw new RangeError(`unknown role ${role}`);
    return this.#update(name, (entry) => ({
      account: Object.freeze({ name: entry.account.name, role }),
      hash: entry.hash,
    }));
  }

  /**
   * Removes an account from the file (atomically). What the store holds for it stays.
   *
   * @example
   * ```ts
   * declare const accounts: Accounts;
   *
   * await accounts.remove("mallory");
   * ```
   */
  remove(name: string): Promise<ChangePasswordResult> {
    return this.#update(name, () => null);
  }

  /**
   * Renames an account, keeping its role and password, in one atomic rewrite: after a crash the
   * file has either name, never both or neither.
   *
   * @example
   * ```ts
   * declare const accounts: Accounts;
   *
   * const result = await accounts.rename("alice", "alicia");
   * if (!result.ok) console.log(result.reason); // "NAME_TAKEN"
   * ```
   */
  async rename(oldName: string, newName: string): Promise<RenameResult> {
    const oldKey = oldName.toLowerCase();
    const newKey = newName.toLowerCase();
    let result: RenameResult = {
      ok: false,
      reason: "NO_SUCH_USER",
      message: `no such user: ${oldName}`,
    };
    await this.#locked(async () => {
      const entry = this.#accounts.get(oldKey);
      if (entry === undefined) return;
      if (newKey !== oldKey && (this.#accounts.has(newKey) || this.#pending.has(newKey))) {
        result = { ok: false, reason: "NAME_TAKEN", message: `the name ${newName} is taken` };
        return;
      }
      const renamed: Entry = {
        account: Object.freeze({ name: newName, role: entry.account.role }),
        hash: entry.hash,
      };
      const accounts = new Map(this.#accounts);
      accounts.delete(oldKey);
      accounts.set(newKey, renamed);
      const lines = this.#lines.map((line): Line =>
        line.kind === "account" && line.key === oldKey ? { kind: "account", key: newKey } : line
      );
      await this.#rewrite(lines, accounts);
      this.#swap(lines, accounts);
      result = { ok: true, account: renamed.account };
    });
    return result;
  }

  /** Replaces (or, with null, removes) one account and rewrites the file atomically. */
  async #update(
    name: string,
    change: (entry: Entry) => Entry | null,
  ): Promise<ChangePasswordResult> {
    const key = name.toLowerCase();
    let found = false;
    await this.#locked(async () => {
      const entry = this.#accounts.get(key);
      found = entry !== undefined;
      if (entry === undefined) return;
      const updated = change(entry);
      const accounts = new Map(this.#accounts);
      if (updated === null) accounts.delete(key);
      else accounts.set(key, updated);
      const lines = updated === null
        ? this.#lines.filter((line) => !(line.kind === "account" && line.key === key))
        : this.#lines;
      await this.#rewrite(lines, accounts);
      this.#swap(lines, accounts);
    });
    return found
      ? { ok: true }
      : { ok: false, reason: "NO_SUCH_USER", message: `no such user: ${name}` };
  }

  #swap(lines: Line[], accounts: Map<string, Entry>): void {
    this.#lines.splice(0, this.#lines.length, ...lines);
    this.#accounts.clear();
    for (const [key, entry] of accounts) this.#accounts.set(key, entry);
  }

  /**
   * Runs a write with the file lock held (other processes' writes wait), after re-reading the
   * file if another process changed it; remembers the file as it is afterwards.
   */
  #locked(op: () => Promise<void>): Promise<void> {
    return this.#enqueue(async () => {
      using lock = await Deno.open(`${this.#path}.lock`, {
        write: true,
        create: true,
        mode: SECRET_FILE_MODE,
      });
      await lock.lock(true);
      try {
        await this.#refresh();
        await op();
        this.#known = await identify(this.#path);
      } finally {
        await lock.unlock();
      }
    });
  }

  /** Set by {@link #refresh}: whether the last refresh re-read the file. */
  #reread = false;

  /** Re-reads the file when it is not the one this process last read or wrote. */
  async #refresh(): Promise<void> {
    this.#reread = false;
    const now = await identify(this.#path);
    if (now === null || sameFile(now, this.#known)) return;
    const text = await Deno.readTextFile(this.#path);
    this.#accounts.clear();
    this.#lines.length = 0;
    this.#parse(text, (lineNo, problem) => this.#log(`${this.#path}:${lineNo}: ${problem}`));
    this.#known = now;
    this.#reread = true;
  }

  /**
   * Resolves once every write started so far has finished (for a clean shutdown).
   *
   * @example
   * ```ts
   * declare const accounts: Accounts;
   *
   * await accounts.flush();
   * ```
   */
  async flush(): Promise<void> {
    await this.#writes;
  }

  #parse(text: string, report: (lineNo: number, problem: string) => void): void {
    const lines = text.split("\n");
    if (lines.at(-1) === "") lines.pop();
    const firstSeen = new Map<string, number>();
    lines.forEach((rawLine, index) => {
      const lineNo = index + 1;
      let line = rawLine.endsWith("\r") ? rawLine.slice(0, -1) : rawLine;
      if (index === 0 && line.startsWith("\uFEFF")) line = line.slice(1);
      const trimmed = line.trim();
      if (trimmed === "" || trimmed.startsWith("#")) {
        this.#lines.push({ kind: "raw", text: line });
        return;
      }
      const parsed = parseLine(trimmed);
      if (!parsed.ok) {
        report(lineNo, `${parsed.problem}; line skipped`);
        this.#lines.push({ kind: "raw", text: line });
        return;
      }
      const key = parsed.entry.account.name.toLowerCase();
      const first = firstSeen.get(key);
      if (first !== undefined) {
        report(
          lineNo,
          `user ${parsed.entry.account.name} already defined on line ${first}; skipped`,
        );
        this.#lines.push({ kind: "raw", text: line });
        return;
      }
      firstSeen.set(key, lineNo);
      this.#accounts.set(key, parsed.entry);
      this.#lines.push({ kind: "account", key });
    });
  }

  #enqueue(op: () => Promise<void>): Promise<void> {
    const result = this.#writes.then(op);
    this.#writes = result.catch(() => {});
    return result;
  }

  /** Appends one line and fsyncs; a torn last line without newline is terminated first. */
  async #append(line: string): Promise<void> {
    using file = await Deno.open(this.#path, {
      read: true,
      append: true,
      create: true,
      mode: SECRET_FILE_MODE,
    });
    const { size } = await file.stat();
    let text = `${line}\n`;
    if (size > 0) {
      await file.seek(-1, Deno.SeekMode.End);
      const last = new Uint8Array(1);
      if ((await file.read(last)) === 1 && last[0] !== 0x0a) text = `\n${text}`;
    }
    await writeAll(file, encoder.encode(text));
    await file.sync();
  }

  /** Writes the whole file (from memory, or from the lines and accounts given) atomically. */
  async #rewrite(lines = this.#lines, accounts = this.#accounts): Promise<void> {
    const rendered = lines.map((line) => {
      if (line.kind === "raw") return line.text;
      const entry = accounts.get(line.key);
      if (entry === undefined) throw new Error(`no account for line ${line.key}`);
      return formatLine(entry);
    });
    const text = rendered.length === 0 ? "" : `${rendered.join("\n")}\n`;
    let mode: number = SECRET_FILE_MODE;
    try {
      mode = (await Deno.stat(this.#path)).mode ?? mode;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    const temp = `${this.#path}.${crypto.getRandomValues(new Uint8Array(6)).toHex()}.tmp`;
    let renamed = false;
    try {
      {
        using file = await Deno.open(temp, {
          write: true,
          createNew: true,
          mode: mode & SECRET_FILE_MODE,
        });
        await writeAll(file, encoder.encode(text));
        await file.sync();
      }
      await Deno.rename(temp, this.#path);
      renamed = true;
    } finally {
      if (!renamed) await Deno.remove(temp).catch(() => {});
    }
    await syncDirectory(dirname(this.#path));
  }
}

/** What tells one version of the file from another: a rewrite makes a new inode. */
interface FileIdentity {
  ino: number | null;
  size: number;
  mtime: number | null;
}

async function identify(path: string): Promise<FileIdentity | null> {
  try {
    const info = await Deno.stat(path);
    return { ino: info.ino, size: info.size, mtime: info.mtime?.getTime() ?? null };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

function sameFile(a: FileIdentity, b: FileIdentity | null): boolean {
  return b !== null && a.ino === b.ino && a.size === b.size && a.mtime === b.mtime;
}

/** Removes temp files (`users.txt.<12 hex>.tmp`) that a crash during a rewrite left behind. */
async function removeStaleTempFiles(path: string): Promise<void> {
  const dir = dirname(path);
  const prefix = `${basename(path)}.`;
  try {
    for await (const entry of Deno.readDir(dir)) {
      const middle = entry.name.slice(prefix.length, -".tmp".length);
      if (
        entry.isFile && entry.name.startsWith(prefix) && entry.name.endsWith(".tmp") &&
        /^[0-9a-f]{12}$/.test(middle)
      ) {
        await Deno.remove(join(dir, entry.name)).catch(() => {});
      }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

function parseLine(line: string): ParsedLine {
  const fields = line.split(":");
  if (fields.length !== 6) {
    return {
      ok: false,
      problem:
        `expected name:role:${HASH_SCHEME}:ITERATIONS:SALT:HASH, found ${fields.length} fields`,
    };
  }
  const [name, role] = fields as [string, string];
  if (!isValidUserName(name)) {
    return { ok: false, problem: `invalid user name ${JSON.stringify(name.slice(0, 40))}` };
  }
  if (role !== "user" && role !== "admin") {
    return {
      ok: false,
      problem: `unknown role ${JSON.stringify(role.slice(0, 20))} (expected user or admin)`,
    };
  }
  const hash = fields.slice(2).join(":");
  if (parsePasswordHash(hash) === undefined) {
    return { ok: false, problem: `malformed password hash for user ${name}` };
  }
  return {
    ok: true,
    entry: { account: Object.freeze({ name, role: role === "admin" ? "admin" : "user" }), hash },
  };
}

function formatLine(entry: Entry): string {
  return `${entry.account.name}:${entry.account.role}:${entry.hash}`;
}

async function writeAll(file: Deno.FsFile, data: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < data.length) offset += await file.write(data.subarray(offset));
}

/** Makes a rename durable; some platforms cannot open a directory, which is not an error there. */
async function syncDirectory(dir: string): Promise<void> {
  let handle: Deno.FsFile | undefined;
  try {
    handle = await Deno.open(dir, { read: true });
    await handle.sync();
  } catch {
    // Best effort: the rename itself is still atomic.
  } finally {
    handle?.close();
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}
