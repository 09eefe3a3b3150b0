// While a tenant's object cannot be reached, an isolate admits what is left
// of the funds it leased before (held for it by the object) and then only a
// small grace per tenant and minute (worker/billing/funds-grace.ts), then
// 503: the whole worker with real bindings, but a Tenant namespace whose
// objects fail.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { app } from "../../worker/app";
import { LEASE_REQUESTS } from "../../worker/billing/funds-lease";
import { adminJson, expectOpenAiError, newTenant, registerOrigin, userMessage } from "./helpers";

/** The same bindings, as an isolate sees them when every Tenant object call fails. */
const failingStub = new Proxy({}, { get: () => () => Promise.reject(new Error("object unreachable")) });
const unreachable = {
  ...env,
  TENANT: { idFromName: (name: string) => env.TENANT.idFromName(name), get: () => failingStub },
} as unknown as typeof env;

async function chatWith(bindings: typeof env, key: string): Promise<Response> {
  const ctx = createExecutionContext();
  const body = JSON.stringify({ model: "llama-8b", messages: userMessage("hi"), max_tokens: 4 });
  const res = await app.fetch(new Request("http://meridian.test/v1/chat/completions", { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body }), bindings, ctx);
  const out = new Response(await res.text(), res);
  await waitOnExecutionContext(ctx);
  return out;
}

it("admits a bounded grace, then answers 503 tenant_state_unavailable, for a prepaid tenant whose object is down", async () => {
  await registerOrigin("fail-open-origin", "healthy");
  const { id, key } = await newTenant();
  await adminJson("PUT", `/tenants/${id}`, { name: id, prepaid: true });
  await adminJson("POST", `/tenants/${id}/credits`, { amount_usd: 100 });
  // Known to this "isolate" first, as a live tenant would be.
  expect((await chatWith(env, key)).status).toBe(200);

  const statuses: number[] = [];
  for (let i = 0; i < LEASE_REQUESTS + 40; i++) statuses.push((await chatWith(unreachable, key)).status);
  const admitted = statuses.filter((s) => s === 200).length;
  expect(admitted).toBeGreaterThan(0);
  // The rest of the lease the first request took (funds the object holds for this isolate), then at most the grace.
  expect(admitted).toBeLessThanOrEqual(LEASE_REQUESTS - 1 + 20);
  expect(statuses.slice(admitted).every((s) => s === 503)).toBe(true);
  const refused = await chatWith(unreachable, key);
  const error = await expectOpenAiError(refused, 503);
  expect(error.code).toBe("tenant_state_unavailable");
  expect(refused.headers.get("retry-after")).toBe("5");
  // With the object back, the tenant is served again.
  expect((await chatWith(env, key)).status).toBe(200);
});
