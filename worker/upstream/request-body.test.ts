import { describe, expect, it } from "vitest";
import { ApiError } from "../http/errors";
import { bodyFor, serializeBody, tenantCacheSalt } from "./request-body";

describe("upstream body", () => {
  it("puts each origin's model name into the body serialized once", () => {
    const once = serializeBody({ model: "alias", messages: [{ role: "user", content: "hi" }], stream: true });
    expect(JSON.parse(bodyFor(once, "llama-8b"))).toEqual({ model: "llama-8b", messages: [{ role: "user", content: "hi" }], stream: true });
    expect(JSON.parse(bodyFor(serializeBody({ model: "x" }), 'q"uote'))).toEqual({ model: 'q"uote' });
  });

  it("turns a body that cannot be serialized into a 400, not an attempt's error", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const err = (() => {
      try {
        serializeBody({ model: "m", cyclic });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(400);
  });
});

describe("cache salt", () => {
  it("is Meridian's: a client's cache_salt never reaches an origin, the tenant's goes only where asked", async () => {
    const once = serializeBody({ model: "m", cache_salt: "someone-elses-salt", prompt: "hi" });
    expect(JSON.parse(bodyFor(once, "up"))).toEqual({ model: "up", prompt: "hi" });
    expect(JSON.parse(bodyFor(once, "up", "abc"))).toEqual({ model: "up", cache_salt: "abc", prompt: "hi" });
  });

  it("is stable for a tenant and differs between tenants", async () => {
    const a = await tenantCacheSalt("tenant-a");
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(await tenantCacheSalt("tenant-a")).toBe(a);
    expect(await tenantCacheSalt("tenant-b")).not.toBe(a);
  });
});
