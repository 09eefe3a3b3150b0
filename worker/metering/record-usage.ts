// One usage record on its way to the tenant's object: this isolate charges
// its own estimate of the cost at once (it only gates this isolate's next
// requests; the object charges authoritatively) and queues the record.
// Which record a request yields, and when, is the request path's business
// (worker/pipeline/relay.ts and meter.ts): every answered /v1 request yields
// exactly one, whoever answered it.
import { knownAccount } from "../billing/account-client";
import { charge, isNanos } from "../billing/pricing";
import type { TenantRecord } from "../schemas/admin";
import { usageRecorder } from "./report";
import { servedFromCache, type UsageRecord } from "./usage-record";

export function recordUsage(env: Env, tenant: TenantRecord, usage: UsageRecord, waitUntil: (p: Promise<unknown>) => void): void {
  const recorder = usageRecorder(env);
  const monthTokens = (knownAccount(tenant.id)?.tokens_month ?? 0) + recorder.unflushed(tenant.id).tokens;
  const { costNanos } = charge({
    pricing: tenant.pricing,
    model: usage.model,
    listPrice: usage.list_price,
    inputTokens: usage.input_tokens,
    outputTokens: usage.output_tokens,
    cacheHit: servedFromCache(usage.cache),
    monthTokens,
    batch: usage.batch === true,
  });
  recorder.add(tenant.id, usage, isNanos(costNanos) ? costNanos : 0, waitUntil); // the object sets an uncountable charge aside
}
