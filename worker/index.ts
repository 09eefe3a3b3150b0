import { app } from "./app";
import { deliverQueuedUsage } from "./metering/report";

export { EngineScraper } from "../durable-objects/engine-scraper";
export { OriginRegistry } from "../durable-objects/origin-registry";
export { RegionStats } from "../durable-objects/region-stats";
export { Tenant } from "../durable-objects/tenant";

export default {
  fetch: app.fetch,
  // The usage queue (wrangler.toml): records metered here first reach the tenants' objects from it.
  queue: deliverQueuedUsage,
} satisfies ExportedHandler<Env>;
