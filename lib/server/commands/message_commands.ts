/**
 * Commands that carry messages beyond a room: tell, shout, offline.
 *
 * @module
 */

import { fail } from "../command_table.ts";
import { dateTime, EncodedEvent } from "../../shared/protocol.ts";
import { sanitizeText } from "../../shared/sanitize.ts";
import { blocks, type Command, findAccount, isError } from "./context.ts";

const tell: Command = {
  name: "tell",
  aliases: ["msg", "message"],
  usage: "<user> <message...>",
  summary: "a private message; kept for a user who is offline",
  access: "user",
  run({ chat, session, user, now }, [name, message]) {
    const account = findAccount(chat, name!);
    if (isError(account)) return account;
    const text = sanitizeText(message!);
    if (text === "") return fail("BAD_FORMAT", "usage: tell <user> <message>");
    if (blocks(chat, account.name, user.key)) {
      return fail("BLOCKED", `${account.name} is not accepting messages from you`);
    }
    const target = chat.users.get(account.name.toLowerCase());
    // A user in the grace period after a lost connection gets it in the mailbox: lines held for
    // a resume are gone if they never come back, the mailbox is durable (and shown on resume).
    if (target?.online) {
      target.deliver(
        new EncodedEvent({ type: "private", from: user.name, to: account.name, text, time: now }),
        chat.config.sendq,
      );
      session.reply("tell", `to ${account.name}: ${text}`, {
        to: account.name,
        text,
        offline: false,
      });
      return;
    }
    if (!chat.store.addOffline(account.name, user.name, text, now)) {
      return fail("USER_OFFLINE", `${account.name} is not online and their mailbox is full`);
    }
    session.reply(
      "tell",
      `${account.name} is not online; your message will be delivered when they log in`,
      { to: account.name, text, offline: true },
    );
  },
};

const shout: Command = {
  name: "shout",
  aliases: ["broadcast"],
  usage: "<message...>",
  summary: "a message to everyone online",
  access: "user",
  run({ chat, session, user, now }, [message]) {
    const text = sanitizeText(message!);
    if (text === "") return fail("BAD_FORMAT", "usage: shout <message>");
    const event = new EncodedEvent({ type: "broadcast", from: user.name, text, time: now });
    // Counted whether or not they block the sender: a sender is never told of a block.
    let reached = 0;
    for (const other of chat.users.values()) {
      if (other === user) continue;
      reached++;
      if (!other.blocks(user.key)) other.deliver(event, chat.config.sendq);
    }
    session.reply("shout", `shouted to ${reached} user${reached === 1 ? "" : "s"}`, { reached });
  },
};

const offline: Command = {
  name: "offline",
  usage: "[clear]",
  summary: "messages kept for you while you were away (offline clear removes them)",
  access: "user",
  cost: 0.5,
  run({ chat, session, user }, [clear]) {
    if (clear !== undefined) {
      if (clear.toLowerCase() !== "clear") return fail("BAD_FORMAT", "usage: offline [clear]");
      const removed = chat.store.clearOffline(user.name);
      session.reply("offline", `removed ${removed} offline message${removed === 1 ? "" : "s"}`, {
        removed,
      });
      return;
    }
    const mail = chat.store.offlineFor(user.name).filter((m) => !user.blocks(m.from.toLowerCase()));
    const lines = mail.map((m) => `  ${m.from} at ${dateTime(m.time)}: ${m.text}`);
    session.reply(
      "offline",
      [
        `${mail.length} offline message${mail.length === 1 ? "" : "s"}` + (mail.length ? ":" : ""),
        ...lines,
      ]
        .join("\n"),
      mail.map((m) => ({ from: m.from, text: m.text, time: m.time.toISOString() })),
    );
  },
};

/** The message commands. */
export const MESSAGE_COMMANDS: Command[] = [tell, shout, offline];
