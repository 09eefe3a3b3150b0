import type { Caller } from "./tenants/auth";

/** Hono's typing for this app: bindings plus what middleware hands to handlers. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    caller: Caller;
    requestId: string;
  };
}
