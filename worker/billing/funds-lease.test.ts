import { describe, expect, it } from "vitest";
import { FundsLeases, LEASE_DRAW_MS, LEASE_REQUESTS } from "./funds-lease";

const T = "tenant-a";

describe("FundsLeases", () => {
  it("asks the object first, then admits from the lease until it cannot cover a request", () => {
    const leases = new FundsLeases();
    expect(leases.draw(T, 10, 0)).toBeNull();
    const req = leases.renewal(T, 10, 60_000, "L1");
    expect(req).toEqual({ id: "L1", needNanos: 10, wantNanos: 10 * LEASE_REQUESTS, ttlMs: 60_000 });
    expect(leases.granted(T, req, 35, 0)).toEqual({ leaseId: "L1", nanos: 10 });
    expect(leases.draw(T, 10, 1)).toEqual({ leaseId: "L1", nanos: 10 });
    expect(leases.draw(T, 10, 2)).toEqual({ leaseId: "L1", nanos: 10 });
    expect(leases.draw(T, 10, 3)).toBeNull(); // 30 drawn of 35
    expect(leases.draw(T, 5, 3)).toEqual({ leaseId: "L1", nanos: 5 });
  });

  it("closes the lease it replaces with what its requests drew, less what they gave back", () => {
    const leases = new FundsLeases();
    const first = leases.renewal(T, 10, 1_000, "L1");
    const a = leases.granted(T, first, 40, 0);
    leases.draw(T, 10, 0);
    expect(leases.giveBack(T, a)).toBe(true);
    expect(leases.renewal(T, 10, 1_000, "L2").close).toEqual({ id: "L1", drawnNanos: 10 });
  });

  it("stops drawing when the window ends, so the object hears from the isolate again", () => {
    const leases = new FundsLeases();
    leases.granted(T, leases.renewal(T, 1, 1_000, "L1"), 1_000, 0);
    expect(leases.draw(T, 1, LEASE_DRAW_MS - 1)).not.toBeNull();
    expect(leases.draw(T, 1, LEASE_DRAW_MS)).toBeNull();
  });

  it("says a draw from a lease that has been closed must be given back at the object", () => {
    const leases = new FundsLeases();
    const drawn = leases.granted(T, leases.renewal(T, 10, 1_000, "L1"), 10, 0);
    leases.granted(T, leases.renewal(T, 10, 1_000, "L2"), 10, 1);
    expect(leases.giveBack(T, drawn)).toBe(false);
    expect(leases.giveBack("another-tenant", drawn)).toBe(false);
  });

  it("forgets a lease the object may have closed (refused or unreachable), and keeps tenants apart", () => {
    const leases = new FundsLeases();
    leases.granted(T, leases.renewal(T, 10, 1_000, "L1"), 100, 0);
    leases.granted("b", leases.renewal("b", 10, 1_000, "B1"), 100, 0);
    leases.forget(T, leases.renewal(T, 1_000, 1_000, "L2"));
    expect(leases.draw(T, 1, 1)).toBeNull();
    expect(leases.draw("b", 1, 1)).toEqual({ leaseId: "B1", nanos: 1 });
    // Names that are Object.prototype's own are tenants like any other.
    for (const name of ["__proto__", "constructor", "toString"]) {
      expect(leases.draw(name, 1, 1)).toBeNull();
      leases.granted(name, leases.renewal(name, 1, 1_000, `${name}-lease`), 5, 1);
      expect(leases.draw(name, 1, 2)).toEqual({ leaseId: `${name}-lease`, nanos: 1 });
    }
    expect(leases.size).toBe(4); // T's lease was forgotten
    leases.prune(LEASE_DRAW_MS + 10_002, 10_000);
    expect(leases.size).toBe(0);
  });

  it("never draws money that is not a whole number of nano-dollars, so the object judges it", () => {
    const leases = new FundsLeases();
    leases.granted(T, leases.renewal(T, 1, 1_000, "L1"), 1_000, 0);
    for (const nanos of [Number.NaN, Number.POSITIVE_INFINITY, -1, 0.5]) expect(leases.draw(T, nanos, 1)).toBeNull();
    expect(leases.draw(T, 999, 1)).toEqual({ leaseId: "L1", nanos: 999 }); // nothing above was drawn
  });
});
