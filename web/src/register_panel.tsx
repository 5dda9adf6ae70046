/**
 * A guest's way to an account: user name and a new password (`new-password`, so a password
 * manager offers to make and save one); on success the page logs in with it.
 *
 * @module
 */

import { useRef } from "preact/hooks";
import type { LoginMessage } from "./client.ts";
import { failureText, UserNameInput } from "./login_view.tsx";

export function RegisterPanel(
  { message, onRegister }: {
    message: LoginMessage | undefined;
    onRegister: (user: string, password: string) => void;
  },
) {
  const user = useRef<HTMLInputElement>(null);
  const password = useRef<HTMLInputElement>(null);
  return (
    <form
      class="panel register-panel"
      aria-labelledby="register-heading"
      onSubmit={(e) => {
        e.preventDefault();
        const name = user.current?.value.trim() ?? "";
        const pw = password.current?.value ?? "";
        if (name && pw) onRegister(name, pw);
      }}
    >
      <h2 id="register-heading">Make an account</h2>
      <p>You are a guest: guests can see who is online. Register to chat.</p>
      <label for="register-user">User name</label>
      <UserNameInput
        id="register-user"
        inputRef={user}
        pattern="[A-Za-z][A-Za-z0-9_\-]{0,31}"
        describedBy="register-rules"
      />
      <span id="register-rules" class="hint">
        a letter, then up to 31 letters, digits, _ or -
      </span>
      <label for="register-password">Password</label>
      <input
        id="register-password"
        ref={password}
        name="new-password"
        type="password"
        autocomplete="new-password"
        required
        pattern="\S+"
      />
      <button type="submit" class="primary">Register and log in</button>
      <p class="login-message" role="alert">
        {failureText(message)}
      </p>
    </form>
  );
}
