/**
 * The core's messages beyond rooms: private messages (`tell`, kept in the mailbox for a user who
 * is offline), shouts to everyone online, and the mailbox itself.
 *
 * @module
 */

import { type CommandError, fail, isError } from "./command_table.ts";
import type { ServerConfig } from "./config.ts";
import type { Directory } from "./directory.ts";
import { type BroadcastEvent, EncodedEvent, type PrivateEvent } from "../shared/protocol.ts";
import { sanitizeText } from "../shared/sanitize.ts";
import { allowAll, type Screen } from "./speech.ts";
import type { OfflineMessage } from "./store.ts";
import type { User } from "./user.ts";

/**
 * @example
 * ```ts
 * import type { ServerConfig } from "./config.ts";
 * import type { Directory } from "./directory.ts";
 * import type { User } from "./user.ts";
 *
 * declare const config: ServerConfig;
 * declare const directory: Directory;
 * declare const alice: User;
 *
 * const messages = new Messaging(config, directory);
 * messages.tell(alice, "bob", "hi", new Date());
 * ```
 */
export class Messaging {
  /** Mutes and the word filter, checked before a message goes out (the chat sets moderation's). */
  screen: Screen = allowAll;

  /** `keep` gives a message its id and keeps it in history (the core's `History`). */
  constructor(
    readonly config: ServerConfig,
    readonly directory: Directory,
    readonly keep: <E extends PrivateEvent | BroadcastEvent>(event: E) => E = (event) => event,
  ) {}

  /**
   * A private message: delivered at once to a user online, else kept in their mailbox. Says
   * where it went, or why it could not be sent.
   */
  tell(
    from: User,
    to: string,
    message: string,
    now: Date,
  ): { to: string; text: string; offline: boolean; id?: string } | CommandError {
    const account = this.directory.account(to);
    if (isError(account)) return account;
    const screened = this.screen(from, message, { kind: "private", to: account.name });
    if (isError(screened)) return screened;
    const text = sanitizeText(screened);
    if (text === "") return fail("BAD_FORMAT", "usage: tell <user> <message>");
    if (this.directory.blocks(account.name, from.key)) {
      return fail("BLOCKED", `${account.name} is not accepting messages from you`);
    }
    const outgoing: PrivateEvent = {
      type: "private",
      from: from.name,
      to: account.name,
      text,
      time: now,
    };
    const target = this.directory.present(account.name);
    // A user in the grace period after a lost connection gets it in the mailbox: lines held for
    // a resume are gone if they never come back, the mailbox is durable (and shown on resume).
    if (target?.online) {
      const event = this.keep(outgoing);
      target.deliver(new EncodedEvent(event), this.config.sendq);
      return { to: account.name, text, offline: false, id: event.id };
    }
    if (this.directory.store.mailboxFull(account.name)) {
      return fail("USER_OFFLINE", `${account.name} is not online and their mailbox is full`);
    }
    // Kept with its history id, so a client that also reads the conversation shows it once.
    const kept = this.keep(outgoing);
    this.directory.store.addOffline(account.name, from.name, text, now, undefined, kept.id);
    return { to: account.name, text, offline: true, id: kept.id };
  }

  /** A message to everyone online but the sender; returns how many that is. */
  shout(from: User, message: string, now: Date): number | CommandError {
    const screened = this.screen(from, message, { kind: "shout" });
    if (isError(screened)) return screened;
    const text = sanitizeText(screened);
    if (text === "") return fail("BAD_FORMAT", "usage: shout <message>");
    const event = new EncodedEvent(
      this.keep<BroadcastEvent>({ type: "broadcast", from: from.name, text, time: now }),
    );
    // Counted whether or not they block the sender: a sender is never told of a block.
    let reached = 0;
    for (const other of this.directory.everyone()) {
      if (other === from) continue;
      reached++;
      if (!other.blocks(from.key)) other.deliver(event, this.config.sendq);
    }
    return reached;
  }

  /** The messages kept for `user`, less those from users they now block. */
  mailbox(user: User): OfflineMessage[] {
    return this.directory.store.offlineFor(user.name).filter((m) =>
      !user.blocks(m.from.toLowerCase())
    );
  }

  /** Empties `user`'s mailbox; returns how many were removed. */
  clearMailbox(user: User): number {
    return this.directory.store.clearOffline(user.name);
  }

  /** The messages not yet delivered to `user`, marked delivered (each is shown at one login). */
  deliverMailbox(user: User): OfflineMessage[] {
    return this.directory.store.deliverOffline(user.name);
  }
}
