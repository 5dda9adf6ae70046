/**
 * Administrators' commands (seed 004): users, bans, mutes, reports, modlog, announce, close.
 * `rooms all` is in room_commands.ts; kick, ban, mute and the rest in moderation_commands.ts.
 *
 * @module
 */

import { fail, isError } from "../command_table.ts";
import { untilText } from "../moderation.ts";
import { dateTime } from "../../shared/protocol.ts";
import { sanitizeText } from "../../shared/sanitize.ts";
import type { Command } from "./context.ts";
import { counted, listText } from "../name_list.ts";

const users: Command = {
  name: "users",
  usage: "",
  summary: "every account: role, online, last login, banned or muted",
  access: "admin",
  cost: 0.5,
  run({ chat, session }) {
    const entries = chat.directory.accounts.list().map((account) => {
      const present = chat.directory.present(account.name);
      const lastLogin = chat.directory.store.lastLogin(account.name);
      const ban = chat.moderation.banFor(account.name, "");
      const mute = chat.moderation.muteFor(account.name);
      return {
        user: account.name,
        role: account.role,
        state: present ? (present.online ? "online" : "reconnecting") : "offline",
        lastLogin: lastLogin?.toISOString() ?? null,
        banned: ban ? (ban.until?.toISOString() ?? "until lifted") : null,
        muted: mute ? (mute.until?.toISOString() ?? "until lifted") : null,
        lines: [
          `${account.name} (${account.role}) ${present ? "online" : "offline"}`,
          lastLogin ? `last login ${dateTime(lastLogin)}` : "never logged in",
          ban ? `banned ${untilText(ban.until)}` : "",
          mute ? `muted ${untilText(mute.until)}` : "",
        ].filter(Boolean).join(", "),
      };
    });
    session.reply(
      "users",
      listText(counted(entries.length, "account"), entries.map((entry) => entry.lines)),
      entries.map(({ lines: _lines, ...entry }) => entry),
    );
  },
};

const bans: Command = {
  name: "bans",
  usage: "",
  summary: "the bans in force",
  access: "admin",
  cost: 0.5,
  run({ chat, session }) {
    const list = chat.moderation.bans();
    session.reply(
      "bans",
      listText(
        counted(list.length, "ban"),
        list.map((ban) =>
          `${ban.target} ${untilText(ban.until)} by ${ban.by}${ban.reason ? `: ${ban.reason}` : ""}`
        ),
      ),
      list.map((ban) => ({ ...ban, until: ban.until?.toISOString() ?? null })),
    );
  },
};

const mutes: Command = {
  name: "mutes",
  usage: "",
  summary: "the mutes in force",
  access: "admin",
  cost: 0.5,
  run({ chat, session }) {
    const list = chat.moderation.mutes();
    session.reply(
      "mutes",
      listText(
        counted(list.length, "mute"),
        list.map((mute) =>
          `${mute.user}${mute.room ? ` in ${mute.room}` : ""} ${untilText(mute.until)} by ` +
          `${mute.by}${mute.reason ? `: ${mute.reason}` : ""}`
        ),
      ),
      list.map((mute) => ({ ...mute, until: mute.until?.toISOString() ?? null })),
    );
  },
};

const reports: Command = {
  name: "reports",
  usage: "",
  summary: "the open reports (report close <id> closes one)",
  access: "admin",
  cost: 0.5,
  run({ chat, session }) {
    const list = chat.moderation.openReports();
    session.reply(
      "reports",
      listText(
        counted(list.length, "open report"),
        list.flatMap((r) => [
          `#${r.id} ${dateTime(r.time)} ${r.reporter} reports ${r.reported}: ${r.reason}`,
          ...r.lines.map((line) => `    ${r.reported} said at ${line}`),
        ]),
      ),
      list.map((r) => ({ ...r, time: r.time.toISOString() })),
    );
  },
};

/** The most `modlog` shows at once. */
const MAX_MODLOG = 200;

const modlog: Command = {
  name: "modlog",
  usage: "[count]",
  summary: `the latest moderation actions (default 20, at most ${MAX_MODLOG})`,
  access: "admin",
  cost: 0.5,
  run({ chat, session }, [count]) {
    if (count !== undefined && !/^\d{1,4}$/.test(count)) {
      return fail("BAD_FORMAT", `usage: modlog [count], a count from 1 to ${MAX_MODLOG}`);
    }
    const n = count === undefined ? 20 : Number(count);
    if (n < 1 || n > MAX_MODLOG) return fail("BAD_FORMAT", `a count is 1 to ${MAX_MODLOG}`);
    const entries = chat.moderation.modlog(n);
    session.reply(
      "modlog",
      listText(
        counted(entries.length, "action"),
        entries.map((e) =>
          `${dateTime(e.time)} ${e.actor} ${e.action} ${e.target}${e.detail ? `: ${e.detail}` : ""}`
        ),
      ),
      entries.map((e) => ({ ...e, time: e.time.toISOString() })),
    );
  },
};

const announce: Command = {
  name: "announce",
  usage: "<message...>",
  summary: "a notice from the server (*) to everyone online",
  access: "admin",
  run({ chat, session, user }, [message]) {
    const text = sanitizeText(message!);
    if (text === "") return fail("BAD_FORMAT", "usage: announce <message...>");
    const reached = chat.announce(text);
    chat.moderation.record(user.name, "announce", "*", text);
    session.reply("announce", `announced to ${counted(reached, "session")}`, {
      reached,
    });
  },
};

const close: Command = {
  name: "close",
  usage: "<room...>",
  summary: "close a room; its members are told and put out of it",
  access: "admin",
  run({ chat, session, user }, [ref]) {
    const room = chat.rooms.find(ref!);
    if (isError(room)) return room;
    if (room.permanent) return fail("FORBIDDEN", `${room.name} is permanent and cannot be closed`);
    chat.rooms.close(room, `closed by ${user.name}`);
    chat.moderation.record(user.name, "close", room.name);
    session.reply("close", `closed ${room.name}`, { room: room.name });
  },
};

/** The administrators' commands. */
export const ADMIN_COMMANDS: Command[] = [users, bans, mutes, reports, modlog, announce, close];
