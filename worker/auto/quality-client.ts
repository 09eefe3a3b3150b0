// The isolate's copy of each tenant's feedback evidence for `auto`. Like the
// rules, it is refreshed from the tenant's object in the background while
// the tenant uses `auto`; only an isolate's first auto request waits for it.
import type { Evidence } from "../../durable-objects/tenant/quality";

type WaitUntil = (p: Promise<unknown>) => void;

/** How stale the evidence may get: feedback moves `auto` within about this long. */
const REFRESH_MS = 2_000;
const MAX_TENANTS = 10_000;

interface Entry {
  evidence: Evidence;
  fetchedAt: number;
  fetching: boolean;
}

const entries = new Map<string, Entry>();

const stub = (env: Env, tenantId: string) => env.TENANT.get(env.TENANT.idFromName(tenantId));

export async function qualityEvidence(env: Env, tenantId: string, waitUntil: WaitUntil): Promise<Evidence> {
  let entry = entries.get(tenantId);
  if (!entry) {
    const evidence = await fetchEvidence(env, tenantId);
    if (entries.size >= MAX_TENANTS) entries.delete(entries.keys().next().value!);
    entry = entries.get(tenantId) ?? { evidence: evidence ?? {}, fetchedAt: Date.now(), fetching: false };
    entries.set(tenantId, entry);
    return entry.evidence;
  }
  if (!entry.fetching && Date.now() - entry.fetchedAt >= REFRESH_MS) {
    entry.fetching = true;
    const target = entry;
    waitUntil(
      fetchEvidence(env, tenantId).then((evidence) => {
        if (evidence) target.evidence = evidence;
        target.fetchedAt = Date.now();
        target.fetching = false;
      }),
    );
  }
  return entry.evidence;
}

/** Makes the next auto request of this tenant refresh first (after feedback sent through this isolate). */
export function staleEvidence(tenantId: string): void {
  const entry = entries.get(tenantId);
  if (entry) entry.fetchedAt = 0;
}

async function fetchEvidence(env: Env, tenantId: string): Promise<Evidence | null> {
  try {
    return (await stub(env, tenantId).qualityEvidence()) as Evidence;
  } catch {
    return null;
  }
}
