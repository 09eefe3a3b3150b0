// What an isolate and a tenant's object say to each other about funds held
// for requests in flight (see durable-objects/tenant/holds.ts).
import type { AccountState } from "./account";
import type { FundsVerdict } from "./funds";

export interface HoldRequest {
  /** Chosen by the isolate; the request's usage record names it to settle the hold. */
  id: string;
  /** The most the request may cost: its input plus its whole output cap, at the dearest price it may be served at. */
  nanos: number;
  /** When an unsettled hold lapses: the request's time limit plus time for its usage to arrive. */
  ttlMs: number;
}

/** The object's answer: held or refused (402), and the account as it stands. */
export type HoldAnswer = FundsVerdict & { account: AccountState };
