// The isolate's copy of each tenant's routing rules. A request never waits
// for the Tenant object: a cold isolate reads the published copy from KV,
// and while the tenant has traffic the isolate asks the object for the
// current version number every RULES_CHECK_MS in the background, fetching
// the document only when it changed. A new version is in use everywhere within
// about that interval, whatever KV's propagation delay. The same poll brings
// the tenant's recently revoked keys (see revocations.ts) and its tightened
// near-duplicate cut (worker/cache/threshold-control.ts): no lookup waits for it.
import type { TenantPoll } from "./poll-protocol";
import type { RulesVersion } from "../schemas/rules";
import { kvCacheCut, kvRules } from "../kv-keys";
import { noteRevocations, revocationsHeardAt } from "./revocations";
import { tenantObject } from "../objects/stubs";
import { entries as cacheEntries } from "../cache/lookup-or-send";

type WaitUntil = (p: Promise<unknown>) => void;

interface Entry {
  current: RulesVersion;
  checkedAt: number;
  checking: boolean;
  /** The tenant's tightened near-duplicate cut, if any. */
  cut: number | undefined;
  /** The newest cache eviction this isolate has applied (undefined: none yet, so all recent ones are due). */
  evictionSeq: number | undefined;
}

const MAX_TENANTS = 10_000;
const EMPTY: RulesVersion = { version: 0, rules: {}, created_at: 0, author: "default" };
const entries = new Map<string, Entry>();

/** Tenants whose rules this isolate holds, and the bound (for the isolate read-out). */
export const rulesCopySizes = () => ({ size: entries.size, bound: MAX_TENANTS });

/** Counters for tests: how often the object was asked, and how often rules were fetched. */
export const rulesCounters = { checks: 0, fetches: 0 };

/** The rules a request of this tenant runs on: one immutable version, used for the whole request. `checkMs`: how often to ask the object. */
export async function tenantRules(env: Env, tenantId: string, checkMs: number, waitUntil: WaitUntil): Promise<RulesVersion> {
  const entry = await entryFor(env, tenantId);
  if (!entry.checking && Date.now() - entry.checkedAt >= checkMs) waitUntil(check(env, tenantId, entry, waitUntil));
  return entry.current;
}

/**
 * Makes sure this isolate knows the tenant's revoked keys as of `maxAgeMs`
 * ago: waits for the object when what it heard is older than that, and
 * otherwise starts the usual background check when one is due.
 */
export async function heardFromTenant(env: Env, tenantId: string, maxAgeMs: number, checkMs: number, waitUntil: WaitUntil): Promise<void> {
  const entry = await entryFor(env, tenantId);
  if (Date.now() - revocationsHeardAt(tenantId) > maxAgeMs) await check(env, tenantId, entry, waitUntil);
  else if (!entry.checking && Date.now() - entry.checkedAt >= checkMs) waitUntil(check(env, tenantId, entry, waitUntil));
}

/** The tenant's near-duplicate cut as tightened by its measured precision, as this isolate last heard it. */
export function tightenedCut(tenantId: string): number | undefined {
  return entries.get(tenantId)?.cut;
}

async function entryFor(env: Env, tenantId: string): Promise<Entry> {
  const entry = entries.get(tenantId);
  if (entry) return entry;
  const [published, cut] = await Promise.all([
    env.KV.get<RulesVersion>(kvRules(tenantId), "json"),
    env.KV.get<{ cut?: unknown }>(kvCacheCut(tenantId), "json").catch(() => null),
  ]);
  const made = entries.get(tenantId) ?? remember(tenantId, published ?? EMPTY, 0);
  if (published && published.version > made.current.version) made.current = published;
  if (made.cut === undefined) made.cut = asCut(cut?.cut);
  return made;
}

const asCut = (x: unknown): number | undefined => (typeof x === "number" && x >= 0 && x <= 1 ? x : undefined);

/** Asks the object for its rules version and recent revocations; fetches the rules only when they changed. */
async function check(env: Env, tenantId: string, entry: Entry, waitUntil: WaitUntil): Promise<void> {
  entry.checking = true;
  rulesCounters.checks++;
  const object = tenantObject(env, tenantId);
  try {
    const state: TenantPoll = await object.pollState();
    noteRevocations(tenantId, state.revoked, Date.now());
    entry.cut = asCut(state.cache_cut);
    // Never on the request's path: a request that waits for this check waits only for the poll.
    if (typeof state.cache_evictions === "number" && state.cache_evictions !== (entry.evictionSeq ?? 0)) waitUntil(dropEvicted(object, entry).catch(() => {}));
    else entry.evictionSeq ??= state.cache_evictions;
    if (state.rules === entry.current.version) return;
    rulesCounters.fetches++;
    entry.current = await object.rules(); // the object is the authority
  } catch {
    // Keep what we have; the next check retries.
  } finally {
    entry.checking = false;
    entry.checkedAt = Date.now();
  }
}

/** Drops this isolate's and this point of presence's copies of entries the tenant evicted (a thumbs-down elsewhere). */
async function dropEvicted(object: ReturnType<typeof tenantObject>, entry: Entry): Promise<void> {
  const evicted = await object.cacheEvictions(entry.evictionSeq ?? 0);
  await Promise.all(evicted.keys.map((key) => cacheEntries.evictHere(key)));
  entry.evictionSeq = evicted.seq;
}

/** Takes a version this isolate learned of (e.g. from its own admin write), if it is newer. */
export function adopt(tenantId: string, rules: RulesVersion): void {
  const entry = entries.get(tenantId);
  if (!entry) remember(tenantId, rules, Date.now());
  else if (rules.version > entry.current.version) entry.current = rules;
}

function remember(tenantId: string, current: RulesVersion, checkedAt: number): Entry {
  if (entries.size >= MAX_TENANTS) entries.delete(entries.keys().next().value!);
  const entry: Entry = { current, checkedAt, checking: false, cut: undefined, evictionSeq: undefined };
  entries.set(tenantId, entry);
  return entry;
}
