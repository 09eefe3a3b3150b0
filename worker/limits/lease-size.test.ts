import { describe, expect, it } from "vitest";
import { LEASE_MS, leaseCap, leaseOutcome, nextLeaseSize } from "./lease-size";

describe("lease size", () => {
  it("caps a lease at two seconds of the tightest rate, and at least one request", () => {
    expect(leaseCap(6_000, undefined, 0)).toBe(200);
    expect(leaseCap(30, undefined, 0)).toBe(1);
    expect(leaseCap(6_000, 60_000, 100)).toBe(20); // 2 000 tokens in 2 s, 100 a request
    expect(leaseCap(undefined, 600, 500)).toBe(1); // a request bigger than the cap still gets one
    expect(leaseCap(undefined, undefined, 0)).toBe(1);
  });

  it("doubles while leases run out early, halves while they expire unspent", () => {
    expect(nextLeaseSize(4, "ran_out_early", 100)).toBe(8);
    expect(nextLeaseSize(80, "ran_out_early", 100)).toBe(100);
    expect(nextLeaseSize(9, "expired_unspent", 100)).toBe(4);
    expect(nextLeaseSize(1, "expired_unspent", 100)).toBe(1);
    expect(nextLeaseSize(50, "steady", 20)).toBe(20); // the cap shrank (e.g. a lower limit)
  });

  it("judges a lease by when it ran short and what it left", () => {
    const leasedAt = 1_000;
    const expiresAt = leasedAt + LEASE_MS;
    expect(leaseOutcome(false, leasedAt, expiresAt, leasedAt + 100)).toBe("ran_out_early");
    expect(leaseOutcome(false, leasedAt, expiresAt, leasedAt + LEASE_MS / 2 + 1)).toBe("steady");
    expect(leaseOutcome(true, leasedAt, expiresAt, expiresAt)).toBe("expired_unspent");
    expect(leaseOutcome(false, leasedAt, expiresAt, expiresAt)).toBe("steady");
    expect(leaseOutcome(false, 0, 0, leasedAt)).toBe("steady"); // a first lease
  });
});
