import type { FC } from "hono/jsx";
import { raw } from "hono/html";
import { styles } from "./styles";

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
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>Meridian · sign in</title>
      <style>{raw(styles)}</style>
    </head>
    <body>
      <h1>Meridian</h1>
      <p class="meta">operator dashboard · sign in with an admin token</p>
      <form id="sign-in" method="post" action="/admin/dashboard/sign-in">
        <input type="password" name="token" autocomplete="current-password" required aria-label="admin token" />
        <button type="submit">Sign in</button>
      </form>
      <script>{raw(fragmentScript)}</script>
    </body>
  </html>
);

export const signInPage = () => `<!doctype html>${<SignIn />}`;
