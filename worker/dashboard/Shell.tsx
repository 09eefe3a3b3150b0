import type { Child, FC } from "hono/jsx";
import { raw } from "hono/html";
import { styles } from "./styles";

/** The document every dashboard page shares: head, styles and the heading. */
export const Shell: FC<{ title: string; children?: Child }> = ({ title, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>Meridian · {title}</title>
      <style>{raw(styles)}</style>
    </head>
    <body>
      <h1>Meridian</h1>
      {children}
    </body>
  </html>
);
