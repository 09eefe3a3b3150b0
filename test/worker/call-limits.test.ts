// `POST /v1/feedback` and `GET /v1/usage` go to the tenant's object and cost
// it work, with no origin and no bill: each key (and each tenant) gets a
// number per minute, and past it a 429 in the OpenAI shape with Retry-After.
// The buckets refill with real time here, so each test empties one through
// the object and then asks through the route (a call or two may refill meanwhile).
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { CALL_LIMITS } from "../../durable-objects/tenant/call-limits";
import type { LimitedCall } from "../../worker/tenants/call-protocol";
import { adminJson, expectOpenAiError, newTenant, request } from "./helpers";

const usage = (key: string) => request("GET", "/v1/usage", { headers: { authorization: `Bearer ${key}` } });
const feedback = (key: string, requestId: string) => request("POST", "/v1/feedback", { body: { request_id: requestId, rating: 1 }, headers: { authorization: `Bearer ${key}` } });

/** Empties the key's bucket, then calls the route until it refuses (the bucket refills a call every 100-500 ms). */
async function callUntilRefused(tenantId: string, keyId: string, call: LimitedCall, send: () => Promise<Response>): Promise<Response> {
  const object = env.TENANT.get(env.TENANT.idFromName(tenantId));
  for (let round = 0; round < 20; round++) {
    for (let i = 0; i <= CALL_LIMITS[call].key && (await object.admitCall(call, keyId)) === 0; i++);
    const res = await send();
    if (res.status === 429) return res;
    expect(res.status).toBeLessThan(300);
    await res.body?.cancel();
  }
  throw new Error(`${call} was never refused`);
}

async function expectLimited(res: Response): Promise<void> {
  const err = await expectOpenAiError(res, 429);
  expect([err.type, err.code]).toEqual(["rate_limit_error", "rate_limit_exceeded"]);
  expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
}

// The worker's first request in a fresh runtime starts it (seconds on a busy machine): not inside a test.
beforeAll(async () => void (await request("GET", "/healthz")).body?.cancel(), 60_000);

// Hundreds of calls each: more than the default five seconds on a busy machine.
describe("calls that only make work for the tenant's object", { timeout: 60_000 }, () => {
  it("GET /v1/usage: past the key's read-outs per minute, a 429 with Retry-After; the tenant's other keys still read", async () => {
    const { id, key, keyId } = await newTenant();
    expect((await usage(key)).status).toBe(200);
    await expectLimited(await callUntilRefused(id, keyId, "usage", () => usage(key)));
    const other = await adminJson<{ key: string }>("POST", `/tenants/${id}/keys`, {});
    expect((await usage(other.key)).status).toBe(200);
  });

  it("POST /v1/feedback: past the key's limit a rating is refused before the object stores it", async () => {
    const { id, key, keyId } = await newTenant();
    expect((await feedback(key, "req-before")).status).toBe(202);
    let n = 0;
    await expectLimited(await callUntilRefused(id, keyId, "feedback", () => feedback(key, `req-${++n}`)));
    const other = await adminJson<{ key: string }>("POST", `/tenants/${id}/keys`, {});
    expect((await feedback(other.key, "req-other-key")).status).toBe(202);
    // The refused rating was never stored: taken now, it is new, not a duplicate.
    expect(await env.TENANT.get(env.TENANT.idFromName(id)).feedback(`req-${n}`, 1)).toBe("pending");
  });

  it("holds a tenant with many keys to the tenant's limit", async () => {
    const { id, keyId } = await newTenant();
    const object = env.TENANT.get(env.TENANT.idFromName(id));
    const { key: perKey, tenant } = CALL_LIMITS.usage;
    const started = Date.now();
    let admitted = 0;
    let asked = 0;
    for (let k = 0; k < (2 * tenant) / perKey; k++) {
      for (let i = 0; i < perKey; i++, asked++) if ((await object.admitCall("usage", `${keyId}-${k}`)) === 0) admitted++;
    }
    const refilled = Math.ceil(((Date.now() - started) * tenant) / 60_000);
    expect(admitted).toBeGreaterThanOrEqual(tenant);
    expect(admitted).toBeLessThanOrEqual(tenant + refilled);
    expect(admitted).toBeLessThan(asked);
  });
});
