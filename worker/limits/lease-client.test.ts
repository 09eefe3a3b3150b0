// The lease client against the real bucket logic of the Tenant object, on a
// fake clock: several LeaseClient instances stand for several isolates.
import { describe, expect, it } from "vitest";
import { Limiter } from "../../durable-objects/tenant/limiter";
import { GRACE_WINDOW_MS } from "./fail-open-grace";
import { LeaseClient, RATE_LIMIT_GRACE, type CallerLimits, type LeaseCall } from "./lease-client";
import { LEASE_MS } from "./lease-size";

const T0 = 1_700_000_000_000;

function world() {
  const limiter = new Limiter();
  const clock = { now: T0 };
  const calls: { count: number } = { count: 0 };
  const call: LeaseCall = async (req) => {
    calls.count++;
    return limiter.lease(req, clock.now);
  };
  const isolate = () => new LeaseClient(() => clock.now);
  return { clock, call, calls, isolate };
}

describe("LeaseClient", () => {
  it("does nothing for a caller without limits", async () => {
    const { call, calls, isolate } = world();
    const client = isolate();
    expect(await client.admit(call, "t", "k", { tenant: {}, key: undefined }, 100)).toEqual({ ok: true, view: null });
    expect(calls.count).toBe(0);
  });

  it("admits exactly the limit from one isolate, however many requests are in flight", async () => {
    const { call, isolate } = world();
    const client = isolate();
    const results = await Promise.all(Array.from({ length: 100 }, () => client.admit(call, "t", "k", { tenant: { rpm: 30 } }, 0)));
    expect(results.filter((r) => r.ok)).toHaveLength(30);
    const refused = results.find((r) => !r.ok);
    expect(refused).toEqual({ ok: false, denial: { scope: "tenant", kind: "requests", limit: 30, retryAfterMs: 2_000 } });
  });

  it("calls the object a few times per lease, not per request, when traffic is steady", async () => {
    const { clock, call, calls, isolate } = world();
    const client = isolate();
    let admitted = 0;
    // 50 requests a second for 10 s under a limit of 100 a second.
    for (let i = 0; i < 500; i++, clock.now += 20) if ((await client.admit(call, "t", "k", { tenant: { rpm: 6_000 } }, 0)).ok) admitted++;
    expect(admitted).toBe(500);
    expect(calls.count).toBeLessThan(25); // leases grow to 200 requests (2 s of the rate)
    expect(client.counters).toMatchObject({ admitted: 500, leaseCalls: calls.count });
  });

  it("keeps several isolates within the limit, with at most their leases stranded", async () => {
    const { clock, call, isolate } = world();
    const isolates = Array.from({ length: 5 }, isolate);
    const limits: CallerLimits = { tenant: { rpm: 600 } }; // 10 a second, leases of at most 20
    let admitted = 0;
    const end = T0 + 60_000;
    // Uneven overload: isolate i sends i + 1 requests every 50 ms (15 per step: 300 a second).
    for (; clock.now < end; clock.now += 50) {
      await Promise.all(
        isolates.flatMap((client, i) => Array.from({ length: i + 1 }, async () => ((await client.admit(call, "t", "k", limits, 0)).ok ? admitted++ : 0))),
      );
    }
    const allowed = 600 + (600 * (end - 50 - T0)) / 60_000; // a full bucket plus the refill until the last step
    expect(admitted).toBeLessThanOrEqual(allowed);
    expect(admitted).toBeGreaterThanOrEqual(allowed - 5 * 20);
  });

  it("refuses locally while the object's wait lasts", async () => {
    const { clock, call, calls, isolate } = world();
    const client = isolate();
    const limits: CallerLimits = { key: { rpm: 2 } };
    expect((await client.admit(call, "t", "k", limits, 0)).ok).toBe(true);
    expect((await client.admit(call, "t", "k", limits, 0)).ok).toBe(true);
    const refused = await client.admit(call, "t", "k", limits, 0);
    expect(refused).toEqual({ ok: false, denial: { scope: "key:k", kind: "requests", limit: 2, retryAfterMs: 30_000 } });
    const before = calls.count;
    clock.now += 10_000;
    expect(await client.admit(call, "t", "k", limits, 0)).toEqual({ ok: false, denial: { scope: "key:k", kind: "requests", limit: 2, retryAfterMs: 20_000 } });
    expect(calls.count).toBe(before);
    clock.now += 20_000;
    expect((await client.admit(call, "t", "k", limits, 0)).ok).toBe(true);
  });

  it("charges tokens up front and takes the unused part back when the request settles", async () => {
    const { clock, call, isolate } = world();
    const client = isolate();
    const limits: CallerLimits = { tenant: { tpm: 1_000 } };
    expect((await client.admit(call, "t", "k", limits, 400)).ok).toBe(true);
    expect((await client.admit(call, "t", "k", limits, 400)).ok).toBe(true);
    const refused = await client.admit(call, "t", "k", limits, 400);
    expect(refused).toMatchObject({ ok: false, denial: { kind: "tokens", limit: 1_000, retryAfterMs: 12_000 } });
    client.settle("t", "k", 350); // the first used 50 of its 400
    client.settle("t", "k", 300);
    clock.now += 1; // the local refusal only holds back requests at least as big
    expect((await client.admit(call, "t", "k", limits, 400)).ok).toBe(true);
  });

  it("records usage beyond the estimate as debt that delays the next lease", async () => {
    const { clock, call, isolate } = world();
    const client = isolate();
    const limits: CallerLimits = { tenant: { tpm: 600 } }; // 10 a second
    expect((await client.admit(call, "t", "k", limits, 100)).ok).toBe(true);
    client.settle("t", "k", -500); // used 600
    clock.now += LEASE_MS;
    const refused = await client.admit(call, "t", "k", limits, 100);
    expect(refused).toMatchObject({ ok: false, denial: { kind: "tokens", retryAfterMs: 5_000 } }); // 50 refilled of the 100 needed
  });

  it("starts a new lease when the limits change, giving the old one back", async () => {
    const { call, isolate } = world();
    const client = isolate();
    expect((await client.admit(call, "t", "k", { tenant: { rpm: 1 } }, 0)).ok).toBe(true);
    expect((await client.admit(call, "t", "k", { tenant: { rpm: 1 } }, 0)).ok).toBe(false);
    expect((await client.admit(call, "t", "k", { tenant: { rpm: 60 } }, 0)).ok).toBe(true);
  });

  it("shrinks a quiet isolate's lease so it does not sit on the limit", async () => {
    const { clock, call, isolate } = world();
    const [quiet, busy] = [isolate(), isolate()];
    const limits: CallerLimits = { tenant: { rpm: 600 } }; // leases of at most 20
    const burst = (client: LeaseClient, n: number) => Promise.all(Array.from({ length: n }, () => client.admit(call, "t", "k", limits, 0)));
    for (let i = 0; i < 10; i++) await burst(quiet, 10); // grows its lease to the cap
    // Then one request per lease lifetime: each lease expires nearly unspent and the next is half the size.
    for (let i = 0; i < 6; i++) {
      clock.now += LEASE_MS;
      await quiet.admit(call, "t", "k", limits, 0);
    }
    // The bucket is full again; the quiet isolate holds nothing beyond the request it just made.
    const admitted = (await burst(busy, 700)).filter((r) => r.ok).length;
    expect(admitted).toBe(599);
  });

  it("lets requests through when the object cannot be reached, and settles later", async () => {
    const { call, isolate } = world();
    const client = isolate();
    const failing: LeaseCall = () => Promise.reject(new Error("unreachable"));
    expect((await client.admit(failing, "t", "k", { tenant: { rpm: 1 } }, 0)).ok).toBe(true);
    expect(client.counters.failedOpen).toBe(1);
    expect((await client.admit(call, "t", "k", { tenant: { rpm: 1 } }, 0)).ok).toBe(true);
  });

  it("lets only a bounded grace through while the object cannot be reached, then refuses until the next minute", async () => {
    const { clock, call, isolate } = world();
    const client = isolate();
    const failing: LeaseCall = () => Promise.reject(new Error("unreachable"));
    const limits = { tenant: { rpm: 600 } };
    // Two keys of one tenant share the tenant's allowance.
    const results = [];
    for (let i = 0; i < 30; i++) results.push(await client.admit(failing, "t", i % 2 ? "k1" : "k2", limits, 0));
    expect(results.filter((r) => r.ok)).toHaveLength(RATE_LIMIT_GRACE.requests);
    expect(results.at(-1)).toEqual({ ok: false, unreachable: true });
    expect(client.counters).toMatchObject({ failedOpen: RATE_LIMIT_GRACE.requests, unreachable: 30 - RATE_LIMIT_GRACE.requests });
    // Another tenant has its own allowance.
    expect((await client.admit(failing, "u", "k", limits, 0)).ok).toBe(true);
    // A new minute, a new allowance; and once the object answers, leases as usual.
    clock.now += GRACE_WINDOW_MS;
    expect((await client.admit(failing, "t", "k1", limits, 0)).ok).toBe(true);
    expect((await client.admit(call, "t", "k1", limits, 0)).ok).toBe(true);
  });

  it("never lets more through on grace than the caller's own per-minute limits", async () => {
    const { isolate } = world();
    const client = isolate();
    const failing: LeaseCall = () => Promise.reject(new Error("unreachable"));
    const byRequests = [];
    for (let i = 0; i < 5; i++) byRequests.push((await client.admit(failing, "t", "k", { tenant: { rpm: 3 } }, 0)).ok);
    expect(byRequests).toEqual([true, true, true, false, false]);
    const byTokens = [];
    for (let i = 0; i < 5; i++) byTokens.push((await client.admit(failing, "u", "k", { tenant: { tpm: 1_000 } }, 400)).ok);
    expect(byTokens).toEqual([true, true, false, false, false]);
  });
});
