// What an isolate and a tenant's object say to each other about funds held
// for requests in flight (see durable-objects/tenant/holds.ts and
// worker/billing/funds-lease.ts).
import type { AccountState } from "./account";
import type { FundsVerdict } from "./funds";

/**
 * An isolate asks for a lease: funds held for the requests it will admit
 * over the next few seconds, drawn from locally without a call per request.
 */
export interface FundsLeaseRequest {
  /** Chosen by the isolate; usage records name it (`hold_id`) to settle what they drew. */
  id: string;
  /** The request that asks: the lease must cover at least this, or the answer is a refusal (402). */
  needNanos: number;
  /** What the isolate would like, for the requests after it (granted as far as the funds allow). */
  wantNanos: number;
  /** When an unsettled lease lapses: its drawing window, the longest request drawn from it, and time for usage to arrive. */
  ttlMs: number;
  /** The lease this one replaces: the object keeps only what its requests drew and have not been charged for yet. */
  close?: { id: string; drawnNanos: number };
}

/** The object's answer: a lease (of `grantedNanos`) or a refusal, and the account as it stands. */
export type FundsLeaseAnswer = FundsVerdict & { grantedNanos: number; account: AccountState };
