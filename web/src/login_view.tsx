/**
 * The login form: a real form with `username` and `current-password` fields so password
 * managers fill and save it; a guest button; what went wrong in plain words.
 *
 * @module
 */

import type { Ref } from "preact";
import { useRef } from "preact/hooks";
import type { LoginMessage, WebClient } from "./client.ts";
import { StatusBanner } from "./status_banner.tsx";

/** The login failure in plain words. */
export function loginFailureText(code: string | undefined, text: string): string {
  switch (code) {
    case "LOGIN_FAILED":
      return "Wrong user name or password.";
    case "LOCKED_OUT":
      return `Too many wrong passwords: this account is locked for now (${text}).`;
    case "RATE_LIMITED":
      return `Too many failed attempts from this address (${text}).`;
    case "BAD_FORMAT":
      return `That cannot be a user name and password (${text}).`;
    case undefined:
      return text.charAt(0).toUpperCase() + text.slice(1);
    default:
      return text;
  }
}

/** What the form shows under its button: the last failure in plain words, or nothing. */
export function failureText(message: LoginMessage | undefined): string {
  return message && !message.ok ? loginFailureText(message.code, message.text) : "";
}

/** The user name field of the login and registration forms (`username`, for password managers). */
export function UserNameInput(
  { id, inputRef, pattern, describedBy }: {
    id: string;
    inputRef: Ref<HTMLInputElement>;
    pattern: string;
    describedBy?: string;
  },
) {
  return (
    <input
      id={id}
      ref={inputRef}
      name="username"
      autocomplete="username"
      autocapitalize="none"
      spellcheck={false}
      required
      maxLength={32}
      pattern={pattern}
      aria-describedby={describedBy}
    />
  );
}

export function LoginView({ client }: { client: WebClient }) {
  const user = useRef<HTMLInputElement>(null);
  const password = useRef<HTMLInputElement>(null);
  const status = client.machine.status;
  const ready = status.phase === "open";
  const message = client.loginMessage;
  const submit = (event: Event) => {
    event.preventDefault();
    const name = user.current?.value.trim() ?? "";
    const pw = password.current?.value ?? "";
    if (!name || !pw) return;
    client.login(name, pw);
  };
  return (
    <main class="login-page">
      <h1 class="brand">parley</h1>
      <StatusBanner status={status} onRetry={() => client.retry()} />
      <form class="login-form" onSubmit={submit} aria-labelledby="login-heading">
        <h2 id="login-heading">Log in</h2>
        <label for="login-user">User name</label>
        <UserNameInput id="login-user" inputRef={user} pattern="[A-Za-z0-9_\-]{1,32}" />
        <label for="login-password">Password</label>
        <input
          id="login-password"
          ref={password}
          name="password"
          type="password"
          autocomplete="current-password"
          required
        />
        <button type="submit" class="primary" disabled={!ready}>Log in</button>
        <p class="login-message" role="alert" aria-live="assertive">
          {failureText(message)}
        </p>
        <p class="guest-line">
          No account yet?{" "}
          <button
            type="button"
            class="link-button"
            disabled={!ready}
            onClick={() => client.loginAsGuest()}
          >
            Enter as a guest
          </button>{" "}
          and register one.
        </p>
      </form>
    </main>
  );
}
