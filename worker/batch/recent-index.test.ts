import { describe, expect, it } from "vitest";
import { parseRecentKey, recentKey } from "./recent-index";

const A = `batch_${"a".repeat(32)}`;
const B = `batch_${"b".repeat(32)}`;

describe("recent batches index", () => {
  it("gives back the batch and tenant a key names", () => {
    expect(parseRecentKey(recentKey("acme.prod-1", A, 1_800_000_000))).toEqual({ batchId: A, tenantId: "acme.prod-1" });
  });

  it("sorts newer batches first, whatever the tenant", () => {
    const keys = [recentKey("zeta", A, 1_700_000_000), recentKey("alpha", B, 1_700_000_001), recentKey("mid", A, 1_700_000_100)];
    expect([...keys].sort().map((k) => parseRecentKey(k)!.tenantId)).toEqual(["mid", "alpha", "zeta"]);
  });

  it("refuses keys it did not make", () => {
    for (const key of ["recent-batches/", `batches/acme/09999999999999-${A}`, `recent-batches/0000000000001-${A}/t`, `recent-batches/00000000000001-__proto__/t`, `recent-batches/00000000000001-${A}/`, `recent-batches/00000000000001-${A}/t/u`]) {
      expect(parseRecentKey(key), key).toBeNull();
    }
  });
});
