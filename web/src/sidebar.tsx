/**
 * The side list: the server's window, the rooms (the current one highlighted, unread counts on
 * the others), the private conversations; and the user's own controls below.
 *
 * @module
 */

import type { Conversation } from "./model.ts";

function Entry(
  { c, active, onSelect }: { c: Conversation; active: boolean; onSelect: () => void },
) {
  const prefix = c.kind === "room" ? "#" : c.kind === "private" ? "@" : "*";
  const state = c.kind === "room" && !c.joined ? (c.closed ? " (closed)" : " (left)") : "";
  const count = c.unread > 0
    ? `, ${c.unread} unread${c.mentions ? `, ${c.mentions} for you` : ""}`
    : "";
  return (
    <li>
      <button
        type="button"
        class={`conversation kind-${c.kind}${active ? " active" : ""}${
          c.mentions ? " has-mention" : ""
        }${state ? " inactive" : ""}`}
        aria-current={active ? "page" : undefined}
        aria-label={`${
          c.kind === "private" ? "private conversation with " : ""
        }${c.name}${state}${count}`}
        data-key={c.key}
        onClick={onSelect}
      >
        <span class="conversation-name">
          <span class="prefix" aria-hidden="true">{prefix}</span>
          {c.name}
          {state && <span class="state">{state}</span>}
        </span>
        {c.unread > 0 && <span class="unread" aria-hidden="true">{c.unread}</span>}
      </button>
    </li>
  );
}

export function Sidebar(
  { list, activeKey, onSelect, onRooms, children, open }: {
    list: Conversation[];
    activeKey: string;
    onSelect: (key: string) => void;
    onRooms?: () => void;
    children?: preact.ComponentChildren;
    open: boolean;
  },
) {
  const rooms = list.filter((c) => c.kind === "room");
  const privates = list.filter((c) => c.kind === "private");
  const server = list.filter((c) => c.kind === "server");
  const entries = (of: Conversation[]) =>
    of.map((c) => (
      <Entry
        key={c.key}
        c={c}
        active={c.key === activeKey}
        onSelect={() => onSelect(c.key)}
      />
    ));
  return (
    <nav id="sidebar" class={`sidebar${open ? " open" : ""}`} aria-label="Conversations">
      <ul class="conversations">
        {entries(server)}
      </ul>
      <h2 class="section">Rooms</h2>
      <ul class="conversations" aria-label="Rooms">
        {entries(rooms)}
      </ul>
      {onRooms && (
        <button type="button" class="add-room" onClick={onRooms}>+ Join or open a room</button>
      )}
      <h2 class="section">Private</h2>
      <ul class="conversations" aria-label="Private conversations">
        {entries(privates)}
        {privates.length === 0 && <li class="hint">Choose a name to write to them.</li>}
      </ul>
      <div class="me-box">{children}</div>
    </nav>
  );
}
