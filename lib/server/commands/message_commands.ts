/**
 * Commands that carry messages beyond a room: tell, shout, offline.
 *
 * @module
 */

import { fail, isError } from "../command_table.ts";
import { dateTime } from "../../shared/protocol.ts";
import type { Command } from "./context.ts";
import { sendToGroup } from "./group_commands.ts";
import { counted, listText } from "../name_list.ts";

const tell: Command = {
  name: "tell",
  activity: "name",
  aliases: ["msg", "message"],
  usage: "<user> <message...>",
  summary: "a private message; kept for a user who is offline",
  access: "user",
  run(context, [name, message]) {
    const { chat, session, user, now } = context;
    // The seed's `message group <name> <text...>`, unless "group" is someone's name and the
    // sender has no such group.
    const groupMessage = /^(\S+)\s+([\s\S]+)$/.exec(message!);
    if (
      name!.toLowerCase() === "group" && groupMessage &&
      (!chat.directory.accounts.has("group") ||
        !isError(chat.groups.resolve(user, groupMessage[1]!)))
    ) {
      return sendToGroup(context, groupMessage[1]!, groupMessage[2]!);
    }
    const sent = chat.messages.tell(user, name!, message!, now);
    if (isError(sent)) return sent;
    session.reply(
      "tell",
      sent.offline
        ? `${sent.to} is not online; your message will be delivered when they log in`
        : `to ${sent.to}: ${sent.text}`,
      sent,
    );
  },
};

const shout: Command = {
  name: "shout",
  activity: "args",
  aliases: ["broadcast"],
  usage: "<message...>",
  summary: "a message to everyone online",
  access: "user",
  run({ chat, session, user, now }, [message]) {
    const reached = chat.messages.shout(user, message!, now);
    if (isError(reached)) return reached;
    session.reply("shout", `shouted to ${counted(reached, "user")}`, { reached });
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
      const removed = chat.messages.clearMailbox(user);
      session.reply("offline", `removed ${counted(removed, "offline message")}`, {
        removed,
      });
      return;
    }
    const mail = chat.messages.mailbox(user);
    session.reply(
      "offline",
      listText(
        counted(mail.length, "offline message"),
        mail.map((m) => `${m.from} at ${dateTime(m.time)}: ${m.text}`),
      ),
      mail.map((m) => ({ from: m.from, text: m.text, time: m.time.toISOString() })),
    );
  },
};

/** The message commands. */
export const MESSAGE_COMMANDS: Command[] = [tell, shout, offline];
