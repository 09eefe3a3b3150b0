import { Hono } from "hono";
import type { AppEnv } from "../../app-env";
import { isolateStructures } from "../../isolate/structures";

/**
 * What the isolate that answers holds in memory: each structure's size and
 * bound (admin only: mounted under /admin/v1). Another isolate may answer
 * the next call; locally there is one.
 */
export const isolate = new Hono<AppEnv>();

isolate.get("/isolate/structures", (c) => c.json({ object: "isolate_structures", at: Date.now(), data: isolateStructures(c.env) }));
