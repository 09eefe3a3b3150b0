import type { FC } from "hono/jsx";
import { raw } from "hono/html";
import { Shell } from "./Shell";

// A link may carry the token in the fragment (`/admin/dashboard/sign-in#token=…`):
// browsers never send fragments, so it reaches no request log. The script
// moves it into the form, wipes it from the address bar and history, and posts.
const fragmentScript = `(() => {
  const match = /^#token=(.+)$/.exec(location.hash);
  if (!match) return;
  history.replaceState(null, "", location.pathname);
  const form = document.getElementById("sign-in");
  try { form.elements.token.value = decodeURIComponent(match[1]); } catch { return; }
  form.submit();
})();`;

/** The sign-in form: the token travels in a POST body, never in a URL. */
const SignIn: FC = () => (
  <Shell title="sign in">
    <p class="meta">operator dashboard · sign in with an admin token</p>
    <form id="sign-in" method="post" action="/admin/dashboard/sign-in">
      <input type="password" name="token" autocomplete="current-password" required aria-label="admin token" />
      <button type="submit">Sign in</button>
    </form>
    <script>{raw(fragmentScript)}</script>
  </Shell>
);

export const signInPage = () => `<!doctype html>${<SignIn />}`;
