// One usage record on its way to the tenant's object: this isolate charges
// its own estimate of the cost at once (it only gates this isolate's next
// requests; the object charges authoritatively) and queues the record.
// Which record a request yields, and when, is the request path's business
// (worker/pipeline/relay.ts and meter.ts): every answered /v1 request yields
// exactly one, whoever answered it.
import { knownAccount } from "../billing/account-client";
import { isNanos, usdToNanos } from "../billing/pricing";
import { chargeRecord } from "../billing/record-charge";
import type { TenantRecord } from "../schemas/admin";
import { usageRecorder } from "./report";
import type { UsageRecord } from "./usage-record";

export function recordUsage(env: Env, tenant: TenantRecord, usage: UsageRecord, waitUntil: (p: Promise<unknown>) => void): void {
  const recorder = usageRecorder(env);
  const known = knownAccount(tenant.id);
  const unflushed = recorder.unflushed(tenant.id);
  const monthTokens = (known?.tokens_month ?? 0) + unflushed.tokens;
  const monthCharged = usdToNanos(known?.spent_month_usd ?? 0) + unflushed.nanos;
  const { costNanos } = chargeRecord(tenant, usage, monthTokens, monthCharged);
  recorder.add(tenant.id, usage, isNanos(costNanos) ? costNanos : 0, waitUntil); // the object sets an uncountable charge aside
}
