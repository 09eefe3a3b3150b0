// Turns the parts of a tenant's rules that steer routing into the router's
// own types: the default preferences a request starts from, and its limits.
import type { Settings } from "../settings";
import type { Policy, RoutingPreferences } from "../routing/policy";
import type { RulePolicy, RulesDocument } from "../schemas/rules";

export function policyFrom(p: RulePolicy | undefined): Policy {
  if (!p) return { kind: "auto" };
  switch (p.kind) {
    case "balanced":
      return { kind: "balanced", latencyWeight: p.latency_weight ?? 0.5 };
    case "pinned":
      return { kind: "pinned", order: p.pin ?? [] };
    default:
      return { kind: p.kind };
  }
}

/** What a request of this tenant is routed by unless it steers otherwise. */
export function tenantPreferences(rules: RulesDocument, policy: RulePolicy | undefined): RoutingPreferences {
  const c = rules.constraints ?? {};
  const floor = policy?.min_tokens_per_s;
  return {
    policy: policyFrom(policy),
    ...(floor !== undefined ? { minTokensPerS: floor } : {}),
    ...(policy?.affinity === false ? { affinity: false } : {}),
    constraints: {
      ...(c.regions ? { regions: c.regions } : {}),
      ...(c.max_price_per_m !== undefined ? { maxPricePerM: c.max_price_per_m } : {}),
      ...(c.max_ttft_ms !== undefined ? { maxTtftMs: c.max_ttft_ms } : {}),
    },
    hedge: (rules.retries?.hedge_budget ?? 1) > 0,
  };
}

export interface RetryLimits {
  maxAttempts: number;
  ttftTimeoutMs: number;
  attemptTimeoutMs: number;
  hedgeBudget: number;
}

/** The tenant's retry settings over the operator's. */
export function retryLimits(rules: RulesDocument, config: Settings): RetryLimits {
  const r = rules.retries ?? {};
  return {
    maxAttempts: r.max_attempts ?? config.maxAttempts,
    ttftTimeoutMs: r.ttft_timeout_ms ?? config.ttftTimeoutMs,
    attemptTimeoutMs: r.attempt_timeout_ms ?? config.attemptTimeoutMs,
    hedgeBudget: r.hedge_budget ?? config.hedgeBudget,
  };
}
