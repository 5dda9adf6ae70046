/**
 * Commands about who is here: who, whoelse, wholasthr, status, ping, info.
 *
 * @module
 */

import type { Chat } from "../chat.ts";
import { isError } from "../command_table.ts";
import { clockTime, dateTime } from "../../shared/protocol.ts";
import { sanitizeText } from "../../shared/sanitize.ts";
import type { Session } from "../session.ts";
import type { User } from "../user.ts";
import type { Command } from "./context.ts";
import { counted, listText } from "../name_list.ts";

interface WhoEntry {
  user: string;
  rooms: string[];
  current: string | null;
  online: boolean;
}

function whoEntry(user: User): WhoEntry {
  return {
    user: user.name,
    rooms: user.roomNames(),
    current: user.current?.name ?? null,
    online: user.online,
  };
}

function whoLine(entry: WhoEntry): string {
  const where = entry.rooms.length ? `in ${entry.rooms.join(", ")}` : "(in no room)";
  return `${entry.user} ${where}${entry.online ? "" : " (reconnecting)"}`;
}

/** Replies with the users online (but `except`): a sentence per user, and the list as data. */
function listUsers(chat: Chat, session: Session, command: string, except?: User): void {
  const entries = [...chat.directory.everyone()].filter((u) => u !== except).map(whoEntry);
  const heading = `${counted(entries.length, "user")} online` + (except ? " besides you" : "");
  session.reply(command, listText(heading, entries.map(whoLine)), entries);
}

const who: Command = {
  name: "who",
  usage: "",
  summary: "everyone online and the rooms they are in",
  access: "guest",
  cost: 0.5,
  run({ chat, session }) {
    listUsers(chat, session, "who");
  },
};

const whoelse: Command = {
  name: "whoelse",
  usage: "",
  summary: "everyone online but you",
  access: "user",
  cost: 0.5,
  run({ chat, session, user }) {
    listUsers(chat, session, "whoelse", user);
  },
};

const wholasthr: Command = {
  name: "wholasthr",
  usage: "",
  summary: "users who logged in within the last hour",
  access: "user",
  cost: 0.5,
  run({ chat, session, now }) {
    const logins = chat.directory.loginsSince(new Date(now.getTime() - 3600_000));
    const data = logins.map((login) => ({ user: login.user, time: login.time.toISOString() }));
    const text = listText(
      `${counted(logins.length, "user")} logged in within the last hour`,
      logins.map((login) => `${login.user} at ${clockTime(login.time)}`),
    );
    session.reply("wholasthr", text, data);
  },
};

const status: Command = {
  name: "status",
  usage: "[user]",
  summary: "a user's presence, rooms, info and last login (yours by default)",
  access: "user",
  cost: 0.5,
  run({ chat, session, user }, [name]) {
    const presence = chat.directory.presence(name ?? user.name);
    const became = isError(presence) && name !== undefined ? chat.renames.became(name) : undefined;
    if (became !== undefined) {
      session.reply("status", `${name} is now known as ${became}`, {
        user: name,
        state: "renamed",
        renamedTo: became,
      });
      return;
    }
    if (isError(presence)) return presence;
    const { state, rooms, info, lastLogin } = presence;
    const parts = [`${presence.user}: ${state}`];
    if (rooms.length) parts.push(`in ${rooms.join(", ")}`);
    if (info) parts.push(`info: ${info}`);
    // For someone online, their last login is the one they are on now.
    if (!lastLogin) parts.push("never logged in");
    else if (state === "offline") parts.push(`last login ${dateTime(lastLogin)}`);
    else parts.push(`logged in since ${dateTime(lastLogin)}`);
    session.reply("status", parts.join("; "), {
      user: presence.user,
      online: state === "online",
      state,
      rooms,
      current: presence.current,
      info,
      lastLogin: lastLogin?.toISOString() ?? null,
    });
  },
};

const ping: Command = {
  name: "ping",
  usage: "<user>",
  summary: "is a user online, and have they blocked you",
  access: "user",
  cost: 0.5,
  run({ chat, session, user }, [name]) {
    const account = chat.directory.account(name!);
    if (isError(account)) return account;
    const online = chat.directory.present(account.name)?.online ?? false;
    const blocksYou = chat.directory.blocks(account.name, user.key);
    session.reply(
      "ping",
      `${account.name} is ${online ? "online" : "not online"}; ` +
        `${account.name} has ${blocksYou ? "" : "not "}blocked you`,
      { user: account.name, online, blocksYou },
    );
  },
};

const info: Command = {
  name: "info",
  activity: "args",
  usage: "[text...]",
  summary: 'show your info text, or set it (info "" clears it)',
  access: "user",
  cost: 0.5,
  run({ chat, session, user }, [text]) {
    if (text === undefined) {
      const current = chat.directory.info(user.name);
      session.reply("info", current ? `your info: ${current}` : "you have no info text", {
        info: current,
      });
      return;
    }
    // `info ""` clears it (a text of only spaces is no text, and shows the current one).
    const clean = text === '""' ? "" : sanitizeText(text);
    const tooLong = chat.directory.setInfo(user, clean);
    if (tooLong) return tooLong;
    session.reply("info", clean ? `your info is now: ${clean}` : "your info text is cleared", {
      info: clean,
    });
  },
};

/** The presence commands. */
export const PRESENCE_COMMANDS: Command[] = [who, whoelse, wholasthr, status, ping, info];
