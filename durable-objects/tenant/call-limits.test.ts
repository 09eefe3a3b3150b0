import { describe, expect, it } from "vitest";
import { CALL_LIMITS, CallLimits } from "./call-limits";

describe("CallLimits", () => {
  it("admits a key's calls up to its limit per minute, then says when to come back", () => {
    const limits = new CallLimits();
    const { key } = CALL_LIMITS.usage;
    for (let i = 0; i < key; i++) expect(limits.take("usage", "k1", 0)).toBe(0);
    const wait = limits.take("usage", "k1", 0);
    expect(wait).toBe(Math.ceil(60_000 / key));
    expect(limits.take("usage", "k1", wait)).toBe(0); // one call refilled
    expect(limits.take("feedback", "k1", 0)).toBe(0); // another kind of call has its own bucket
  });

  it("holds the whole tenant to its own limit, whatever the number of keys", () => {
    const limits = new CallLimits();
    const { key, tenant } = CALL_LIMITS.usage;
    let admitted = 0;
    for (let k = 0; k < 2 * Math.ceil(tenant / key); k++) for (let i = 0; i < key; i++) if (limits.take("usage", `k${k}`, 0) === 0) admitted++;
    expect(admitted).toBe(tenant);
  });
});
