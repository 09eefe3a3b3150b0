import type { Drawn } from "./billing/funds-lease";
import type { RateLimitView } from "./limits/lease-client";
import type { Caller } from "./tenants/auth";

/** Hono's typing for this app: bindings plus what middleware hands to handlers. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    caller: Caller;
    requestId: string;
    /** The label of the admin token that authorised an admin request (for the audit log). */
    adminLabel: string;
    /** The version of the tenant's rules this request runs on (echoed in `x-meridian-rules-version`). */
    rulesVersion: number;
    /** What rate-limit admission charged, and the limits as this isolate sees them (echoed in `x-ratelimit-*`). */
    rateLimit: RateLimitView;
    /** What the request drew from a funds lease at admission (prepaid and hard-budget tenants), until it is settled or given back. */
    fundsHold: Drawn | undefined;
  };
}
