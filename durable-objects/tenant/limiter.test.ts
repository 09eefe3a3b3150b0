import { describe, expect, it } from "vitest";
import type { Amounts, LeaseRequest, ScopeLimits } from "../../worker/limits/lease-protocol";
import { Limiter } from "./limiter";

const T0 = 1_700_000_000_000;
const none: Amounts = { requests: 0, tokens: 0 };

function req(scopes: ScopeLimits[], need: Partial<Amounts>, want: Partial<Amounts> = need, settle: Partial<Amounts> = {}): LeaseRequest {
  return { scopes, need: { ...none, ...need }, want: { ...none, ...want }, settle: { ...none, ...settle } };
}

describe("Limiter", () => {
  it("grants up to what the bucket holds, then refuses with the wait", () => {
    const limiter = new Limiter();
    const scopes: ScopeLimits[] = [{ scope: "tenant", rpm: 6 }]; // one every 10 s
    expect(limiter.lease(req(scopes, { requests: 1 }, { requests: 4 }), T0)).toEqual({ ok: true, granted: { requests: 4, tokens: 0 }, remaining: { requests: 2, tokens: 0 } });
    expect(limiter.lease(req(scopes, { requests: 1 }, { requests: 4 }), T0)).toMatchObject({ ok: true, granted: { requests: 2 } });
    expect(limiter.lease(req(scopes, { requests: 1 }), T0 + 4_000)).toEqual({ ok: false, scope: "tenant", kind: "requests", limit: 6, retryAfterMs: 6_000 });
    expect(limiter.lease(req(scopes, { requests: 1 }), T0 + 10_000)).toMatchObject({ ok: true, granted: { requests: 1 } });
  });

  it("needs every scope: the key's bucket and the tenant's", () => {
    const limiter = new Limiter();
    const a: ScopeLimits[] = [{ scope: "tenant", rpm: 5 }, { scope: "key:a", rpm: 3 }];
    const b: ScopeLimits[] = [{ scope: "tenant", rpm: 5 }, { scope: "key:b", rpm: 3 }];
    expect(limiter.lease(req(a, { requests: 1 }, { requests: 10 }), T0)).toMatchObject({ ok: true, granted: { requests: 3 } });
    expect(limiter.lease(req(a, { requests: 1 }), T0)).toMatchObject({ ok: false, scope: "key:a", limit: 3 });
    expect(limiter.lease(req(b, { requests: 1 }, { requests: 10 }), T0)).toMatchObject({ ok: true, granted: { requests: 2 } }); // the tenant had 2 left
    expect(limiter.lease(req(b, { requests: 1 }), T0)).toMatchObject({ ok: false, scope: "tenant", limit: 5 });
  });

  it("names the bucket that has to wait longest", () => {
    const limiter = new Limiter();
    const scopes: ScopeLimits[] = [{ scope: "tenant", rpm: 60, tpm: 600 }];
    limiter.lease(req(scopes, { requests: 1, tokens: 600 }), T0);
    expect(limiter.lease(req(scopes, { requests: 1, tokens: 300 }), T0)).toEqual({ ok: false, scope: "tenant", kind: "tokens", limit: 600, retryAfterMs: 30_000 });
  });

  it("takes returns back and charges debts before granting", () => {
    const limiter = new Limiter();
    const scopes: ScopeLimits[] = [{ scope: "tenant", tpm: 1_000 }];
    expect(limiter.lease(req(scopes, { tokens: 800 }), T0)).toMatchObject({ ok: true, granted: { tokens: 800 } });
    expect(limiter.lease(req(scopes, { tokens: 500 }), T0)).toMatchObject({ ok: false });
    // 600 of the 800 were not used: the next lease can have them.
    expect(limiter.lease(req(scopes, { tokens: 500 }, { tokens: 500 }, { tokens: 600 }), T0)).toMatchObject({ ok: true, granted: { tokens: 500 }, remaining: { tokens: 300 } });
    // 400 more were used than leased: the bucket goes into debt.
    expect(limiter.lease(req(scopes, { tokens: 1 }, { tokens: 1 }, { tokens: -400 }), T0)).toMatchObject({ ok: false, retryAfterMs: 6_060 });
  });

  it("lets a request bigger than the whole limit through on a full bucket, leaving debt", () => {
    const limiter = new Limiter();
    const scopes: ScopeLimits[] = [{ scope: "tenant", tpm: 100 }];
    expect(limiter.lease(req(scopes, { tokens: 250 }), T0)).toMatchObject({ ok: true, granted: { tokens: 250 } });
    expect(limiter.lease(req(scopes, { tokens: 250 }), T0 + 60_000)).toMatchObject({ ok: false, retryAfterMs: 90_000 });
  });

  it("follows a limit change, keeping what this minute used", () => {
    const limiter = new Limiter();
    limiter.lease(req([{ scope: "tenant", rpm: 2 }], { requests: 2 }), T0);
    expect(limiter.lease(req([{ scope: "tenant", rpm: 2 }], { requests: 1 }), T0)).toMatchObject({ ok: false });
    expect(limiter.lease(req([{ scope: "tenant", rpm: 100 }], { requests: 1 }, { requests: 200 }), T0)).toMatchObject({ ok: true, granted: { requests: 98 } });
  });

  it("ignores kinds no scope limits", () => {
    const limiter = new Limiter();
    expect(limiter.lease(req([{ scope: "tenant", rpm: 10 }], { requests: 1, tokens: 5_000 }), T0)).toEqual({ ok: true, granted: { requests: 1, tokens: 0 }, remaining: { requests: 9, tokens: 0 } });
  });
});
