import { app } from "./app";
import { useLineSender } from "../durable-objects/batch";
import { deliverQueuedUsage } from "./metering/report";
import { sendBatchLine } from "./routes/batch-line";

export { Batch } from "../durable-objects/batch";
export { EngineScraper } from "../durable-objects/engine-scraper";
export { OriginRegistry } from "../durable-objects/origin-registry";
export { RegionStats } from "../durable-objects/region-stats";
export { Tenant } from "../durable-objects/tenant";

// Batch lines go through the same request path as interactive calls.
useLineSender(sendBatchLine);

export default {
  fetch: app.fetch,
  // The usage queue (wrangler.toml): records metered here first reach the tenants' objects from it.
  queue: deliverQueuedUsage,
} satisfies ExportedHandler<Env>;
