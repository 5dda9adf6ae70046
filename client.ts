/**
 * parley's terminal client: `deno task client [--host H] [--port P] [--user NAME]`.
 *
 * Type a line to say it in your current room, or a command (`help` lists them). `login <user>`
 * asks for the password with disguised echo; `logout` leaves. Lost connections are retried
 * automatically, and the session (login, rooms, current room) is restored.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { runClient } from "./lib/client/chat_client.ts";
import { isValidUserName } from "./lib/shared/protocol.ts";

/** The server a client reaches when given no options (the server's default port, locally). */
export const DEFAULT_HOST = "127.0.0.1";
/** The server's default port. */
export const DEFAULT_PORT = 4000;

const USAGE = `usage: deno task client [--host H] [--port P] [--user NAME]

  --host H      server host name or address (default ${DEFAULT_HOST})
  --port P      server port (default ${DEFAULT_PORT})
  --user NAME   log in as NAME at start; the password is asked for
  --help        show this help

Type a line to say it in your current room, or a command (help lists them):
  login <user>    log in; the password is asked for, and each character shows as *
  login guest     a guest session that may register an account
  create <room>   make a room and enter it       enter <room>   enter a room
  who             who is online, and where        logout         leave and exit

Lost connections are retried (about 3 s, then longer, up to about 30 s); the client logs in
again and re-enters your rooms by itself. Lines typed while offline are sent once it is back.
Exit status: 0 after logout, 130 after Ctrl-C, 3 when a login elsewhere took the session over,
2 for bad options.`;

/** The parsed command line, or an error message. */
export function parseClientArgs(
  args: string[],
): { host: string; port: number; user?: string; help: boolean } | { error: string } {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        host: { type: "string" },
        port: { type: "string" },
        user: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
  const host = values.host ?? DEFAULT_HOST;
  if (host === "") return { error: "--host needs a host name or address" };
  const portText = values.port ?? String(DEFAULT_PORT);
  const port = Number(portText);
  if (!/^[0-9]+$/.test(portText) || port < 1 || port > 65535) {
    return { error: `--port needs a number from 1 to 65535, not ${JSON.stringify(portText)}` };
  }
  if (values.user !== undefined && !isValidUserName(values.user) && values.user !== "guest") {
    return { error: `--user: not a valid user name: ${JSON.stringify(values.user)}` };
  }
  return { host: host.replace(/^\[(.*)\]$/, "$1"), port, user: values.user, help: !!values.help };
}

if (import.meta.main) {
  const parsed = parseClientArgs(Deno.args);
  if ("error" in parsed) {
    console.error(`parley client: ${parsed.error}\n\n${USAGE}`);
    Deno.exit(2);
  }
  if (parsed.help) {
    console.log(USAGE);
    Deno.exit(0);
  }
  const code = await runClient({ host: parsed.host, port: parsed.port, user: parsed.user });
  // A read of the keyboard may still be pending: end the process rather than wait for a key.
  Deno.exit(code);
}
