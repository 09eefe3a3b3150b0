// The isolate's copy of each tenant's feedback evidence for `auto`, refreshed
// from the tenant's object in the background while the tenant uses `auto`.
import type { Evidence } from "./quality-protocol";
import { RefreshedCopy } from "../tenants/refreshed-copy";
import { tenantObject } from "../objects/stubs";

type WaitUntil = (p: Promise<unknown>) => void;

/** How stale the evidence may get: feedback moves `auto` within about this long. */
const REFRESH_MS = 2_000;

const copies = new RefreshedCopy<Evidence>(REFRESH_MS, fetchEvidence);

/** The tenant's evidence; none yet (or the object unreachable) reads as no evidence. */
export async function qualityEvidence(env: Env, tenantId: string, waitUntil: WaitUntil): Promise<Evidence> {
  return (await copies.get(env, tenantId, waitUntil)) ?? {};
}

/** Tenants whose evidence this isolate holds, and the bound (for the isolate read-out). */
export const evidenceCopySizes = () => copies.sizes();

/** Makes the next auto request of this tenant refresh (after feedback sent through this isolate). */
export function staleEvidence(tenantId: string): void {
  copies.expire(tenantId);
}

async function fetchEvidence(env: Env, tenantId: string): Promise<Evidence | null> {
  try {
    // RPC typing widens a tuple to an array; the pairs are still [good, bad].
    return (await tenantObject(env, tenantId).qualityEvidence()) as Evidence;
  } catch {
    return null;
  }
}
