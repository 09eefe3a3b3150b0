// The isolate's side of rate limiting: per (tenant, key) it holds a lease of
// requests and tokens taken from the tenant's object and spends it locally,
// so the object is called only when the lease runs out or expires. Requests
// never wait on each other: each one that finds the lease short makes its own
// lease call, and whatever that call brings beyond its own need is added to
// the shared lease for the requests after it.
import { FailOpenGrace, type GraceAllowance } from "./fail-open-grace";
import type { Amounts, Denial, LeaseGrant, LeaseRequest, RateLimits, ScopeLimits } from "./lease-protocol";
import { LEASE_MS, leaseCap, leaseOutcome, nextLeaseSize } from "./lease-size";

export type LeaseCall = (req: LeaseRequest) => Promise<LeaseGrant>;

/** The limits a request is under: the tenant's profile and its key's. */
export interface CallerLimits {
  tenant?: RateLimits | undefined;
  key?: RateLimits | undefined;
}

/** What an admitted request was charged, the tightest limits and this isolate's idea of what is left (for x-ratelimit-* headers). */
export interface RateLimitView {
  rpm?: number;
  tpm?: number;
  remainingRequests: number;
  remainingTokens: number;
  /** Tokens charged against tpm at admission (0 without a tpm), to settle at the real usage. */
  tokensCharged: number;
}

/** Refused with a limit's denial (429), or because the object is unreachable and the grace allowance is spent (503). */
export type Admission = { ok: true; view: RateLimitView | null } | { ok: false; denial: Denial } | { ok: false; unreachable: true };

/**
 * What one isolate admits per tenant and minute while the tenant's object
 * cannot be reached: at most this, and never more than the tenant's own
 * per-minute limits.
 */
export const RATE_LIMIT_GRACE: GraceAllowance = { requests: 20, units: 20_000 };

interface Lease {
  limits: CallerLimits;
  scopes: ScopeLimits[];
  rpm: number | undefined;
  tpm: number | undefined;
  /** Leased and not yet spent (tokens may be negative: usage beyond the lease). */
  held: Amounts;
  /** To settle at the next lease call: expired remainders and settlements that came too late to spend. */
  owed: Amounts;
  leasedAt: number;
  expiresAt: number;
  /** How many requests' worth to lease at a time; follows demand. */
  size: number;
  /** Requests' worth asked for by lease calls still in flight, beyond their own. */
  pending: number;
  /** The object's least bucket level at the last grant. */
  remaining: Amounts;
  /** After a refusal, requests are refused here until the wait is over, without calling the object. */
  refusal: (Denial & { until: number; tokens: number }) | null;
  /** Whose grace allowance an unreachable object draws on (all of a tenant's keys share one). */
  tenantId: string;
}

const MAX_LEASES = 10_000;
const UNLIMITED: Admission = Object.freeze({ ok: true, view: null });

export class LeaseClient {
  private readonly leases = new Map<string, Lease>();
  /** For tests and read-outs: how often the object was called, against how many admissions. */
  readonly counters = { admitted: 0, refused: 0, leaseCalls: 0, failedOpen: 0, unreachable: 0 };
  private readonly grace: FailOpenGrace;

  constructor(private readonly now: () => number = Date.now) {
    this.grace = new FailOpenGrace(now);
  }

  /** Admits one request estimated at `tokens`, from the local lease or a new one. */
  async admit(call: LeaseCall, tenantId: string, keyId: string, limits: CallerLimits, tokens: number): Promise<Admission> {
    if (!limited(limits.tenant) && !limited(limits.key)) return UNLIMITED;
    const lease = this.leaseFor(tenantId, keyId, limits);
    const need: Amounts = { requests: lease.rpm === undefined ? 0 : 1, tokens: lease.tpm === undefined ? 0 : tokens };
    const now = this.now();

    if (spend(lease, need, now)) return this.admitted(lease, need.tokens);
    const refusal = lease.refusal;
    if (refusal && now < refusal.until && (refusal.kind === "requests" || need.tokens >= refusal.tokens)) {
      const { until: _, tokens: __, ...denial } = refusal;
      return this.refuse({ ...denial, retryAfterMs: refusal.until - now });
    }
    return this.renew(call, lease, need, now);
  }

  /**
   * Calls the object for this request's need plus a batch for the requests
   * after it, settling what the lease held. Calls already in flight count
   * towards the batch, so concurrent requests finding the lease empty
   * together do not each take a full one.
   */
  private async renew(call: LeaseCall, lease: Lease, need: Amounts, now: number): Promise<Admission> {
    const outcome = leaseOutcome(lease.held.requests > 0 || lease.held.tokens > 0, lease.leasedAt, lease.expiresAt, now);
    lease.size = nextLeaseSize(lease.size, outcome, leaseCap(lease.rpm, lease.tpm, need.tokens));
    // Requests' worth beyond this one, less what calls in flight already ask for.
    const more = Math.max(0, lease.size - 1 - lease.pending);
    const want: Amounts = { requests: need.requests * (1 + more), tokens: need.tokens * (1 + more) };
    const settle = release(lease);
    lease.pending += more;
    this.counters.leaseCalls++;
    let grant: LeaseGrant;
    try {
      grant = await call({ scopes: lease.scopes, need, want, settle });
    } catch {
      // The object is unreachable: keep the accounts for next time, and let
      // the request through only within this isolate's grace allowance for
      // the tenant (bounded, so an unreachable object is not unlimited).
      add(lease.owed, settle);
      if (!this.grace.take(lease.tenantId, need.tokens, graceFor(lease))) {
        this.counters.unreachable++;
        return { ok: false, unreachable: true };
      }
      this.counters.failedOpen++;
      return this.admitted(lease, 0);
    } finally {
      lease.pending -= more;
    }

    const at = this.now();
    if (grant.ok) {
      lease.held.requests += grant.granted.requests - need.requests;
      lease.held.tokens += grant.granted.tokens - need.tokens;
      lease.leasedAt = at;
      lease.expiresAt = at + LEASE_MS;
      lease.remaining = grant.remaining;
      lease.refusal = null;
      return this.admitted(lease, need.tokens);
    }
    // Another request's lease may have landed while this one was refused.
    if (spend(lease, need, at)) return this.admitted(lease, need.tokens);
    const { ok: _, ...denial } = grant;
    lease.refusal = { ...denial, until: at + denial.retryAfterMs, tokens: need.tokens };
    return this.refuse(denial);
  }

  /**
   * Corrects a request's token charge once its real usage is known: positive
   * `unused` gives tokens back, negative records usage beyond the estimate.
   * Spendable here at once while the lease is live, else settled with the
   * object at the next lease call.
   */
  settle(tenantId: string, keyId: string, unused: number): void {
    const lease = this.leases.get(leaseKey(tenantId, keyId));
    if (!lease || lease.tpm === undefined || unused === 0) return;
    if (this.now() < lease.expiresAt) lease.held.tokens += unused;
    else lease.owed.tokens += unused;
  }

  /** Leases held here and the bound (for the isolate read-out). */
  sizes(): { size: number; bound: number } {
    return { size: this.leases.size, bound: MAX_LEASES };
  }

  /** Tenants with a grace window (the object was unreachable), and the bound. */
  graceSizes(): { size: number; bound: number } {
    return this.grace.sizes();
  }

  private leaseFor(tenantId: string, keyId: string, limits: CallerLimits): Lease {
    const name = leaseKey(tenantId, keyId);
    const lease = this.leases.get(name);
    if (lease && sameLimits(lease.limits, limits)) return lease;
    // New limits: start a new lease; what the old one held goes back with the first call.
    const owed = lease ? release(lease) : { requests: 0, tokens: 0 };
    const fresh = newLease(tenantId, keyId, limits, owed);
    if (!lease && this.leases.size >= MAX_LEASES) this.leases.delete(this.leases.keys().next().value!);
    this.leases.set(name, fresh);
    return fresh;
  }

  private admitted(lease: Lease, tokensCharged: number): Admission {
    this.counters.admitted++;
    const view: RateLimitView = {
      remainingRequests: lease.remaining.requests + Math.max(0, lease.held.requests),
      remainingTokens: lease.remaining.tokens + Math.max(0, lease.held.tokens),
      tokensCharged,
    };
    if (lease.rpm !== undefined) view.rpm = lease.rpm;
    if (lease.tpm !== undefined) view.tpm = lease.tpm;
    return { ok: true, view };
  }

  private refuse(denial: Denial): Admission {
    this.counters.refused++;
    return { ok: false, denial };
  }
}

const leaseKey = (tenantId: string, keyId: string) => `${tenantId} ${keyId}`;
const limited = (l: RateLimits | undefined) => l !== undefined && (l.rpm !== undefined || l.tpm !== undefined);

function newLease(tenantId: string, keyId: string, limits: CallerLimits, owed: Amounts): Lease {
  const scopes: ScopeLimits[] = [];
  if (limited(limits.tenant)) scopes.push({ scope: "tenant", ...limits.tenant });
  if (limited(limits.key)) scopes.push({ scope: `key:${keyId}`, ...limits.key });
  return {
    limits,
    scopes,
    rpm: tightest(limits.tenant?.rpm, limits.key?.rpm),
    tpm: tightest(limits.tenant?.tpm, limits.key?.tpm),
    held: { requests: 0, tokens: 0 },
    owed,
    leasedAt: 0,
    expiresAt: 0,
    size: 1,
    pending: 0,
    remaining: { requests: 0, tokens: 0 },
    refusal: null,
    tenantId,
  };
}

/** The grace allowance within the caller's own limits: never more per minute than its rpm and tpm allow. */
function graceFor(lease: Lease): GraceAllowance {
  return {
    requests: Math.min(RATE_LIMIT_GRACE.requests, lease.rpm ?? Number.POSITIVE_INFINITY),
    units: lease.tpm === undefined ? Number.POSITIVE_INFINITY : Math.min(RATE_LIMIT_GRACE.units, lease.tpm),
  };
}

/** Takes `need` from a live lease if it holds enough. */
function spend(lease: Lease, need: Amounts, now: number): boolean {
  if (now >= lease.expiresAt || lease.held.requests < need.requests || lease.held.tokens < need.tokens) return false;
  lease.held.requests -= need.requests;
  lease.held.tokens -= need.tokens;
  return true;
}

/** Empties the lease into a settlement for the object: what it held plus what was owed. */
function release(lease: Lease): Amounts {
  const settle = { requests: lease.held.requests + lease.owed.requests, tokens: lease.held.tokens + lease.owed.tokens };
  lease.held.requests = lease.held.tokens = lease.owed.requests = lease.owed.tokens = 0;
  return settle;
}

function add(into: Amounts, amounts: Amounts): void {
  into.requests += amounts.requests;
  into.tokens += amounts.tokens;
}

function tightest(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}

function sameLimits(a: CallerLimits, b: CallerLimits): boolean {
  return a.tenant?.rpm === b.tenant?.rpm && a.tenant?.tpm === b.tenant?.tpm && a.key?.rpm === b.key?.rpm && a.key?.tpm === b.key?.tpm;
}
