// What an isolate and a tenant's object say to each other about rate limits.
// The isolate sends the limits it read from KV, so the object keeps only
// buckets, never a second copy of the configuration.

/** Requests per minute and tokens per minute; an absent field is no limit. */
export interface RateLimits {
  rpm?: number;
  tpm?: number;
}

/** `tenant`, or `key:<key id>`. */
export type Scope = "tenant" | `key:${string}`;

export type LimitKind = "requests" | "tokens";

export interface ScopeLimits extends RateLimits {
  scope: Scope;
}

export interface Amounts {
  requests: number;
  tokens: number;
}

export interface LeaseRequest {
  /** Every scope the request counts against (the tenant and the key); each bucket must agree. */
  scopes: ScopeLimits[];
  /** What the waiting request needs: nothing is granted unless every bucket has it. */
  need: Amounts;
  /** What the isolate would like to hold for its next requests (at least `need`). */
  want: Amounts;
  /**
   * Accounts of earlier leases, applied before anything is granted: positive
   * amounts give back what was leased and not used, negative tokens are usage
   * beyond what was leased (debt).
   */
  settle: Amounts;
}

export interface Denial {
  scope: Scope;
  kind: LimitKind;
  /** The per-minute limit that refused. */
  limit: number;
  /** When the bucket will hold what was needed. */
  retryAfterMs: number;
}

export type LeaseGrant =
  | {
      ok: true;
      granted: Amounts;
      /** The least any bucket holds after the grant: an approximate "remaining" for clients. */
      remaining: Amounts;
    }
  | ({ ok: false } & Denial);

export const NOTHING: Amounts = Object.freeze({ requests: 0, tokens: 0 });
