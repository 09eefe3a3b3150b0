// How much an isolate asks for beyond the request at hand, counted in
// requests (under a tpm, each is worth the current request's tokens). A busy
// isolate should not call the object for every request; a quiet one should
// not sit on what other isolates could use (leases only strand, never
// over-admit, but stranded tokens mean early 429s elsewhere). So the size
// follows demand: it doubles while leases run out early, halves while they
// expire unspent, and never exceeds a couple of seconds of the limit's rate.

/** How long a lease may be spent locally; the remainder then goes back at the next lease call. */
export const LEASE_MS = 5_000;
/** The most a lease holds: this many seconds of the limit's rate. */
const CAP_SECONDS = 2;

/** How the previous lease went. */
export type LeaseOutcome = "ran_out_early" | "expired_unspent" | "steady";

/** The largest lease, in requests, under the tightest rpm and tpm (at least one request). */
export function leaseCap(rpm: number | undefined, tpm: number | undefined, tokensPerRequest: number): number {
  const byRequests = rpm === undefined ? Number.POSITIVE_INFINITY : (rpm * CAP_SECONDS) / 60;
  const byTokens = tpm === undefined || tokensPerRequest <= 0 ? Number.POSITIVE_INFINITY : (tpm * CAP_SECONDS) / 60 / tokensPerRequest;
  const cap = Math.floor(Math.min(byRequests, byTokens));
  return Number.isFinite(cap) ? Math.max(1, cap) : 1;
}

export function nextLeaseSize(size: number, outcome: LeaseOutcome, cap: number): number {
  if (outcome === "ran_out_early") return Math.min(cap, size * 2);
  if (outcome === "expired_unspent") return Math.max(1, Math.floor(size / 2));
  return Math.max(1, Math.min(cap, size));
}

/**
 * Judges the lease being replaced: it expired unspent if it lapsed with some
 * left, and ran out early if it ran short within half its life.
 */
export function leaseOutcome(hasLeft: boolean, leasedAt: number, expiresAt: number, now: number): LeaseOutcome {
  if (now >= expiresAt) return hasLeft ? "expired_unspent" : "steady";
  return now - leasedAt < LEASE_MS / 2 ? "ran_out_early" : "steady";
}
