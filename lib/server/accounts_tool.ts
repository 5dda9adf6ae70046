/**
 * `deno task accounts`: manages the account file safely, also while the server runs (both take
 * the file's lock and re-read it before writing; the server picks changes up on SIGHUP or within
 * `--accounts-poll` seconds). Commands: `add <name> [--admin]`, `passwd <name>`,
 * `role <name> user|admin`, `list`, `remove <name>`, each with `--users FILE`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { Accounts } from "./accounts.ts";
import { DEFAULT_CONFIG } from "./config.ts";
import { passwordProblem } from "./password_hash.ts";

/** What the tool talks through (a terminal, or tests). */
export interface ToolIO {
  out(line: string): void;
  err(line: string): void;
  /** Asks for a password without showing it; null when the user cancelled or input ended. */
  readPassword(prompt: string): Promise<string | null>;
}

/** The tool's `--help`. */
export const ACCOUNTS_USAGE = `Usage: deno task accounts <command> [options]

  add <name> [--admin]       make an account (asks for its password)
  passwd <name>              set an account's password (asks for it)
  role <name> user|admin     make an account an administrator, or not
  list                       every account and its role
  remove <name>              remove an account (what the server stored for it stays)

Options:
  --users FILE               the account file (default ${DEFAULT_CONFIG.usersFile})
  --pbkdf2-iterations N      for new password hashes (default ${DEFAULT_CONFIG.pbkdf2Iterations})
  --help                     this text

Safe while the server runs: it sees the change on SIGHUP, or by itself within a few seconds.`;

/** Asks twice on a terminal-like reader; the password must follow the server's rules. */
async function newPassword(io: ToolIO, name: string, confirm: boolean): Promise<string | null> {
  const first = await io.readPassword(`password for ${name}: `);
  if (first === null) return null;
  const problem = passwordProblem(first);
  if (problem !== null) {
    io.err(`accounts: ${problem}`);
    return null;
  }
  if (confirm && (await io.readPassword("again: ")) !== first) {
    io.err("accounts: the passwords differ; nothing changed");
    return null;
  }
  return first;
}

/**
 * Runs one command; resolves with the exit status (0 done, 1 refused, 2 bad usage).
 *
 * @example
 * ```ts
 * declare const io: ToolIO;
 *
 * const status = await runAccountsTool(["role", "alice", "admin", "--users", "users.txt"], io);
 * ```
 */
export async function runAccountsTool(
  args: string[],
  io: ToolIO,
  confirmPasswords = false,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        users: { type: "string" },
        admin: { type: "boolean" },
        "pbkdf2-iterations": { type: "string" },
        help: { type: "boolean" },
      },
    });
  } catch (error) {
    io.err(`accounts: ${(error as Error).message}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, name, role] = positionals;
  if (values.help || command === undefined) {
    (values.help ? io.out : io.err)(ACCOUNTS_USAGE);
    return values.help ? 0 : 2;
  }
  const expected: Record<string, number> = { add: 2, passwd: 2, role: 3, list: 1, remove: 2 };
  if (expected[command] !== positionals.length) {
    io.err(
      expected[command] === undefined
        ? `accounts: unknown command ${command} (see --help)`
        : `accounts: wrong arguments for ${command} (see --help)`,
    );
    return 2;
  }
  if (values.admin && command !== "add") {
    io.err("accounts: --admin goes with add (role changes an existing account)");
    return 2;
  }
  const iterations = Number(values["pbkdf2-iterations"] ?? DEFAULT_CONFIG.pbkdf2Iterations);
  const accounts = await Accounts.load(values.users ?? DEFAULT_CONFIG.usersFile, {
    iterations,
    log: (msg) => io.err(msg),
  });
  const done = (result: { ok: true } | { ok: false; message: string }, text: string) => {
    if (!result.ok) {
      io.err(`accounts: ${result.message}`);
      return 1;
    }
    io.out(text);
    return 0;
  };
  switch (command) {
    case "list":
      for (const account of accounts.list()) io.out(`${account.name} ${account.role}`);
      return 0;
    case "add": {
      if (accounts.has(name!)) return done({ ok: false, message: `the name ${name} is taken` }, "");
      const password = await newPassword(io, name!, confirmPasswords);
      if (password === null) return 1;
      const role = values.admin ? "admin" : "user";
      return done(await accounts.register(name!, password, role), `added ${name} (${role})`);
    }
    case "passwd": {
      if (!accounts.has(name!)) return done({ ok: false, message: `no such user: ${name}` }, "");
      const password = await newPassword(io, name!, confirmPasswords);
      if (password === null) return 1;
      return done(await accounts.changePassword(name!, password), `password of ${name} changed`);
    }
    case "role":
      if (role !== "user" && role !== "admin") {
        io.err("accounts: a role is user or admin");
        return 2;
      }
      return done(await accounts.setRole(name!, role), `${name} is now ${role}`);
    case "remove":
      return done(await accounts.remove(name!), `removed ${name}`);
  }
  return 2;
}
