import { app } from "./app";

export { OriginRegistry } from "../durable-objects/origin-registry";
export { RegionStats } from "../durable-objects/region-stats";
export { Tenant } from "../durable-objects/tenant";

export default app satisfies ExportedHandler<Env>;
