/**
 * The chat: the side list, the conversation shown with its header and input line, the member
 * list, the user menu, the rooms panel; at phone width the side list and the member list fold
 * away behind buttons in the header.
 *
 * @module
 */

import { useState } from "preact/hooks";
import type { WebClient } from "./client.ts";
import { InputLine } from "./input_line.tsx";
import { MemberList } from "./member_list.tsx";
import { MessageList } from "./message_list.tsx";
import { notificationsSupported } from "./notify.ts";
import { RegisterPanel } from "./register_panel.tsx";
import { RoomsPanel } from "./rooms_panel.tsx";
import { Sidebar } from "./sidebar.tsx";
import { StatusBanner } from "./status_banner.tsx";
import { type UserAction, UserMenu } from "./user_menu.tsx";

interface MenuState {
  name: string;
  anchor: HTMLElement;
}

export function ChatView({ client }: { client: WebClient }) {
  const model = client.model;
  const active = model.active;
  const [sideOpen, setSideOpen] = useState(false);
  const [membersOpen, setMembersOpen] = useState(false);
  const [roomsOpen, setRoomsOpen] = useState(false);
  const [menu, setMenu] = useState<MenuState | undefined>(undefined);
  const [infoOpen, setInfoOpen] = useState(false);
  const status = client.machine.status;
  const guest = model.guest;
  const isRoom = active.kind === "room";
  const members = isRoom ? model.membersOf(active.name) : [];
  const unreadElsewhere = model.list().reduce(
    (n, c) => n + (c.key === active.key ? 0 : c.unread),
    0,
  );

  const onName = (name: string, anchor: HTMLElement) => setMenu({ name, anchor });
  const onAction = (name: string, action: UserAction) => {
    if (action === "message") client.openPrivate(name);
    else client.command(`${action} ${name}`);
  };
  const select = (key: string) => {
    client.select(key);
    setSideOpen(false);
  };
  const title = active.kind === "room"
    ? `#${active.name}`
    : active.kind === "private"
    ? `@${active.name}`
    : "server";
  const inputLabel = active.kind === "room"
    ? `Message #${active.name}`
    : active.kind === "private"
    ? `Message ${active.name} privately`
    : "Type a command, like /join lobby";

  return (
    <div class={`chat${sideOpen ? " side-open" : ""}`}>
      <a class="skip-link" href="#message-input">Skip to the message box</a>
      <Sidebar
        list={model.list()}
        activeKey={active.key}
        onSelect={select}
        onRooms={guest ? undefined : () => {
          setRoomsOpen(true);
          setSideOpen(false);
        }}
        open={sideOpen}
      >
        <p class="me">
          {guest ? "Guest" : "Logged in as "}
          {!guest && <strong>{model.me}</strong>}
        </p>
        {!guest && (
          <button type="button" class="link-button" onClick={() => setInfoOpen(!infoOpen)}>
            My info text
          </button>
        )}
        {infoOpen && (
          <form
            class="info-form"
            onSubmit={(e) => {
              e.preventDefault();
              const field = (e.currentTarget as HTMLFormElement).elements.namedItem(
                "info",
              ) as HTMLInputElement;
              client.command(field.value.trim() ? `info ${field.value.trim()}` : "info");
              setInfoOpen(false);
            }}
          >
            <label for="info-text">Info text (empty: show it)</label>
            <input id="info-text" name="info" maxLength={200} />
            <button type="submit">Save</button>
          </form>
        )}
        {notificationsSupported() && client.notifier.permission === "default" && (
          <button
            type="button"
            class="link-button"
            onClick={() => void client.notifier.ask()}
          >
            Notify me of mentions
          </button>
        )}
        <button type="button" class="link-button" onClick={() => client.command("who")}>
          Who is online?
        </button>
        <button type="button" class="logout" onClick={() => client.logout()}>Log out</button>
      </Sidebar>
      {sideOpen && <div class="scrim" aria-hidden="true" onClick={() => setSideOpen(false)} />}
      <main class="main" aria-label={title}>
        <header class="topbar">
          <button
            type="button"
            class="icon-button menu-toggle"
            aria-controls="sidebar"
            aria-expanded={sideOpen}
            aria-label={`Conversations${unreadElsewhere ? `, ${unreadElsewhere} unread` : ""}`}
            onClick={() => setSideOpen(!sideOpen)}
          >
            ☰{unreadElsewhere > 0 && (
              <span class="unread" aria-hidden="true">{unreadElsewhere}</span>
            )}
          </button>
          <h1 class="title">{title}</h1>
          {active.kind === "room" && active.closed && <span class="closed-tag">closed</span>}
          <div class="actions">
            {isRoom && active.joined && (
              <button
                type="button"
                onClick={() => client.command(`leave ${active.name}`)}
              >
                Leave
              </button>
            )}
            {active.kind === "private" && (
              <button
                type="button"
                onClick={() => client.command(`status ${active.name}`)}
              >
                Status
              </button>
            )}
            {(active.kind === "private" || (isRoom && !active.joined)) && (
              <button
                type="button"
                onClick={() => client.closeConversation(active.key)}
              >
                Close
              </button>
            )}
            {isRoom && active.joined && (
              <button
                type="button"
                class="members-toggle"
                aria-controls="members"
                aria-expanded={membersOpen}
                onClick={() => setMembersOpen(!membersOpen)}
              >
                Members ({members.length})
              </button>
            )}
          </div>
        </header>
        <StatusBanner status={status} onRetry={() => client.retry()} />
        {active.kind === "room" && active.closed && (
          <p class="closed-banner" role="note">
            {active.closed}.{" "}
            <button
              type="button"
              class="link-button"
              onClick={() => client.closeConversation(active.key)}
            >
              Close it
            </button>
          </p>
        )}
        {roomsOpen && (
          <RoomsPanel
            rooms={model.rooms}
            onCommand={(line) => client.command(line)}
            onRefresh={() => client.command("rooms")}
            onClose={() => setRoomsOpen(false)}
          />
        )}
        {guest && (
          <RegisterPanel
            message={client.loginMessage}
            onRegister={(user, password) => client.register(user, password)}
          />
        )}
        <MessageList
          conversation={active}
          isBlocked={(name) => model.isBlocked(name)}
          onName={onName}
        />
        <InputLine
          label={inputLabel}
          focusKey={active.key}
          names={() => [
            ...members.map((m) => m.name),
            ...model.names.values(),
          ]}
          onSend={(line) => client.typed(line)}
        />
      </main>
      {isRoom && active.joined && (
        <MemberList
          room={active.name}
          members={members}
          me={model.me}
          open={membersOpen}
          onName={onName}
          onWho={() => client.command("who")}
        />
      )}
      {menu && (
        <UserMenu
          name={menu.name}
          anchor={menu.anchor}
          self={menu.name.toLowerCase() === model.me.toLowerCase()}
          blocked={model.isBlocked(menu.name)}
          onAction={(action) => onAction(menu.name, action)}
          onClose={() => setMenu(undefined)}
        />
      )}
    </div>
  );
}
