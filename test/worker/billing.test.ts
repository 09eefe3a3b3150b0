// Money end to end: prepaid credits (402 when they run out, back on a top-up),
// hard and alert budgets, the credits journal, and volume tiers charged by
// the tenant's object.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { AccountState } from "../../worker/billing/account";
import type { UsageRecord } from "../../worker/metering/usage-record";
import { admin, adminJson, chat, expectOpenAiError, newTenant, registerOrigin, userMessage } from "./helpers";
import { NANOS, readUsage, usageWhen } from "./usage-helpers";

// A price high enough that each request costs a few cents: 20-odd prompt tokens and 8 output tokens at $1000 per 1M.
const EXPENSIVE = { models: { "llama-8b": { input_per_m: 1000, output_per_m: 1000 } } };

beforeAll(async () => {
  await registerOrigin("billing-origin", "healthy", { price: { input_per_m: 0.2, output_per_m: 0.6 } });
});

const ask = (key: string, i = 0) => chat(key, { model: "llama-8b", messages: userMessage(`Question ${i}: what is a ledger?`), max_tokens: 8 }, { "x-meridian-hedge": "off" });

async function tenantWith(profile: Record<string, unknown>): Promise<{ id: string; key: string }> {
  const { id, key } = await newTenant();
  await adminJson("PUT", `/tenants/${id}`, { name: id, ...profile });
  return { id, key };
}

/** Asks until the answer is not a 200; returns how many were answered and the refusal. */
async function spendUntilRefused(key: string, max = 20): Promise<{ answered: number; refusal: Response }> {
  for (let i = 0; i < max; i++) {
    const res = await ask(key, i);
    if (res.status !== 200) return { answered: i, refusal: res };
    await res.json();
  }
  throw new Error(`still answering after ${max} requests`);
}

describe("prepaid credits", () => {
  it("refuses with 402 when the balance is spent and serves again after a top-up", async () => {
    const { id, key } = await tenantWith({ prepaid: true, pricing: EXPENSIVE });

    // No credits yet.
    const empty = await expectOpenAiError(await ask(key), 402);
    expect(empty).toMatchObject({ type: "invalid_request_error", code: "insufficient_credits" });
    expect(empty.message).toContain("the balance is $0.000000");

    const topUp = await adminJson<{ object: string; amount_usd: number; balance_usd: number; account: AccountState }>("POST", `/tenants/${id}/credits`, { amount_usd: 0.1, note: "trial" });
    expect(topUp).toMatchObject({ object: "credit_entry", amount_usd: 0.1, balance_usd: 0.1, note: "trial", actor: "admin", account: { credits_usd: 0.1 } });

    const { answered, refusal } = await spendUntilRefused(key);
    expect(answered).toBeGreaterThanOrEqual(2);
    const error = await expectOpenAiError(refusal, 402);
    expect(error.code).toBe("insufficient_credits");
    // Refused because what is left cannot cover this request's input.
    const refused = /^Prepaid credits exhausted: the balance is (-?)\$([\d.]+) and this request needs about \$([\d.]+)\./.exec(error.message);
    expect(refused, error.message).not.toBeNull();
    const [, sign, left, needed] = refused!;
    expect(sign === "-" || Number(left) < Number(needed)).toBe(true);

    // The object agrees: every answered request was charged, and came out of the balance.
    const usage = await usageWhen(key, (u) => u.totals.requests >= answered);
    expect(usage.totals.requests).toBe(answered);
    expect(usage.account.credits_usd!).toBeCloseTo(0.1 - usage.totals.cost_usd, 9);

    await adminJson("POST", `/tenants/${id}/credits`, { amount_usd: 1 });
    const again = await ask(key, 99);
    expect(again.status).toBe(200);
    await again.json();
  });

  it("keeps a journal of top-ups and corrections, audited under the admin token's label", async () => {
    const { id } = await tenantWith({ prepaid: true });
    await adminJson("POST", `/tenants/${id}/credits`, { amount_usd: 5 });
    await adminJson("POST", `/tenants/${id}/credits`, { amount_usd: -1.25, note: "refund correction" });
    const credits = await adminJson<{ balance_usd: number; prepaid: boolean; data: { amount_usd: number; balance_usd: number; note: string | null; actor: string }[] }>("GET", `/tenants/${id}/credits`);
    expect(credits).toMatchObject({ object: "credits", tenant_id: id, balance_usd: 3.75, prepaid: true });
    expect(credits.data.map((e) => [e.amount_usd, e.balance_usd, e.note, e.actor])).toEqual([
      [-1.25, 3.75, "refund correction", "admin"],
      [5, 5, null, "admin"],
    ]);
    const audit = await adminJson<{ data: { action: string; detail: { amount_usd: number } }[] }>("GET", `/tenants/${id}/audit`);
    expect(audit.data.filter((e) => e.action === "credits.add").map((e) => e.detail.amount_usd)).toEqual([-1.25, 5]);
  });

  it("validates top-ups and knows unknown tenants", async () => {
    const { id } = await newTenant();
    for (const body of [{ amount_usd: 0 }, { amount_usd: "5" }, { amount_usd: 1, extra: true }, {}]) {
      expect((await admin("POST", `/tenants/${id}/credits`, body)).status, JSON.stringify(body)).toBe(400);
    }
    expect((await admin("POST", "/tenants/no-such-tenant/credits", { amount_usd: 1 })).status).toBe(404);
    expect((await admin("GET", "/tenants/no-such-tenant/credits")).status).toBe(404);
  });
});

describe("budgets", () => {
  it("stops a hard budget with 402 once what is left cannot cover the next request", async () => {
    const { key } = await tenantWith({ pricing: EXPENSIVE, budget: { monthly_usd: 0.1, mode: "hard" } });
    const { answered, refusal } = await spendUntilRefused(key);
    expect(answered).toBeGreaterThanOrEqual(2);
    const error = await expectOpenAiError(refusal, 402);
    expect(error.code).toBe("budget_exceeded");
    // Refused before the budget is passed: the request would need more than is left.
    const refused = /^Monthly budget too small for this request: \$([\d.]+) of \$0\.100000 spent or held in \d{4}-\d{2}, and this request needs up to \$([\d.]+) /.exec(error.message);
    expect(refused, error.message).not.toBeNull();
    expect(Number(refused![1]) + Number(refused![2])).toBeGreaterThan(0.1);
    const usage = await usageWhen(key, (u) => u.totals.requests >= answered);
    expect(usage.account.spent_month_usd).toBeLessThanOrEqual(0.1);
    expect(usage.account.budget).toMatchObject({ monthly_usd: 0.1, mode: "hard" });
  });

  it("only warns for an alert budget: a header past the threshold, one audit entry a month", async () => {
    const { id, key } = await tenantWith({ pricing: EXPENSIVE, budget: { monthly_usd: 0.05, mode: "alert", alert_at: 0.5 } });
    const percents: (string | null)[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await ask(key, i);
      expect(res.status).toBe(200);
      await res.json();
      percents.push(res.headers.get("x-meridian-budget"));
    }
    // Over budget, still served; the header appears once past 50% and keeps climbing.
    expect(percents[0]).toBeNull();
    const shown = percents.filter((p) => p !== null).map(Number);
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.at(-1)!).toBeGreaterThan(100);
    expect(shown).toEqual([...shown].sort((a, b) => a - b));

    await usageWhen(key, (u) => u.totals.requests >= 6);
    const audit = await adminJson<{ data: { action: string; actor: string; detail: { monthly_usd: number } }[] }>("GET", `/tenants/${id}/audit`);
    const alerts = audit.data.filter((e) => e.action === "budget.alert");
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ actor: "metering", detail: { monthly_usd: 0.05 } });
  });

  it("rejects a budget or price list that does not make sense", async () => {
    const { id } = await newTenant();
    for (const profile of [
      { budget: { monthly_usd: 0, mode: "hard" } },
      { budget: { monthly_usd: 10, mode: "soft" } },
      { budget: { monthly_usd: 10, mode: "alert", alert_at: 1.5 } },
      { pricing: { cache_hit_discount: 2 } },
      { pricing: { tiers: [{ from_tokens: -1, discount: 0.1 }] } },
      { pricing: { models: { m: { input_per_m: -1, output_per_m: 1 } } } },
      { prepaid: "yes" },
    ]) {
      const res = await admin("PUT", `/tenants/${id}`, { name: id, ...profile });
      expect(res.status, JSON.stringify(profile)).toBe(400);
    }
  });
});

describe("the object's charges", () => {
  const record = (keyId: string, tokens: number, cache: UsageRecord["cache"] = "miss"): UsageRecord => ({
    id: crypto.randomUUID(),
    request_id: "r",
    key_id: keyId,
    model: "llama-8b",
    origin: cache === "miss" ? "billing-origin" : null,
    region: "weur",
    input_tokens: tokens,
    output_tokens: 0,
    cache,
    stream: false,
    at: Date.now(),
    list_price: { input_per_m: 1, output_per_m: 1 },
  });

  it("applies the volume tier the month had reached before each record", async () => {
    const { id, key, keyId } = await newTenant();
    await adminJson("PUT", `/tenants/${id}`, { name: id, pricing: { tiers: [{ from_tokens: 1_000, discount: 0.5 }, { from_tokens: 3_000, discount: 0.9 }] } });
    const object = env.TENANT.get(env.TENANT.idFromName(id));
    // 1000 tokens at $1 per 1M = $0.001 = 1,000,000 nanos at full price.
    await object.recordUsage([record(keyId, 1_000)]); // month at 0: full price
    await object.recordUsage([record(keyId, 1_000), record(keyId, 1_000)]); // at 1000, then 2000: half price
    await object.recordUsage([record(keyId, 1_000)]); // at 3000: a tenth
    await object.recordUsage([record(keyId, 1_000, "hit-exact")]); // at 4000: a tenth, then half of that waived
    const usage = await readUsage(key);
    expect(Math.round(usage.totals.cost_usd * NANOS)).toBe(1_000_000 + 2 * 500_000 + 100_000 + 50_000);
    expect(Math.round(usage.totals.saved_usd * NANOS)).toBe(50_000);
    expect(usage.totals).toMatchObject({ requests: 5, cache_hits: 1, input_tokens: 5_000 });
    expect(usage.account.tokens_month).toBe(5_000);
  });
});
