/**
 * The page: the login form until someone is logged in, then the chat.
 *
 * @module
 */

import type { WebClient } from "./client.ts";
import { ChatView } from "./chat_view.tsx";
import { LoginView } from "./login_view.tsx";
import { useClient } from "./use_client.ts";

export function App({ client }: { client: WebClient }) {
  useClient(client);
  return client.loggedIn ? <ChatView client={client} /> : <LoginView client={client} />;
}
