/**
 * The menu on a user's name: message them, ask their status, ping them, block or unblock them.
 * A real menu for keyboard and screen-reader users: focus moves into it, arrows move between its
 * items, Escape closes it and gives the focus back.
 *
 * @module
 */

import { useEffect, useRef } from "preact/hooks";

/** What the menu can do. */
export type UserAction = "message" | "status" | "ping" | "block" | "unblock";

export function UserMenu(
  { name, anchor, blocked, self, onAction, onClose }: {
    name: string;
    anchor: HTMLElement;
    blocked: boolean;
    self: boolean;
    onAction: (action: UserAction) => void;
    onClose: () => void;
  },
) {
  const menu = useRef<HTMLDivElement>(null);
  useEffect(() => {
    menu.current?.querySelector<HTMLElement>("[role=menuitem]")?.focus();
    const away = (event: MouseEvent) => {
      if (!menu.current?.contains(event.target as Node)) onClose();
    };
    document.addEventListener("mousedown", away);
    return () => document.removeEventListener("mousedown", away);
  }, [name, anchor]);
  const rect = anchor.getBoundingClientRect();
  const top = Math.min(rect.bottom + 4, globalThis.innerHeight - 220);
  const left = Math.min(rect.left, globalThis.innerWidth - 200);
  const close = () => {
    onClose();
    if (anchor.isConnected) anchor.focus();
  };
  const onKeyDown = (event: KeyboardEvent) => {
    const items = [...(menu.current?.querySelectorAll<HTMLElement>("[role=menuitem]") ?? [])];
    const at = items.indexOf(document.activeElement as HTMLElement);
    if (event.key === "Escape") {
      event.preventDefault();
      close();
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      items[(at + step + items.length) % items.length]?.focus();
    } else if (event.key === "Tab") {
      close();
    }
  };
  const item = (action: UserAction, text: string) => (
    <button
      type="button"
      role="menuitem"
      data-action={action}
      onClick={() => {
        onAction(action);
        close();
      }}
    >
      {text}
    </button>
  );
  return (
    <div
      class="user-menu"
      ref={menu}
      role="menu"
      aria-label={`Actions for ${name}`}
      style={{ top: `${Math.max(4, top)}px`, left: `${Math.max(4, left)}px` }}
      onKeyDown={onKeyDown}
    >
      <div class="user-menu-title" aria-hidden="true">{name}</div>
      {!self && item("message", "Send a private message")}
      {item("status", "Status and info")}
      {!self && item("ping", "Ping (online? blocked you?)")}
      {!self && (blocked ? item("unblock", "Unblock") : item("block", "Block"))}
    </div>
  );
}
