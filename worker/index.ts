import { app } from "./app";

export { OriginRegistry } from "../durable-objects/origin-registry";
export { Tenant } from "../durable-objects/tenant";

export default app satisfies ExportedHandler<Env>;
