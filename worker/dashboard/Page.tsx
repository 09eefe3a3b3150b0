import type { FC } from "hono/jsx";
import { raw } from "hono/html";
import { BatchTable } from "./BatchTable";
import { EngineLoadTable } from "./EngineLoadTable";
import { HeatMap } from "./HeatMap";
import { liveScript } from "./live";
import { Shell } from "./Shell";
import { TenantTable } from "./TenantTable";
import { TrafficTable } from "./TrafficTable";
import type { DashboardView } from "./view";

/** The live part of the page: what the refresh script swaps in. */
export const Live: FC<{ view: DashboardView }> = ({ view }) => (
  <main id="live" data-at={view.at}>
    <p class="meta">updated {new Date(view.at).toISOString()}</p>
    <HeatMap regions={view.regions} origins={view.origins} />
    <TrafficTable traffic={view.traffic} origins={view.origins.map((o) => o.id)} />
    <EngineLoadTable engines={view.engines} at={view.at} />
    <TenantTable tenants={view.tenants} />
    <BatchTable batches={view.batches} />
  </main>
);

export const Page: FC<{ view: DashboardView }> = ({ view }) => (
  <Shell title="operator dashboard">
    <p class="meta">
      operator dashboard · <span id="status">live</span>
    </p>
    <Live view={view} />
    <script>{raw(liveScript)}</script>
  </Shell>
);
