/**
 * The chat core without sockets: a {@link Chat} on temporary files, and connections that live in
 * memory, so the core's rules are tested in milliseconds. Each client speaks JSON and reads the
 * events the core sent it.
 *
 * @module
 */

import { Accounts } from "../../lib/server/accounts.ts";
import { Chat } from "../../lib/server/chat.ts";
import type { ServerConfig } from "../../lib/server/config.ts";
import type { Connection } from "../../lib/server/connection.ts";
import { silentLogger } from "../../lib/server/log.ts";
import { WriteScheduler } from "../../lib/server/send_queue.ts";
import type { Session } from "../../lib/server/session.ts";
import { Store } from "../../lib/server/store.ts";
import { parseWireEvent, type WireEvent } from "../../lib/shared/protocol.ts";
import { testConfig, writeUsers } from "./server.ts";
import { Wakeup } from "./wakeup.ts";

type Event = WireEvent & Record<string, unknown>;
const decoder = new TextDecoder();

/** A connection whose other end is a list of events in memory. */
class MemoryConnection implements Connection {
  readonly kind = "tcp";
  readonly presentation = "json";
  readonly fixedPresentation = true;
  readonly events: Event[] = [];
  readonly arrived = new Wakeup();
  closed = false;

  constructor(
    readonly peer: string,
    readonly address: string,
    readonly scheduler: WriteScheduler,
  ) {}

  send(bytes: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new Deno.errors.BadResource("closed"));
    for (const line of decoder.decode(bytes).split("\n")) {
      const event = parseWireEvent(line);
      if (event) this.events.push(event as Event);
    }
    this.arrived.wake();
    return Promise.resolve();
  }

  close(): void {
    this.closed = true;
    this.arrived.wake();
  }
}

/** One user's end of a memory connection. */
export class MemoryClient {
  #cursor = 0;

  constructor(readonly session: Session, readonly connection: MemoryConnection) {}

  /** Every event received so far. */
  get events(): Event[] {
    return this.connection.events;
  }

  /** Sends a line as if typed. */
  send(line: string): void {
    this.session.receive(line);
  }

  /** Waits (at most 2 s) for the next event, after those consumed, that matches. */
  async next(match: (event: Event) => boolean): Promise<Event> {
    const deadline = Date.now() + 2000;
    while (true) {
      while (this.#cursor < this.events.length) {
        const event = this.events[this.#cursor++]!;
        if (match(event)) return event;
      }
      const left = deadline - Date.now();
      if (left <= 0 || this.connection.closed && this.#cursor >= this.events.length) {
        throw new Error(
          `no matching event; got:\n${this.events.map((e) => JSON.stringify(e)).join("\n")}`,
        );
      }
      await this.connection.arrived.wait(left);
    }
  }

  /** Sends a command and waits for its reply or error. */
  command(line: string): Promise<Event> {
    this.send(line);
    return this.next((e) => e.type === "reply" || e.type === "error");
  }

  /** Events not yet consumed by a wait. */
  unread(): Event[] {
    return this.events.slice(this.#cursor);
  }
}

/** A chat core with its accounts and store on temporary files; disposing shuts it down. */
export interface MemoryChat extends AsyncDisposable {
  chat: Chat;
  /** Connects a client (from its own address) and, with a password, logs it in. */
  connect(name?: string, password?: string): Promise<MemoryClient>;
}

/**
 * Starts a core with these accounts (name → password).
 *
 * @example
 * ```ts
 * await using core = await memoryChat({ alice: "a" });
 * const alice = await core.connect("alice", "a");
 * ```
 */
export async function memoryChat(
  accounts: Record<string, string>,
  overrides: Partial<ServerConfig> = {},
): Promise<MemoryChat> {
  const dir = await Deno.makeTempDir({ prefix: "parley-core-" });
  const config = testConfig(dir, overrides);
  await writeUsers(config.usersFile, accounts);
  await Deno.mkdir(config.dataDir);
  const store = Store.open(config.dataDir);
  const chat = new Chat({
    config,
    accounts: await Accounts.load(config.usersFile, { iterations: config.pbkdf2Iterations }),
    store,
    log: silentLogger,
  });
  const scheduler = new WriteScheduler();
  let clients = 0;
  return {
    chat,
    async connect(name?: string, password?: string) {
      const n = ++clients;
      const connection = new MemoryConnection(`memory:${n}`, `10.0.0.${n}`, scheduler);
      const client = new MemoryClient(chat.open(connection), connection);
      if (name !== undefined) {
        const reply = await client.command(`login ${name} ${password}`);
        if (reply.type === "error") throw new Error(`login ${name}: ${reply.text}`);
      }
      return client;
    },
    async [Symbol.asyncDispose]() {
      await chat.shutdown();
      store.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}
