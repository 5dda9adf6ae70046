/**
 * Commands about the connection and the account: login, register, passwd, logout, mode, help.
 *
 * @module
 */

import { banText, type Chat } from "../chat.ts";
import { fail, isError } from "../command_table.ts";
import type { Session } from "../session.ts";
import type { User } from "../user.ts";
import type { Command } from "./context.ts";
import { counted } from "../name_list.ts";

/** Welcomes a logged-in user: the login reply, then any offline messages. */
function welcome(chat: Chat, session: Session, user: User, resumed: boolean): void {
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
  const mail = chat.messages.deliverMailbox(user);
  if (mail.length === 0) return;
  session.notice(
    "info",
    `you have ${counted(mail.length, "new offline message")} ` +
      "(offline lists the kept ones, offline clear removes them)",
  );
  for (const message of mail) {
    session.sendEvent(
      message.group === undefined
        ? {
          type: "private",
          from: message.from,
          to: user.name,
          text: message.text,
          time: message.time,
          offline: true,
          id: message.id,
        }
        : {
          type: "group",
          from: message.from,
          group: message.group,
          text: message.text,
          time: message.time,
          offline: true,
        },
    );
  }
}

const login: Command = {
  name: "login",
  usage: "<user> [password]",
  summary: "log in (login guest: a guest session that may register)",
  access: "anyone",
  async run({ chat, session }, [name, password]) {
    const current = session.user;
    if (current) return fail("FORBIDDEN", `already logged in as ${current.name}`);
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
      session.reply("login", `password for ${name} (typing is hidden):`);
      session.expectPassword("login", [name!]);
      return;
    }
    const account = await chat.logins.check(session, name!, password);
    if (account === null) return; // the connection went away meanwhile
    if (isError(account)) return account;
    if (chat.renames.busy(account.name)) {
      return fail("LOGIN_FAILED", `${account.name} is being renamed; log in again in a moment`);
    }
    // Checked after the password: only the account's owner learns that it is banned.
    const ban = chat.moderation.banFor(account.name, session.connection.address);
    if (ban) return fail("BANNED", banText("you are", ban));
    const { user, resumed } = chat.attach(session, account);
    welcome(chat, session, user, resumed);
  },
};

const register: Command = {
  name: "register",
  activity: "name",
  usage: "<user> <password>",
  summary: "make a new account",
  formatHint: "a password is one word, without spaces",
  access: "guest",
  async run({ chat, session }, [name, password]) {
    const held = chat.renames.heldProblem(name!);
    if (held !== null || chat.renames.busy(name!)) {
      return fail("NAME_TAKEN", held ?? `the name ${name} is taken`);
    }
    const account = await chat.logins.register(session, name!, password!);
    if (isError(account)) return account;
    session.reply(
      "register",
      `registered ${account.name}; log in with: login ${account.name} <password>`,
      { user: account.name },
    );
  },
};

const passwd: Command = {
  name: "passwd",
  activity: "name",
  usage: "<old> <new>",
  summary: "change your password",
  formatHint: "a password is one word, without spaces",
  access: "user",
  async run({ chat, session, user }, [oldPassword, newPassword]) {
    const failed = await chat.logins.changePassword(session, user, oldPassword!, newPassword!);
    if (failed) return failed;
    session.reply("passwd", "password changed");
  },
};

const rename: Command = {
  name: "rename",
  usage: "<newname> [password]",
  summary: "change your user name (your password is asked again)",
  formatHint: "a user name is one word",
  access: "user",
  async run({ chat, session, user }, [name, password]) {
    const problem = chat.renames.problem(user, name!);
    if (problem) return problem;
    if (password === undefined || password === "") {
      if (session.mode === "json") return fail("BAD_FORMAT", "usage: rename <newname> <password>");
      session.reply("rename", `your password, to become ${name} (typing is hidden):`);
      session.expectPassword("rename", [name!]);
      return;
    }
    const confirmed = await chat.logins.confirmPassword(session, user, password);
    if (isError(confirmed)) return confirmed;
    if (!confirmed) return fail("LOGIN_FAILED", "that is not your password; you were not renamed");
    if (session.closed) return;
    const done = await chat.renames.perform(user, name!);
    if (isError(done)) return done;
    chat.renamed(user, done.old, done.name);
    session.reply(
      "rename",
      `you are now known as ${done.name}; nobody else may take ${done.old} for ` +
        `${chat.config.renameHoldDays} days`,
      { old: done.old, user: done.name },
    );
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
    if (!session.setMode(wanted)) {
      return fail("BAD_FORMAT", `this connection speaks ${session.mode} only`);
    }
    session.reply("mode", `mode ${wanted}`, { mode: wanted });
  },
};

/** The width of `help`'s usage column. */
const HELP_USAGE_WIDTH = 28;

const help: Command = {
  name: "help",
  usage: "[command]",
  summary: "list the commands, or explain one",
  access: "anyone",
  cost: 0.25,
  run({ chat, session }, [name]) {
    const table = chat.commands;
    // Administrators' commands are listed to administrators only.
    const admin = session.user !== null && chat.directory.isAdmin(session.user.name);
    const specs = table.specs.filter((spec) => admin || spec.access !== "admin");
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
    const lines = specs.flatMap((spec) => {
      const usage = table.usageOf(spec);
      const summary = spec.summary +
        (spec.aliases?.length ? ` (also: ${spec.aliases.join(", ")})` : "");
      // A usage wider than the column gets its own line, so the summaries stay in one column.
      return usage.length > HELP_USAGE_WIDTH
        ? [`  ${usage}`, `  ${"".padEnd(HELP_USAGE_WIDTH)} ${summary}`]
        : [`  ${usage.padEnd(HELP_USAGE_WIDTH)} ${summary}`];
    });
    session.reply(
      "help",
      ["commands (a line that is no command speaks in your current room):", ...lines].join("\n"),
      specs.map((spec) => ({
        name: spec.name,
        aliases: spec.aliases ?? [],
        usage: table.usageOf(spec),
        summary: spec.summary,
      })),
    );
  },
};

/** The account and connection commands. */
export const ACCOUNT_COMMANDS: Command[] = [login, register, passwd, rename, logout, mode, help];
