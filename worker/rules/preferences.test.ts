import { describe, expect, it } from "vitest";
import { rulesDocument } from "./document";
import { policyFrom, tenantPreferences } from "./preferences";

describe("a tenant's default objective", () => {
  it("is auto (first token for streams, last token otherwise) when the rules name none", () => {
    expect(policyFrom(undefined)).toEqual({ kind: "auto" });
    expect(tenantPreferences({}, undefined)).toEqual({ policy: { kind: "auto" }, constraints: {}, hedge: true });
  });

  it("takes the rules' objective and tokens/s floor", () => {
    const rules = rulesDocument.parse({ policy: { kind: "ttft", min_tokens_per_s: 20 } });
    expect(tenantPreferences(rules, rules.policy)).toEqual({ policy: { kind: "ttft" }, minTokensPerS: 20, constraints: {}, hedge: true });
    for (const kind of ["auto", "throughput", "latency"] as const) expect(policyFrom(rulesDocument.parse({ policy: { kind } }).policy)).toEqual({ kind });
  });

  it("refuses an unknown objective or a nonsense floor", () => {
    for (const policy of [{ kind: "fastest" }, { kind: "__proto__" }, { kind: "ttft", min_tokens_per_s: -1 }, { kind: "ttft", min_tokens_per_s: 1e12 }, { kind: "ttft", min_tokens_per_s: "10" }]) {
      expect(rulesDocument.safeParse({ policy }).success).toBe(false);
    }
  });
});
