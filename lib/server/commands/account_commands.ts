/**
 * Commands about the connection and the account: login, register, passwd, logout, mode, help.
 *
 * @module
 */

import { fail } from "../command_table.ts";
import { isValidPassword } from "../password_hash.ts";
import { USER_NAME_PATTERN } from "../../shared/protocol.ts";
import type { Session } from "../session.ts";
import type { Command, CommandContext } from "./context.ts";

function seconds(ms: number): number {
  return Math.ceil(ms / 1000);
}

function delay(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

/** Welcomes a logged-in user: the login reply, then any offline messages. */
function welcome(context: CommandContext, session: Session, resumed: boolean): void {
  const user = session.user!;
  const rooms = user.roomNames();
  const text = resumed
    ? `welcome back, ${user.name}` + (rooms.length ? `; you are in ${rooms.join(", ")}` : "")
    : `welcome, ${user.name}. join lobby to start chatting; help lists commands`;
  session.reply("login", text, {
    user: user.name,
    guest: false,
    rooms,
    current: user.current?.name ?? null,
    resumed,
  });
  // Each message is delivered at one login (a sender blocked meanwhile could not have sent it:
  // blocking takes a login, which delivers the mailbox first).
  const mail = context.chat.store.deliverOffline(user.name);
  if (mail.length === 0) return;
  session.notice(
    "info",
    `you have ${mail.length} new offline message${mail.length === 1 ? "" : "s"} ` +
      "(offline lists the kept ones, offline clear removes them)",
  );
  for (const message of mail) {
    session.sendEvent({
      type: "private",
      from: message.from,
      to: user.name,
      text: message.text,
      time: message.time,
      offline: true,
    });
  }
}

const login: Command = {
  name: "login",
  usage: "<user> [password]",
  summary: "log in (login guest: a guest session that may register)",
  access: "anyone",
  async run(context, [name, password]) {
    const { chat, session } = context;
    if (session.loggedIn) return fail("FORBIDDEN", `already logged in as ${session.user!.name}`);
    if (name!.toLowerCase() === "guest") {
      chat.attachGuest(session);
      session.reply("login", "logged in as guest: register <user> <password> makes an account", {
        user: "guest",
        guest: true,
        rooms: [],
        current: null,
        resumed: false,
      });
      return;
    }
    if (password === undefined || password === "") {
      if (session.mode === "json") return fail("BAD_FORMAT", "usage: login <user> <password>");
      session.awaitingPassword = name!;
      session.reply("login", `password for ${name} (typing is hidden):`);
      session.setEcho(false);
      return;
    }
    const key = name!.toLowerCase();
    const address = session.connection.address;
    const locked = chat.loginGuard.lockedFor(key);
    const refused = locked > 0 ? 0 : chat.loginGuard.addressWait(address);
    // A refused try costs the guesser the same wait as a wrong password (this connection only).
    if (locked > 0 || refused > 0) await delay(chat.config.loginFailDelay * 1000);
    if (locked > 0) {
      return fail(
        "LOCKED_OUT",
        `too many failed logins for ${name}; try again in ${seconds(locked)} s`,
      );
    }
    if (refused > 0) {
      return fail(
        "RATE_LIMITED",
        `too many failed logins from your address; try again in ${seconds(refused)} s`,
      );
    }
    const ok = await chat.accounts.verify(name!, password);
    if (session.closed) return;
    if (!ok) {
      const lockout = chat.loginGuard.recordFailure(key, address);
      chat.log("login failed", { user: name, peer: session.connection.peer, lockout });
      await delay(chat.config.loginFailDelay * 1000);
      return fail(
        "LOGIN_FAILED",
        "wrong user name or password" +
          (lockout ? `; ${name} is locked out for ${seconds(lockout)} s` : ""),
      );
    }
    chat.loginGuard.recordSuccess(key);
    const account = chat.accounts.get(name!)!;
    const { resumed } = chat.attach(session, account.name, account.role);
    welcome(context, session, resumed);
  },
};

const register: Command = {
  name: "register",
  usage: "<user> <password>",
  summary: "make a new account",
  access: "guest",
  async run({ chat, session }, [name, password]) {
    if (!USER_NAME_PATTERN.test(name!)) {
      return fail("BAD_FORMAT", "a user name is 1-32 letters, digits, _ or -");
    }
    if (!isValidPassword(password!)) {
      return fail("BAD_FORMAT", "a password is 1-128 characters without spaces");
    }
    const address = session.connection.address;
    const wait = chat.registrations.waitFor(address);
    if (wait > 0) {
      return fail(
        "RATE_LIMITED",
        `too many registrations from your address; try again in ${seconds(wait)} s`,
      );
    }
    chat.registrations.take(address);
    const result = await chat.accounts.register(name!, password!);
    if (!result.ok) return fail(result.reason, result.message);
    chat.log("register", { user: result.account.name, peer: session.connection.peer });
    session.reply(
      "register",
      `registered ${result.account.name}; log in with: login ${result.account.name} <password>`,
      { user: result.account.name },
    );
  },
};

const passwd: Command = {
  name: "passwd",
  usage: "<old> <new>",
  summary: "change your password",
  access: "user",
  async run({ chat, session, user }, [oldPassword, newPassword]) {
    if (!isValidPassword(newPassword!)) {
      return fail("BAD_FORMAT", "a password is 1-128 characters without spaces");
    }
    if (!(await chat.accounts.verify(user.name, oldPassword!))) {
      chat.loginGuard.recordFailure(user.key, session.connection.address);
      await delay(chat.config.loginFailDelay * 1000);
      return fail("LOGIN_FAILED", "your current password is not that");
    }
    const changed = await chat.accounts.changePassword(user.name, newPassword!);
    if (!changed.ok) return fail(changed.reason, changed.message);
    chat.log("password changed", { user: user.name });
    session.reply("passwd", "password changed");
  },
};

const logout: Command = {
  name: "logout",
  aliases: ["quit", "exit"],
  usage: "",
  summary: "leave every room and disconnect",
  access: "anyone",
  cost: 0,
  run({ chat, session }) {
    session.reply("logout", "goodbye");
    chat.endSession(session, { kind: "logout" });
  },
};

const mode: Command = {
  name: "mode",
  usage: "<text|json>",
  summary: "how the server writes to you: text lines or JSON lines",
  access: "anyone",
  cost: 0.25,
  run({ session }, [choice]) {
    const wanted = choice!.toLowerCase();
    if (wanted !== "text" && wanted !== "json") {
      return fail("BAD_FORMAT", "usage: mode <text|json>");
    }
    if (session.connection.fixedPresentation && wanted !== session.mode) {
      return fail("BAD_FORMAT", `this connection speaks ${session.mode} only`);
    }
    session.mode = wanted;
    session.reply("mode", `mode ${wanted}`, { mode: wanted });
  },
};

const help: Command = {
  name: "help",
  usage: "[command]",
  summary: "list the commands, or explain one",
  access: "anyone",
  cost: 0.25,
  run({ chat, session }, [name]) {
    const table = chat.commands;
    if (name !== undefined) {
      const spec = table.get(name.replace(/^\//, ""));
      if (!spec) return fail("UNKNOWN_COMMAND", `no such command: ${name.slice(0, 40)}`);
      const aliases = spec.aliases?.length ? ` (also: ${spec.aliases.join(", ")})` : "";
      session.reply("help", `${table.usageOf(spec)}: ${spec.summary}${aliases}`, [{
        name: spec.name,
        aliases: spec.aliases ?? [],
        usage: table.usageOf(spec),
        summary: spec.summary,
      }]);
      return;
    }
    const lines = table.specs.map((spec) => `  ${table.usageOf(spec).padEnd(28)} ${spec.summary}`);
    session.reply(
      "help",
      ["commands (a line that is no command speaks in your current room):", ...lines].join("\n"),
      table.specs.map((spec) => ({
        name: spec.name,
        aliases: spec.aliases ?? [],
        usage: table.usageOf(spec),
        summary: spec.summary,
      })),
    );
  },
};

/** The account and connection commands. */
export const ACCOUNT_COMMANDS: Command[] = [login, register, passwd, logout, mode, help];
