// Money that is not a number never admits a request and never reaches the
// ledger: NaN compares false with everything (so it passes a gate written
// as "refuse if less than") and Infinity poisons every sum after it.
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { addCredits } from "../../durable-objects/tenant/ledger";
import type { AccountState } from "../../worker/billing/account";
import type { UsageRecord } from "../../worker/metering/usage-record";
import { adminJson, newTenant } from "./helpers";
import { NANOS, readUsage } from "./usage-helpers";

const record = (keyId: string, fields: Partial<UsageRecord> = {}): UsageRecord => ({
  id: crypto.randomUUID(),
  request_id: "r",
  key_id: keyId,
  model: "llama-8b",
  origin: "o",
  region: "weur",
  input_tokens: 1_000,
  output_tokens: 0,
  cache: "miss",
  stream: false,
  at: Date.now(),
  list_price: { input_per_m: 1, output_per_m: 1 },
  ...fields,
});

async function prepaidTenant(usd: number) {
  const { id, key, keyId } = await newTenant();
  await adminJson("PUT", `/tenants/${id}`, { name: id, prepaid: true });
  await adminJson("POST", `/tenants/${id}/credits`, { amount_usd: usd });
  return { id, key, keyId, object: env.TENANT.get(env.TENANT.idFromName(id)) };
}

describe("the Tenant object's ledger", () => {
  it("sets aside a record whose charge is not a whole number of nano-dollars and charges the rest of the batch", async () => {
    const { key, keyId, object } = await prepaidTenant(1);
    const batch = [
      record(keyId, { input_tokens: 1e300 }), // a finite but absurd count: the cost cannot be counted exactly
      record(keyId, { list_price: { input_per_m: Number.NaN, output_per_m: Number.NaN } }), // a malformed price: set aside when screened
      record(keyId, { model: "constructor", list_price: null }),
      record(keyId, { at: Number.NaN }),
      record(keyId), // 1000 tokens at $1 per 1M
    ];
    const account = (await object.recordUsage(batch)) as AccountState;
    expect(Number.isFinite(account.credits_usd)).toBe(true);
    expect(Math.round(account.credits_usd! * NANOS)).toBe(NANOS - 1_000_000);
    const usage = await readUsage(key);
    expect(usage.totals.requests).toBe(2); // the unpriced `constructor` record (free) and the ordinary one
    expect(Math.round(usage.totals.cost_usd * NANOS)).toBe(1_000_000);
    expect(usage.account.spent_month_usd).toBe(0.001);
  });

  it("refuses a credit that is not a whole number of nano-dollars, leaving the balance as it was", async () => {
    const { object } = await prepaidTenant(2);
    await runInDurableObject(object, (_instance, state) => {
      for (const amount of [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, 1e300, 0.5]) {
        expect(() => addCredits(state.storage.sql, "admin", amount, null, Date.now()), String(amount)).toThrow(RangeError);
      }
    });
    expect(((await object.account()) as AccountState).credits_usd).toBe(2);
  });
});
