// An isolate's lease on a tenant's funds. A prepaid or hard-budget tenant's
// requests used to hold their funds with one call to the tenant's object
// each: a round trip and a third of the router's CPU per request. Instead an
// isolate leases a share of the funds (up to LEASE_REQUESTS requests' worth,
// never more than 1/LEASE_SHARE of what is left, never less than the request
// that asks) and admits requests by drawing from it locally, as rate limits
// are leased. The object keeps the whole lease held against everyone else,
// so nothing is admitted twice: a usage record takes what its request drew
// off the lease when it is charged, and the next lease closes this one,
// leaving held only what its requests drew and have not been charged for.
// Near the end of the funds a lease is one request's worth: the object
// decides every request, as before.
//
// Pure: the adapter (gate.ts) calls the object when `draw` says so.
import type { FundsLeaseRequest } from "./hold-protocol";
import { isNanos } from "./pricing";

/** A lease asks for this many requests' worth of funds. */
export const LEASE_REQUESTS = 32;
/** ...but never more than this share of what is left, so that other isolates find funds too. */
export const LEASE_SHARE = 8;
/** Requests draw from a lease for this long; then the next request renews it (and the account is fresh again). */
export const LEASE_DRAW_MS = 5_000;

/** Tenants with a lease in one isolate, at most (the oldest goes first; the object lets its lease lapse). */
export const MAX_LEASES = 50_000;

/** What one admitted request drew: its record settles it, or it goes back. */
export interface Drawn {
  leaseId: string;
  nanos: number;
}

interface Lease {
  id: string;
  grantedNanos: number;
  /** Drawn by requests admitted here, less what went back. */
  drawnNanos: number;
  drawUntil: number;
}

export class FundsLeases {
  private readonly leases = new Map<string, Lease>();

  /** Draws `nanos` from the tenant's lease, or null when it cannot cover them (then ask the object: `renewal`). */
  draw(tenantId: string, nanos: number, now: number): Drawn | null {
    const lease = this.leases.get(tenantId);
    // Money that is not a whole number of nano-dollars (NaN, Infinity) is never drawn here: the object refuses it.
    if (!lease || !isNanos(nanos) || nanos < 0 || now >= lease.drawUntil || !(lease.grantedNanos - lease.drawnNanos >= nanos)) return null;
    lease.drawnNanos += nanos;
    return { leaseId: lease.id, nanos };
  }

  /** The request for a new lease for a request needing `nanos`; it closes the current one. */
  renewal(tenantId: string, nanos: number, ttlMs: number, newId: string): FundsLeaseRequest {
    const current = this.leases.get(tenantId);
    return {
      id: newId,
      needNanos: nanos,
      wantNanos: nanos * LEASE_REQUESTS,
      ttlMs,
      ...(current ? { close: { id: current.id, drawnNanos: current.drawnNanos } } : {}),
    };
  }

  /** The object granted `req`: it is the tenant's lease now, with the asking request drawn from it. */
  granted(tenantId: string, req: FundsLeaseRequest, grantedNanos: number, now: number): Drawn {
    this.leases.delete(tenantId); // re-inserted last: the map stays in the order leases were granted
    if (this.leases.size >= MAX_LEASES) this.leases.delete(this.leases.keys().next().value!);
    this.leases.set(tenantId, { id: req.id, grantedNanos, drawnNanos: req.needNanos, drawUntil: now + LEASE_DRAW_MS });
    return { leaseId: req.id, nanos: req.needNanos };
  }

  /** The object refused or could not be reached: the closed lease is gone either way (the object may have closed it). */
  forget(tenantId: string, req: FundsLeaseRequest): void {
    if (req.close && this.leases.get(tenantId)?.id === req.close.id) this.leases.delete(tenantId);
  }

  /**
   * A request that will not be billed gives back what it drew. True when its
   * lease is still this isolate's (given back here); false when that lease
   * was closed, and the object must be told.
   */
  giveBack(tenantId: string, drawn: Drawn): boolean {
    const lease = this.leases.get(tenantId);
    if (!lease || lease.id !== drawn.leaseId) return false;
    lease.drawnNanos = Math.max(0, lease.drawnNanos - drawn.nanos);
    return true;
  }

  /** Tenants with a lease, and the bound (the isolate read-out). */
  get size(): number {
    return this.leases.size;
  }

  sizes(): { size: number; bound: number } {
    return { size: this.leases.size, bound: MAX_LEASES };
  }

  /** Leases whose drawing window ended long ago go (their tenants' next request starts afresh). */
  prune(now: number, olderThanMs: number): void {
    for (const [tenantId, lease] of this.leases) if (now - lease.drawUntil > olderThanMs) this.leases.delete(tenantId);
  }
}
