/**
 * The members of the room shown, with each one's presence (online, or reconnecting: their
 * connection dropped and the server holds their place for a while). Each name opens the user menu.
 *
 * @module
 */

import { nameClass } from "./colour.ts";
import type { Member } from "./model.ts";

export function MemberList(
  { room, members, me, open, onName, onWho }: {
    room: string;
    members: Member[];
    me: string;
    open: boolean;
    onName: (name: string, anchor: HTMLElement) => void;
    onWho: () => void;
  },
) {
  return (
    <aside id="members" class={`members${open ? " open" : ""}`} aria-label={`Members of ${room}`}>
      <h2 class="section">
        {members.length} in {room}
      </h2>
      <ul class="member-list">
        {members.map((m) => (
          <li key={m.name} class={`member presence-${m.presence}`}>
            <span class="presence-dot" aria-hidden="true" />
            <button
              type="button"
              class={`nick ${nameClass(m.name)}`}
              aria-haspopup="menu"
              aria-label={`${m.name}${
                m.name.toLowerCase() === me.toLowerCase() ? " (you)" : ""
              }, ${m.presence}`}
              onClick={(e) => onName(m.name, e.currentTarget as HTMLElement)}
            >
              {m.name}
            </button>
            {m.presence !== "online" && <span class="presence-text">{m.presence}</span>}
          </li>
        ))}
      </ul>
      <button type="button" class="link-button" onClick={onWho}>Who is online?</button>
    </aside>
  );
}
