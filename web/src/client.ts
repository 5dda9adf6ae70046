/**
 * The web client's controller: the connection machine, its browser driver, the page's model and
 * notifications, joined up; the components read it and call its actions.
 *
 * @module
 */

import { Connection, type Effect } from "./connection.ts";
import { interpretTyped, type Target } from "./commands.ts";
import { ChatModel, roomKey, SERVER_KEY } from "./model.ts";
import { Notifier } from "./notify.ts";
import { SocketDriver, socketUrl } from "./socket.ts";

/** The outcome of the last login or registration, for the login form. */
export interface LoginMessage {
  ok: boolean;
  text: string;
  code?: string;
}

/**
 * @example
 * ```ts
 * import { socketUrl } from "./socket.ts";
 *
 * declare function render(): void;
 *
 * const client = new WebClient(socketUrl(location));
 * client.subscribe(() => render());
 * client.start();
 * ```
 */
export class WebClient {
  readonly model: ChatModel = new ChatModel();
  readonly machine: Connection;
  readonly driver: SocketDriver;
  readonly notifier: Notifier;
  loginMessage: LoginMessage | undefined;
  /** Bumped on every change. */
  version = 0;
  readonly #listeners = new Set<() => void>();
  #whoTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(url = socketUrl(location)) {
    this.machine = new Connection({ online: navigator.onLine });
    this.driver = new SocketDriver(url, this.machine, (effect) => this.#effect(effect));
    this.notifier = new Notifier("parley", () => this.#changed());
    this.notifier.onOpen = (key) => this.select(key);
  }

  /** Calls `listener` after every change; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  start(): void {
    this.driver.input({ type: "start" });
  }

  get loggedIn(): boolean {
    return this.machine.loggedIn;
  }

  login(user: string, password: string): void {
    this.loginMessage = undefined;
    this.#run(this.machine.login(user, password));
  }

  loginAsGuest(): void {
    this.loginMessage = undefined;
    this.#run(this.machine.login("guest"));
  }

  register(user: string, password: string): void {
    this.loginMessage = undefined;
    this.#run(this.machine.register(user, password));
  }

  logout(): void {
    this.#run(this.machine.logout());
    this.model.reset();
    this.#changed();
  }

  retry(): void {
    this.driver.input({ type: "retry" });
  }

  select(key: string): void {
    this.model.select(key);
    this.#changed();
  }

  openPrivate(name: string): void {
    this.model.openPrivate(name);
    this.#changed();
  }

  closeConversation(key: string): void {
    this.model.close(key);
    this.#changed();
  }

  /** The target of the conversation shown, for interpreting typed lines. */
  target(): Target {
    const c = this.model.active;
    if (c.kind === "private") return { kind: "private", user: c.name };
    if (c.kind === "room" && c.joined) {
      const id = this.model.rooms.find((r) => r.name.toLowerCase() === c.name.toLowerCase())?.id;
      return { kind: "room", room: c.name, id };
    }
    return { kind: "server" };
  }

  /** A line typed in the input box. Returns false when it was refused (keep it in the box). */
  typed(line: string): boolean {
    const active = this.model.active;
    if (active.kind === "room" && !active.joined && !line.startsWith("/")) {
      this.model.local(
        active.closed
          ? `not sent: ${active.closed}; join another room`
          : `not sent: you are not in ${active.name}; /join ${active.name} to enter it again`,
        true,
      );
      this.#changed();
      return false;
    }
    const typed = interpretTyped(line, this.target());
    switch (typed.kind) {
      case "empty":
        return true;
      case "refuse":
        this.model.local(typed.message, true);
        this.#changed();
        return false;
      case "open":
        this.openPrivate(typed.user);
        return true;
      case "logout":
        this.logout();
        return true;
      case "send": {
        const target = this.target();
        const room = typed.command === undefined && target.kind === "room" &&
            !typed.line.startsWith("say ")
          ? target.room
          : undefined;
        const { outcome, effects } = this.machine.submit({
          line: typed.line,
          command: typed.command,
          room,
        });
        if (outcome !== "refused") {
          const queued = outcome === "queued";
          if (typed.command === undefined && typed.text !== undefined) {
            this.model.own(active.key, typed.text, queued);
          } else if (typed.command === "shout") {
            this.model.own(active.key, typed.line.replace(/^\S+\s+/, ""), queued, true);
          } else if (typed.command === "say") {
            // say <room> <text> typed by hand: shown in that room when it is open
            const [, ref = "", ...rest] = typed.line.split(" ");
            const key = roomKey(ref);
            if (this.model.conversation(key)) this.model.own(key, rest.join(" "), queued);
          }
        }
        this.#run(effects);
        this.#changed();
        return outcome !== "refused";
      }
    }
  }

  /** Runs a command from the UI (menus, buttons), as if typed with `/`. */
  command(line: string): void {
    const command = line.split(" ", 1)[0]!;
    const { effects } = this.machine.submit({ line, command });
    this.#run(effects);
    this.#changed();
  }

  #run(effects: Effect[]): void {
    this.driver.run(effects);
  }

  #effect(effect: Effect): void {
    switch (effect.type) {
      case "deliver": {
        const applied = this.model.apply(effect.event, effect.internal);
        if (applied.alert) this.notifier.alert(applied.alert);
        if (applied.needWho) this.#askWho();
        if (applied.needRooms) this.#run(this.machine.query("rooms", "rooms"));
        if (
          effect.event.type === "reply" && effect.event.command === "login" &&
          !this.model.guest
        ) this.#run(this.machine.query("blocks", "blocks"));
        break;
      }
      case "local":
        this.model.local(effect.text, effect.error);
        break;
      case "login-result":
        this.loginMessage = { ok: effect.ok, text: effect.text, code: effect.code };
        if (effect.ok && this.model.activeKey === SERVER_KEY && effect.data?.current) {
          this.model.select(roomKey(effect.data.current));
        }
        break;
      case "status":
        if (this.machine.status.phase === "ready") this.model.unqueue();
        break;
    }
    this.#changed();
  }

  /** Asks `who` once for several changes close together. */
  #askWho(): void {
    if (this.#whoTimer !== undefined) return;
    this.#whoTimer = setTimeout(() => {
      this.#whoTimer = undefined;
      this.#run(this.machine.query("who", "who"));
    }, 50);
  }

  #changed(): void {
    this.version++;
    for (const listener of this.#listeners) listener();
  }
}
