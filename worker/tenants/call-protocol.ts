// The tenant's calls that only make work for its object, each limited per
// minute by the object (durable-objects/tenant/call-limits.ts).
export type LimitedCall = "feedback" | "usage";
