import { DurableObject } from "cloudflare:workers";
import type { AccountState, BatchCharge, CreditEntry, UsageFilter, UsageReport } from "../worker/billing/account";
import type { FundsLeaseAnswer, FundsLeaseRequest } from "../worker/billing/hold-protocol";
import { usdToNanos } from "../worker/billing/pricing";
import { kvKey, kvRules, kvTenant } from "../worker/kv-keys";
import type { LeaseGrant, LeaseRequest, RateLimits } from "../worker/limits/lease-protocol";
import type { UsageRecord } from "../worker/metering/usage-record";
import type { TenantInput, TenantRecord } from "../worker/schemas/admin";
import type { RulesDocument, RulesVersion } from "../worker/schemas/rules";
import { autoOutcomes } from "../worker/metering/usage-record";
import { screenUsage, type SetAside } from "../worker/metering/usage-record-check";
import type { Evidence, FeedbackResult } from "../worker/auto/quality-protocol";
import { createQualityTables, evidence, pruneQuality, recordFeedback, recordOutcomes } from "./tenant/quality";
import type { LimitedCall } from "../worker/tenants/call-protocol";
import { CallLimits } from "./tenant/call-limits";
import type { AuditEntry, KeyInfo, RulesWrite } from "../worker/tenants/admin-protocol";
import { createAuditTable, readAudit, recordAudit } from "./tenant/audit";
import { addKeyLimitsColumn, keyGrant, readLimits, storedLimits } from "./tenant/key-limits";
import { keyHeldElsewhere } from "./tenant/key-owner";
import {
  accountState,
  addCredits,
  applyUsage,
  budgetAlertDue,
  createLedgerTables,
  creditBalanceUsd,
  creditJournal,
  pruneUsageEvents,
  usageReport,
  batchCharges,
} from "./tenant/ledger";
import { own, setOwn } from "../worker/own";
import { publishOrRetry } from "./kv-publication";
import { createHoldsTable, placeLease, releaseHold, settleHolds } from "./tenant/holds";
import { unseenUsage } from "./tenant/seen-usage";
import { refundRatedDown, refundsIn, settleRefundClaims, type RefundResult } from "./tenant/refunds";
import { monthStatement } from "./tenant/statement";
import type { Statement } from "../worker/billing/statement";
import type { TenantPoll } from "../worker/tenants/poll-protocol";
import { recentlyRevoked } from "./tenant/revocations";
import { Limiter } from "./tenant/limiter";
import { appendRules, createRulesTable, currentRules, rulesAt, rulesHistory } from "./tenant/rules-log";
import { CacheKeeper } from "./tenant/cache-keeper";
import { createCachePrecisionTables, pruneCachePrecision, type CachePrecisionReport } from "./tenant/cache-precision";

type KeyRow = Omit<KeyInfo, "limits"> & { hash: string; limits: string | null };

/** Who budget alerts are recorded as in the audit log. */
const METERING_ACTOR = "metering";
/** Forgotten usage ids are pruned at most this often. */
const PRUNE_EVERY_MS = 3_600_000;
/** Ratings and outcomes are pruned at most this often (often enough that the caps hold between runs). */
const QUALITY_PRUNE_EVERY_MS = 60_000;

/**
 * One object per tenant, SQLite-backed: the source of truth for its profile,
 * API key hashes, routing rules (every version), usage and credits (the
 * ledger) and audit log. Each admin
 * write and its audit row commit together before the call returns. It
 * publishes what the read path needs to KV (`tenant:<id>`, `key:<hash>`,
 * `rules:<id>`); revocation deletes the KV grant.
 */
export class Tenant extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private prunedAt = 0;
  private qualityPrunedAt = 0;
  /** Per-minute limits on calls that are work for this object only (feedback, usage read-outs). */
  private readonly callLimits = new CallLimits();
  /** Rate-limit buckets live in memory (see tenant/limiter.ts for why). */
  private readonly limiter = new Limiter();
  /** The cache's measured precision, its tightened cut and its hits' entries (tenant/cache-keeper.ts). */
  private readonly cache: CacheKeeper;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS profile (k TEXT PRIMARY KEY, body TEXT NOT NULL)`);
    this.sql.exec(
      `CREATE TABLE IF NOT EXISTS keys (id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, name TEXT,
        prefix TEXT NOT NULL, created_at INTEGER NOT NULL, revoked_at INTEGER)`,
    );
    addKeyLimitsColumn(this.sql);
    createRulesTable(this.sql);
    createAuditTable(this.sql);
    createLedgerTables(this.sql);
    createHoldsTable(this.sql);
    createQualityTables(this.sql);
    createCachePrecisionTables(this.sql);
    this.cache = new CacheKeeper({
      sql: this.sql,
      kv: env.KV,
      tenantId: () => this.info()?.id ?? "",
      settings: () => currentRules(this.sql).rules.cache,
      publish: (write) => this.publish(write),
      audit: (action, detail) => this.audit(METERING_ACTOR, action, detail),
    });
  }

  /** The profile as saved, read from SQLite once per object life (every call on the hot path needs it). */
  private profile: TenantRecord | null | undefined;

  /** The tenant's profile. Callers must not change it: saveProfile takes a new one. */
  info(): TenantRecord | null {
    if (this.profile === undefined) {
      const row = this.sql.exec<{ body: string }>(`SELECT body FROM profile WHERE k = 'tenant'`).toArray()[0];
      this.profile = row ? (JSON.parse(row.body) as TenantRecord) : null;
    }
    return this.profile;
  }

  async upsert(actor: string, id: string, input: TenantInput, mustBeNew = false): Promise<{ tenant: TenantRecord; created: boolean } | null> {
    const existing = this.info();
    if (existing && mustBeNew) return null;
    const now = Date.now();
    const tenant: TenantRecord = { id, ...input, created_at: existing?.created_at ?? now, updated_at: now };
    if (existing?.cache_generation) tenant.cache_generation = existing.cache_generation;
    this.saveProfile(tenant);
    this.audit(actor, existing ? "tenant.update" : "tenant.create", { name: tenant.name });
    await this.publishProfile(tenant);
    if (!existing) await this.publishRules(currentRules(this.sql));
    return { tenant, created: !existing };
  }

  /** Purges the tenant's cache (all of it, or one model's) by moving to a new key generation. */
  async purgeCache(actor: string, model?: string): Promise<TenantRecord | null> {
    const current = this.info();
    if (!current) return null;
    const generation = structuredClone(current.cache_generation ?? { all: 0, models: {} });
    if (model) setOwn(generation.models, model, (own(generation.models, model) ?? 0) + 1);
    else generation.all += 1;
    const tenant: TenantRecord = { ...current, cache_generation: generation, updated_at: Date.now() };
    this.saveProfile(tenant);
    this.audit(actor, "cache.purge", { model: model ?? null, generation });
    await this.publishProfile(tenant);
    return tenant;
  }

  // ---- routing rules -------------------------------------------------------

  rules(): RulesVersion {
    return currentRules(this.sql);
  }

  /** The current version number: what isolates poll to notice a change. */
  rulesVersion(): number {
    return currentRules(this.sql).version;
  }

  /**
   * What isolates poll every few seconds: the rules version, and the keys
   * revoked recently enough that a PoP's KV may still hold their grant.
   */
  pollState(): TenantPoll {
    return { rules: currentRules(this.sql).version, revoked: recentlyRevoked(this.sql, Date.now()), cache_cut: this.cache.cut(), cache_evictions: this.cache.evictionSeq() };
  }

  rulesHistory(limit: number, before?: number): RulesVersion[] {
    return rulesHistory(this.sql, limit, before);
  }

  /** Stores a new version unless `ifMatch` names a version that is no longer current. */
  async putRules(actor: string, rules: RulesDocument, ifMatch: number | null, note?: string): Promise<RulesWrite> {
    if (!this.info()) return { ok: false, reason: "no_tenant", current: null };
    const current = currentRules(this.sql);
    if (ifMatch !== null && ifMatch !== current.version) return { ok: false, reason: "stale", current };
    const next = appendRules(this.sql, rules, actor, note ? { note } : {});
    this.audit(actor, "rules.put", { from_version: current.version, ...(note ? { note } : {}) }, next.version);
    await this.publishRules(next);
    return { ok: true, current: next };
  }

  /** Makes an earlier version current again, as a new version. */
  async rollbackRules(actor: string, version: number, ifMatch: number | null, note?: string): Promise<RulesWrite> {
    if (!this.info()) return { ok: false, reason: "no_tenant", current: null };
    const current = currentRules(this.sql);
    if (ifMatch !== null && ifMatch !== current.version) return { ok: false, reason: "stale", current };
    const target = rulesAt(this.sql, version);
    if (!target) return { ok: false, reason: "no_version", current };
    const next = appendRules(this.sql, target.rules, actor, { rolled_back_to: version, ...(note ? { note } : {}) });
    this.audit(actor, "rules.rollback", { from_version: current.version, to_version: version }, next.version);
    await this.publishRules(next);
    return { ok: true, current: next };
  }

  // ---- keys ----------------------------------------------------------------

  /**
   * Records a key by its hash. Adding a hash that is already active returns
   * the existing key, which makes seeding with an imported key idempotent.
   * A hash another tenant holds is refused (`key_in_use`), never moved here.
   */
  async addKey(actor: string, hash: string, name: string | null, prefix: string, limits: RateLimits | null = null): Promise<KeyInfo | null | "key_in_use"> {
    const tenant = this.info();
    if (!tenant) return null;
    if (await keyHeldElsewhere(this.env.KV, hash, tenant.id)) return "key_in_use";
    const existing = this.sql.exec<KeyRow>(`SELECT * FROM keys WHERE hash = ?`, hash).toArray()[0];
    if (existing && existing.revoked_at === null) return publicKey(existing);
    if (existing) this.sql.exec(`DELETE FROM keys WHERE id = ?`, existing.id);

    const row: KeyRow = { id: `key_${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`, hash, name, prefix, created_at: Date.now(), revoked_at: null, limits: storedLimits(limits) };
    this.sql.exec(
      `INSERT INTO keys (id, hash, name, prefix, created_at, revoked_at, limits) VALUES (?, ?, ?, ?, ?, NULL, ?)`,
      row.id, hash, name, prefix, row.created_at, row.limits,
    );
    const key = publicKey(row);
    this.audit(actor, "key.create", { key_id: key.id, name, prefix, limits: key.limits });
    await this.publish(() => this.env.KV.put(kvKey(hash), JSON.stringify(keyGrant(tenant.id, row))));
    return key;
  }

  listKeys(): KeyInfo[] {
    return this.sql.exec<KeyRow>(`SELECT * FROM keys ORDER BY created_at`).toArray().map(publicKey);
  }

  /** Renames a key or changes its limits; an active key's grant is republished with them. */
  async updateKey(actor: string, keyId: string, change: { name?: string | null; limits?: RateLimits | null }): Promise<{ key: KeyInfo; hash: string } | null> {
    const tenant = this.info();
    const row = this.sql.exec<KeyRow>(`SELECT * FROM keys WHERE id = ?`, keyId).toArray()[0];
    if (!tenant || !row) return null;
    if (change.name !== undefined) row.name = change.name;
    if (change.limits !== undefined) row.limits = storedLimits(change.limits);
    this.sql.exec(`UPDATE keys SET name = ?, limits = ? WHERE id = ?`, row.name, row.limits, keyId);
    const key = publicKey(row);
    this.audit(actor, "key.update", { key_id: keyId, ...(change.name !== undefined ? { name: key.name } : {}), ...(change.limits !== undefined ? { limits: key.limits } : {}) });
    if (row.revoked_at === null) await this.publish(() => this.env.KV.put(kvKey(row.hash), JSON.stringify(keyGrant(tenant.id, row))));
    return { key, hash: row.hash };
  }

  /** Revokes a key; the hash comes back so the caller can drop it from its caches. */
  async revokeKey(actor: string, keyId: string): Promise<{ key: KeyInfo; hash: string } | null> {
    const row = this.sql.exec<KeyRow>(`SELECT * FROM keys WHERE id = ?`, keyId).toArray()[0];
    if (!row) return null;
    if (row.revoked_at === null) {
      row.revoked_at = Date.now();
      this.sql.exec(`UPDATE keys SET revoked_at = ? WHERE id = ?`, row.revoked_at, keyId);
      this.audit(actor, "key.revoke", { key_id: keyId });
      await this.publish(() => this.env.KV.delete(kvKey(row.hash)));
    }
    return { key: publicKey(row), hash: row.hash };
  }

  // ---- money ---------------------------------------------------------------

  /**
   * Charges a batch of usage records from an isolate; records it has seen
   * before (a retried batch) are skipped, and a record that cannot be charged
   * is set aside with a log line (never failing the batch, which would be
   * retried with the same record forever). Returns the account the isolate
   * gates the next requests with.
   */
  recordUsage(batch: UsageRecord[]): AccountState | null {
    const tenant = this.info();
    if (!tenant) return null;
    const now = Date.now();
    const screened = screenUsage(Array.isArray(batch) ? batch : []);
    screened.records = this.cache.onUsage(unseenUsage(this.sql, screened.records), now); // shadow calls are the operator's: counted there, never billed
    const charged = applyUsage(this.sql, screened.records, tenant, now);
    // Only what this call charged (not a record it set aside): a hold settled for an unbilled request would hold too little.
    settleHolds(this.sql, charged.applied); // in the same call as the charge: never both held and spent, nor neither
    settleRefundClaims(this.sql, tenant, charged.applied, now);
    logSetAside(tenant.id, [...screened.setAside, ...charged.setAside]);
    recordOutcomes(this.sql, autoOutcomes(screened.records));
    this.pruneQualityNowAndThen(now);
    const account = accountState(this.sql, tenant, now);
    if (budgetAlertDue(this.sql, tenant.budget, now)) {
      this.audit(METERING_ACTOR, "budget.alert", { month: account.month, spent_usd: account.spent_month_usd, monthly_usd: tenant.budget!.monthly_usd });
    }
    if (now - this.prunedAt > PRUNE_EVERY_MS) {
      this.prunedAt = now;
      pruneUsageEvents(this.sql, now);
      pruneCachePrecision(this.sql, now);
    }
    return account;
  }

  /** Leases an isolate funds for the requests it admits, if the balance and hard budget cover the one that asks (see tenant/holds.ts). */
  leaseFunds(req: FundsLeaseRequest): FundsLeaseAnswer | null {
    const tenant = this.info();
    return tenant ? placeLease(this.sql, tenant, req, Date.now()) : null;
  }

  /** Gives back what a request that is not billed drew from a lease its isolate has closed. */
  releaseFunds(leaseId: string, nanos: number): void {
    releaseHold(this.sql, leaseId, nanos);
  }

  account(): AccountState | null {
    const tenant = this.info();
    return tenant ? accountState(this.sql, tenant, Date.now()) : null;
  }

  /** Tops up (or, negative, corrects) the prepaid balance. */
  addCredits(actor: string, amountUsd: number, note: string | null): { entry: CreditEntry; account: AccountState } | null {
    const tenant = this.info();
    if (!tenant) return null;
    const now = Date.now();
    const entry = addCredits(this.sql, actor, usdToNanos(amountUsd), note, now);
    this.audit(actor, "credits.add", { amount_usd: entry.amount_usd, balance_usd: entry.balance_usd, ...(note ? { note } : {}) });
    return { entry, account: accountState(this.sql, tenant, now) };
  }

  credits(limit: number, before?: number): { balance_usd: number; prepaid: boolean; data: CreditEntry[] } | null {
    const tenant = this.info();
    if (!tenant) return null;
    return { balance_usd: creditBalanceUsd(this.sql), prepaid: tenant.prepaid === true, data: creditJournal(this.sql, limit, before) };
  }

  usage(filter: UsageFilter): (UsageReport & { cache_precision: CachePrecisionReport }) | null {
    const tenant = this.info();
    if (!tenant) return null;
    return { ...usageReport(this.sql, filter), refunds: refundsIn(this.sql, filter), account: accountState(this.sql, tenant, Date.now()), cache_precision: this.cache.report(filter.from, filter.to) };
  }

  /** What each of these batches was charged so far (the dashboard's batch table). */
  batchCharges(batchIds: string[]): BatchCharge[] {
    return Array.isArray(batchIds) ? batchCharges(this.sql, batchIds.filter((id) => typeof id === "string")) : [];
  }

  /** A call rated down: refunded if the price list offers it (see tenant/refunds.ts). */
  refundRatedDown(requestId: string, rating: number): RefundResult | null {
    const tenant = this.info();
    return tenant ? refundRatedDown(this.sql, tenant, requestId, rating, Date.now()) : null;
  }

  /** The month-end statement of a UTC month (`YYYY-MM`). */
  statement(month: string): Statement | null {
    const tenant = this.info();
    return tenant ? monthStatement(this.sql, tenant.id, tenant, month) : null;
  }

  // ---- auto: feedback on its choices -----------------------------------------

  /** A user's rating (0..1) of the answer to one of the tenant's requests. */
  feedback(requestId: string, rating: number): FeedbackResult | null {
    if (!this.info()) return null;
    const now = Date.now();
    this.pruneQualityNowAndThen(now);
    return recordFeedback(this.sql, requestId, rating, now);
  }

  /**
   * A rating of a request the cache answered: a thumbs-down counts as a wrong
   * hit and returns the entry's key to evict (null: not a cached answer of
   * this tenant, or not a thumbs-down; a rating that arrives before the
   * request's usage record is applied, and the entry evicted, when it arrives).
   */
  cacheFeedback(requestId: string, rating: number): { evict: string | null } | null {
    if (!this.info()) return null;
    return this.cache.onRating(requestId, rating, Date.now());
  }

  /** Cache entries evicted after `afterSeq` (isolates fetch them when the polled number moves, and drop their copies). */
  cacheEvictions(afterSeq: number): { seq: number; keys: string[] } {
    return this.cache.evictionsSince(afterSeq, Date.now());
  }

  /** Takes one feedback or usage call of a key from its per-minute limits: 0 if admitted, else milliseconds to wait. */
  admitCall(call: LimitedCall, keyId: string): number {
    return this.callLimits.take(call, keyId, Date.now());
  }

  private pruneQualityNowAndThen(now: number): void {
    if (now - this.qualityPrunedAt < QUALITY_PRUNE_EVERY_MS) return;
    this.qualityPrunedAt = now;
    pruneQuality(this.sql, now);
  }

  /** The decayed rating sums per model and class, which isolates add to the rules' priors. */
  qualityEvidence(): Evidence {
    return evidence(this.sql);
  }

  // ---- rate limits ---------------------------------------------------------

  /** Hands an isolate a lease of requests and tokens, or says how long to wait. */
  lease(req: LeaseRequest): LeaseGrant {
    return this.limiter.lease(req, Date.now());
  }

  // ---- audit ---------------------------------------------------------------

  auditLog(limit: number, before?: number): AuditEntry[] {
    return readAudit(this.sql, limit, before);
  }

  private audit(actor: string, action: string, detail: Record<string, unknown>, rulesVersion = currentRules(this.sql).version): void {
    recordAudit(this.sql, { actor, action, detail, rules_version: rulesVersion });
  }

  private saveProfile(tenant: TenantRecord): void {
    this.sql.exec(`INSERT OR REPLACE INTO profile (k, body) VALUES ('tenant', ?)`, JSON.stringify(tenant));
    this.profile = tenant;
  }

  private async publishProfile(tenant: TenantRecord): Promise<void> {
    await this.publish(() => this.env.KV.put(kvTenant(tenant.id), JSON.stringify(tenant)));
  }

  private async publishRules(rules: RulesVersion): Promise<void> {
    await this.publish(() => this.env.KV.put(kvRules(this.info()!.id), JSON.stringify(rules)));
  }

  private publish(put: () => Promise<void>): Promise<void> {
    return publishOrRetry(this.ctx.storage, put);
  }

  /** Republishes the read path's view: profile, current rules and every active key grant. */
  override async alarm(): Promise<void> {
    const tenant = this.info();
    if (!tenant) return;
    await this.publish(async () => {
      await this.env.KV.put(kvTenant(tenant.id), JSON.stringify(tenant));
      await this.env.KV.put(kvRules(tenant.id), JSON.stringify(currentRules(this.sql)));
      await this.cache.republish();
      const active = this.sql.exec<{ id: string; hash: string; limits: string | null }>(`SELECT id, hash, limits FROM keys WHERE revoked_at IS NULL`).toArray();
      for (const key of active) await this.env.KV.put(kvKey(key.hash), JSON.stringify(keyGrant(tenant.id, key)));
      const revoked = this.sql.exec<{ hash: string }>(`SELECT hash FROM keys WHERE revoked_at IS NOT NULL`).toArray();
      for (const key of revoked) await this.env.KV.delete(kvKey(key.hash));
    });
  }
}

function logSetAside(tenantId: string, records: SetAside[]): void {
  for (const r of records) console.error(`usage record set aside: tenant ${tenantId}, usage id ${r.id}: ${r.reason}`);
}

function publicKey(row: KeyRow): KeyInfo {
  return { id: row.id, name: row.name, prefix: row.prefix, created_at: row.created_at, revoked_at: row.revoked_at, limits: readLimits(row.limits) };
}
