import type { FC } from "hono/jsx";
import { raw } from "hono/html";
import { HeatMap } from "./HeatMap";
import { liveScript } from "./live";
import { styles } from "./styles";
import { TenantTable } from "./TenantTable";
import type { DashboardView } from "./view";

/** The live part of the page: what the refresh script swaps in. */
export const Live: FC<{ view: DashboardView }> = ({ view }) => (
  <main id="live" data-at={view.at}>
    <p class="meta">updated {new Date(view.at).toISOString()}</p>
    <HeatMap regions={view.regions} origins={view.origins} />
    <TenantTable tenants={view.tenants} />
  </main>
);

export const Page: FC<{ view: DashboardView }> = ({ view }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>Meridian · operator dashboard</title>
      <style>{raw(styles)}</style>
    </head>
    <body>
      <h1>Meridian</h1>
      <p class="meta">
        operator dashboard · <span id="status">live</span>
      </p>
      <Live view={view} />
      <script>{raw(liveScript)}</script>
    </body>
  </html>
);
