/**
 * parley's terminal client: `deno task client [--host H] [--port P] [--tls] [--ca FILE]
 * [--user NAME]`.
 *
 * Type a line to say it in your current room, or a command (`help` lists them). `login <user>`
 * asks for the password with disguised echo; `logout` leaves. Lost connections are retried
 * automatically, and the session (login, rooms, current room) is restored. `--tls` connects
 * with TLS; a certificate the client refuses ends it (status 4) instead of being retried.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { EXIT_TLS } from "./lib/client/client_machine.ts";
import { runClient } from "./lib/client/client_runner.ts";
import { readCaFile, type TlsOptions } from "./lib/client/tls.ts";
import { trustSystemRoots } from "./lib/client/trust_store.ts";
import { isValidUserName } from "./lib/shared/protocol.ts";

/** The server a client reaches when given no options (the server's default port, locally). */
export const DEFAULT_HOST = "127.0.0.1";
/** The server's default port. */
export const DEFAULT_PORT = 4000;
/** The server's default `--tls-port`: the port used with `--tls` when no `--port` is given. */
export const DEFAULT_TLS_PORT = 4443;

const USAGE = `usage: deno task client [--host H] [--port P] [--tls] [--ca FILE] [--user NAME]
                        [--no-bell] [--history-file FILE]

  --host H      server host name or address (default ${DEFAULT_HOST})
  --port P      server port (default ${DEFAULT_PORT}, or ${DEFAULT_TLS_PORT} with --tls)
  --tls         connect with TLS, checking the server's certificate against the
                system's certificate authorities and Deno's (and --ca FILE)
  --ca FILE     also trust the PEM certificate(s) in FILE, e.g. a self-signed server's
                (from deno task cert); implies --tls
  --user NAME   log in as NAME at start; the password is asked for
  --no-bell     do not ring the terminal's bell on mentions and private messages
  --history-file FILE
                keep the lines you send in FILE, for Up and Down in later sessions
  --help        show this help

Type a line to say it in your current room, or a command (help lists them; every
command goes to the server as typed):
  login <user>    log in; the password is asked for, and each character shows as *
  login guest     a guest session that may register an account
  join <room>     join a room (Alt-1…9, Ctrl-N, Ctrl-P switch between rooms)
  who             who is online, and where        logout         leave and exit
Keys as in readline and irssi: arrows, Home/End, Ctrl-A/E/K/U/W, Alt-B/F, Up/Down for the
lines sent, Tab completes commands, names and rooms, Ctrl-L redraws.

Lost connections are retried (about 3 s, then longer, up to about 30 s); the client logs in
again and re-enters your rooms by itself. Lines typed while offline are sent once it is back.
A certificate the client refuses (unknown authority, expired, made for another host name) is
not retried: the client says why and stops.
Exit status: 0 after logout, 130 after Ctrl-C, 3 when a login elsewhere took the session over,
${EXIT_TLS} when the server's certificate was refused (or it does not speak TLS), 2 for bad options.`;

/** The command line, parsed. */
export interface ClientArgs {
  host: string;
  port: number;
  user?: string;
  help: boolean;
  /** Connect with TLS (`--tls`, or implied by `--ca`). */
  tls: boolean;
  /** `--ca FILE`: a PEM file of certificates to trust as well. */
  ca?: string;
  /** `--no-bell`: no bell on mentions and private messages. */
  bell: boolean;
  /** `--history-file FILE`: keep the sent lines there across sessions. */
  historyFile?: string;
}

/** The parsed command line, or an error message. */
export function parseClientArgs(args: string[]): ClientArgs | { error: string } {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        host: { type: "string" },
        port: { type: "string" },
        user: { type: "string" },
        tls: { type: "boolean" },
        ca: { type: "string" },
        "no-bell": { type: "boolean" },
        "history-file": { type: "string" },
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
  if (values.ca === "") return { error: "--ca needs a file name" };
  if (values["history-file"] === "") return { error: "--history-file needs a file name" };
  // A CA file only means something for TLS: giving one asks for TLS.
  const tls = !!values.tls || values.ca !== undefined;
  const portText = values.port ?? String(tls ? DEFAULT_TLS_PORT : DEFAULT_PORT);
  const port = Number(portText);
  if (!/^[0-9]+$/.test(portText) || port < 1 || port > 65535) {
    return { error: `--port needs a number from 1 to 65535, not ${JSON.stringify(portText)}` };
  }
  if (values.user !== undefined && !isValidUserName(values.user) && values.user !== "guest") {
    return { error: `--user: not a valid user name: ${JSON.stringify(values.user)}` };
  }
  return {
    host: host.replace(/^\[(.*)\]$/, "$1"),
    port,
    user: values.user,
    help: !!values.help,
    tls,
    ca: values.ca,
    bell: !values["no-bell"],
    historyFile: values["history-file"],
  };
}

/** The TLS options for the parsed command line (reading `--ca`), or an error message. */
export async function tlsOptions(
  parsed: ClientArgs,
): Promise<{ tls?: TlsOptions } | { error: string }> {
  if (!parsed.tls) return {};
  if (parsed.ca === undefined) return { tls: {} };
  const ca = await readCaFile(parsed.ca);
  return "error" in ca ? ca : { tls: { caCerts: [ca.pem], caFile: parsed.ca } };
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
  if (parsed.tls) trustSystemRoots(); // before the first TLS connection
  const tls = await tlsOptions(parsed);
  if ("error" in tls) {
    console.error(`parley client: ${tls.error}`);
    Deno.exit(2);
  }
  const code = await runClient({
    host: parsed.host,
    port: parsed.port,
    user: parsed.user,
    tls: tls.tls,
    bell: parsed.bell,
    historyFile: parsed.historyFile,
  });
  // A read of the keyboard may still be pending: end the process rather than wait for a key.
  Deno.exit(code);
}
