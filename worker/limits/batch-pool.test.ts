import { describe, expect, it } from "vitest";
import type { Caller } from "../tenants/auth";
import { BATCH_POOL_KEY, batchPoolCaller } from "./batch-pool";
import { hasRateLimits } from "./rate-limit";

const caller = (limits?: { rpm?: number; tpm?: number }, keyLimits?: { rpm?: number }): Caller =>
  ({ tenant: { id: "t1", name: "t1", ...(limits ? { limits } : {}) }, keyId: "key_1", keyLimits }) as unknown as Caller;

describe("batch pool", () => {
  it("counts a batch line against its own bucket, sized like the tenant's limits, never the key's", () => {
    const pool = batchPoolCaller(caller({ rpm: 60, tpm: 1000 }, { rpm: 5 }));
    expect(pool.keyId).toBe(BATCH_POOL_KEY);
    expect(pool.keyLimits).toEqual({ rpm: 60, tpm: 1000 });
    expect(pool.tenant.limits).toBeUndefined(); // the tenant-wide interactive bucket is not touched
    expect(pool.tenant.id).toBe("t1");
  });

  it("a tenant without limits has none for batches either", () => {
    expect(hasRateLimits(batchPoolCaller(caller(undefined, { rpm: 5 })))).toBe(false);
  });
});
