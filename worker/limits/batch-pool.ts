// The Batch API's own rate-limit pool. A batch line never spends the tenant's
// or its key's interactive limits (a large batch must not lock its owner out
// of its own interactive traffic): it counts against one bucket per tenant,
// the scope `key:~batch` (no real key id starts with `~`), as large as the
// tenant's interactive limits. A tenant without limits has no batch pool
// either; the batch's pacing (worker/batch/pacing.ts) still holds it to the
// capacity the origins can spare.
import type { Caller } from "../tenants/auth";

export const BATCH_POOL_KEY = "~batch";

/** The caller as the rate limiter sees a batch line: only the batch pool, with the tenant's limits. */
export function batchPoolCaller(caller: Caller): Caller {
  const { limits, ...tenant } = caller.tenant;
  return { tenant: { ...tenant }, keyId: BATCH_POOL_KEY, keyLimits: limits };
}
