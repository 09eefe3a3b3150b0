// The funds check while a tenant's object cannot be reached (so no hold can
// be placed): refuse what the last known account already refuses, admit the
// rest within this isolate's grace allowance for the tenant, then 503 until
// the object answers. Pure apart from the allowance it draws on.
import { FailOpenGrace, type GraceAllowance } from "../limits/fail-open-grace";
import { fundsVerdict, type FundsInput, type FundsVerdict } from "./funds";

/** Per isolate, tenant and minute: a few requests and a few cents of estimated cost. */
export const FUNDS_GRACE: GraceAllowance = { requests: 20, units: 50_000_000 };

export type GraceVerdict = FundsVerdict | { ok: false; code: "unavailable" };

export function fundsOnGrace(grace: FailOpenGrace, tenantId: string, input: FundsInput): GraceVerdict {
  const verdict = fundsVerdict(input);
  if (!verdict.ok) return verdict;
  return grace.take(tenantId, input.estimateNanos, FUNDS_GRACE) ? verdict : { ok: false, code: "unavailable" };
}
