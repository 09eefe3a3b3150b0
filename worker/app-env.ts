import type { Settings } from "./settings";
import type { Caller } from "./tenants/auth";

/** Hono's typing for this app: bindings plus what middleware hands to handlers. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    caller: Caller;
    requestId: string;
    /** The operator's settings, read once per request by the middleware that authenticates it. */
    settings: Settings;
    /** The label of the admin token that authorised an admin request (for the audit log). */
    adminLabel: string;
    /** Set only on a Batch API line (worker/routes/batch-line.ts): the batch's id. Never from a header. */
    batch?: string;
  };
}
