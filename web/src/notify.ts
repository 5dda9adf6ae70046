/**
 * Telling a user about a mention or a private message while the page is hidden: a count in the
 * tab's title (`(2) parley`) and, when the user allowed it, a browser notification. Permission is
 * asked only when the user presses the button that asks for it, never on its own.
 *
 * @module
 */

import type { Alert } from "./model.ts";
import { titleWithCount } from "./title.ts";

/** Whether this browser can show notifications at all. */
export function notificationsSupported(): boolean {
  return typeof Notification !== "undefined";
}

/** Counts alerts while the page is hidden and shows notifications when allowed. */
export class Notifier {
  #count = 0;
  readonly #base: string;
  readonly #onChange: () => void;
  /** Opens the conversation an alert is about (when its notification is clicked). */
  onOpen: (key: string) => void = () => {};

  constructor(base: string, onChange: () => void) {
    this.#base = base;
    this.#onChange = onChange;
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden) this.#setCount(0);
    });
  }

  /** `granted`, `denied`, `default`, or `unsupported`. */
  get permission(): NotificationPermission | "unsupported" {
    return notificationsSupported() ? Notification.permission : "unsupported";
  }

  /** Asks for permission; call only from a user's click. */
  async ask(): Promise<void> {
    if (!notificationsSupported()) return;
    await Notification.requestPermission();
    this.#onChange();
  }

  /** An alert arrived: counted and notified when the page is hidden. */
  alert(alert: Alert): void {
    if (!document.hidden) return;
    this.#setCount(this.#count + 1);
    if (this.permission !== "granted") return;
    try {
      const notification = new Notification(alert.title, { body: alert.body, tag: alert.key });
      notification.onclick = () => {
        globalThis.focus();
        this.onOpen(alert.key);
        notification.close();
      };
    } catch {
      // some browsers allow notifications only from a service worker: the title count remains
    }
  }

  #setCount(count: number): void {
    this.#count = count;
    document.title = titleWithCount(this.#base, count);
  }
}
