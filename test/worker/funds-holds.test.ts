// Funds held for requests in flight: a prepaid balance or a hard budget that
// covers five requests admits at most what it covers however many arrive at
// once, refuses none while enough is free, and gets every hold back.
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { placeHold, heldNanos, settleHolds, releaseHold } from "../../durable-objects/tenant/holds";
import { DEFAULT_HOLD_OUTPUT_TOKENS } from "../../worker/billing/hold-estimate";
import type { UsageRecord } from "../../worker/metering/usage-record";
import { adminJson, chat, expectOpenAiError, newTenant, registerOrigin, userMessage } from "./helpers";
import { NANOS, readUsage, usageWhen } from "./usage-helpers";

// $1000 per 1M tokens in and out: every token costs exactly 1,000,000 nano-dollars.
const PRICE = { input_per_m: 1000, output_per_m: 1000 };
const PER_TOKEN = 1_000_000;
const PRICING = { models: { "llama-8b": PRICE } };
const MAX_TOKENS = 8;

beforeAll(async () => {
  await registerOrigin("holds-origin", "healthy", { price: { input_per_m: 0.2, output_per_m: 0.6 } });
});

/** Every request has a body of the same length, so each holds the same amount. */
const body = (i: number, extra: Record<string, unknown> = {}) => ({ model: "llama-8b", messages: userMessage(`Question ${String(i).padStart(3, "0")}: what is a ledger?`), max_tokens: MAX_TOKENS, ...extra });
/** What admission holds for `body(i, extra)`: its input (body bytes / 4) and its whole output cap, per choice. */
const holdOf = (extra: Record<string, unknown> = {}, outputTokens = MAX_TOKENS) => (Math.ceil(JSON.stringify(body(0, extra)).length / 4) + outputTokens) * PER_TOKEN;
const ask = (key: string, i: number, extra: Record<string, unknown> = {}) => chat(key, body(i, extra), { "x-meridian-hedge": "off" });

async function tenantWith(profile: Record<string, unknown>, creditsNanos?: number) {
  const { id, key, keyId } = await newTenant();
  await adminJson("PUT", `/tenants/${id}`, { name: id, pricing: PRICING, ...profile });
  if (creditsNanos !== undefined) await adminJson("POST", `/tenants/${id}/credits`, { amount_usd: creditsNanos / NANOS });
  return { id, key, keyId };
}

/** Fires `n` requests at once; the statuses, and every refusal's error body. */
async function burst(key: string, n: number) {
  const responses = await Promise.all(Array.from({ length: n }, (_, i) => ask(key, i)));
  const refusals = [];
  for (const res of responses) {
    if (res.status === 200) await res.json();
    else refusals.push(await expectOpenAiError(res, 402));
  }
  return { answered: responses.filter((r) => r.status === 200).length, refusals };
}

describe("50 concurrent requests against funds that cover 5", () => {
  it("a prepaid balance admits what it covers and never goes below zero", async () => {
    const hold = holdOf();
    const credits = 5 * hold + hold / 2;
    const { key } = await tenantWith({ prepaid: true }, credits);

    const { answered, refusals } = await burst(key, 50);
    expect(answered).toBeGreaterThanOrEqual(5); // nothing refused while enough was free
    expect(refusals.length).toBe(50 - answered);
    for (const r of refusals) expect(r).toMatchObject({ type: "invalid_request_error", code: "insufficient_credits" });

    const usage = await usageWhen(key, (u) => u.totals.requests >= answered);
    expect(usage.totals.requests).toBe(answered);
    const left = Math.round(usage.account.credits_usd! * NANOS);
    expect(left).toBeGreaterThanOrEqual(0);
    expect(left).toBe(credits - Math.round(usage.totals.cost_usd * NANOS));

    // Every hold came back: the next request is admitted exactly when what is left covers it.
    const next = await ask(key, 999);
    expect(next.status).toBe(left >= hold ? 200 : 402);
  });

  it("a hard monthly budget admits what it covers and is never passed", async () => {
    const hold = holdOf();
    const budgetNanos = 5 * hold + hold / 2;
    const { key } = await tenantWith({ budget: { monthly_usd: budgetNanos / NANOS, mode: "hard" } });

    const { answered, refusals } = await burst(key, 50);
    expect(answered).toBeGreaterThanOrEqual(5);
    for (const r of refusals) expect(r).toMatchObject({ type: "invalid_request_error", code: "budget_exceeded" });

    const usage = await usageWhen(key, (u) => u.totals.requests >= answered);
    expect(usage.totals.requests).toBe(answered);
    const spent = Math.round(usage.account.spent_month_usd * NANOS);
    expect(spent).toBeLessThanOrEqual(budgetNanos);

    const next = await ask(key, 999);
    expect(next.status).toBe(budgetNanos - spent >= hold ? 200 : 402);
  });
});

describe("what a request holds", () => {
  it("is its whole output cap for every choice, not only its input", async () => {
    const credits = 2 * holdOf();
    const { key } = await tenantWith({ prepaid: true }, credits);
    // The input alone fits many times over; eight choices or eight times the output do not.
    expect(holdOf({ n: 8 }, 8 * MAX_TOKENS)).toBeGreaterThan(credits);
    const many = await expectOpenAiError(await ask(key, 1, { n: 8 }), 402);
    expect(many.code).toBe("insufficient_credits");
    expect(holdOf({ max_tokens: 8 * MAX_TOKENS }, 8 * MAX_TOKENS)).toBeGreaterThan(credits);
    const long = await expectOpenAiError(await ask(key, 2, { max_tokens: 8 * MAX_TOKENS }), 402);
    expect(long.code).toBe("insufficient_credits");
    // Without a cap, the default cap is held.
    const uncapped = { model: "llama-8b", messages: userMessage("Question 003: what is a ledger?") };
    expect((await chat(key, uncapped, { "x-meridian-hedge": "off" })).status).toBe(402);
    expect(holdOf({}, DEFAULT_HOLD_OUTPUT_TOKENS)).toBeGreaterThan(2 * holdOf());
    const one = await ask(key, 4);
    expect(one.status).toBe(200);
    await one.json();
  });

  it("goes back when the request is refused after admission or gets no answer", async () => {
    await registerOrigin("holds-broken", "failing", { models: { "broken-model": "llama-8b" }, price: PRICE });
    const { id, key } = await tenantWith({ prepaid: true, pricing: { models: { "llama-8b": PRICE, "broken-model": PRICE } } }, 3 * holdOf());
    for (let i = 0; i < 5; i++) {
      const res = await chat(key, { ...body(i), model: "broken-model" }, { "x-meridian-hedge": "off" });
      expect(res.status).toBeGreaterThanOrEqual(500);
      await res.text();
    }
    const object = env.TENANT.get(env.TENANT.idFromName(id));
    await expect.poll(() => runInDurableObject(object, (_i, state) => heldNanos(state.storage.sql)), { timeout: 5_000 }).toBe(0);
    expect((await readUsage(key)).totals.requests).toBe(0);
  });

  it("goes back when a rate limit refuses the request after its funds were held", async () => {
    const { id, key } = await tenantWith({ prepaid: true, limits: { rpm: 1 } }, 3 * holdOf());
    const first = await ask(key, 1);
    expect(first.status).toBe(200);
    await first.json();
    for (let i = 2; i < 6; i++) expect((await expectOpenAiError(await ask(key, i), 429)).code).toBe("rate_limit_exceeded");
    const object = env.TENANT.get(env.TENANT.idFromName(id));
    await expect.poll(() => runInDurableObject(object, (_i, state) => heldNanos(state.storage.sql)), { timeout: 5_000 }).toBe(0);
  });
});

describe("holds in the Tenant object", () => {
  const terms = { prepaid: true };
  const record = (holdId: string): UsageRecord => ({
    id: crypto.randomUUID(), request_id: "r", key_id: "k", model: "m", origin: "o", region: "weur", input_tokens: 1, output_tokens: 0, cache: "miss", stream: false, at: Date.now(), list_price: null, hold_id: holdId,
  });

  it("refuses what the balance minus the live holds cannot cover, settles with the usage record and lapses at expiry", async () => {
    const { id } = await tenantWith({ prepaid: true }, 1_000);
    const object = env.TENANT.get(env.TENANT.idFromName(id));
    await runInDurableObject(object, (_instance, state) => {
      const sql = state.storage.sql;
      const t0 = Date.now();
      expect(placeHold(sql, terms, { id: "a", nanos: 600, ttlMs: 1_000 }, t0).ok).toBe(true);
      expect(placeHold(sql, terms, { id: "b", nanos: 600, ttlMs: 1_000 }, t0).ok).toBe(false);
      expect(placeHold(sql, terms, { id: "c", nanos: 400, ttlMs: 60_000 }, t0).ok).toBe(true);
      expect(heldNanos(sql)).toBe(1_000);
      // The record that charges a request takes its hold back.
      settleHolds(sql, [record("c")]);
      expect(heldNanos(sql)).toBe(600);
      // A hold nobody settles lapses.
      expect(placeHold(sql, terms, { id: "d", nanos: 900, ttlMs: 1_000 }, t0 + 999).ok).toBe(false);
      expect(placeHold(sql, terms, { id: "d", nanos: 900, ttlMs: 1_000 }, t0 + 1_000).ok).toBe(true);
      releaseHold(sql, "d");
      expect(heldNanos(sql)).toBe(0);
      // Money that is not a number is never held.
      for (const nanos of [Number.NaN, Number.POSITIVE_INFINITY, -1, 0.5]) expect(placeHold(sql, terms, { id: "e", nanos, ttlMs: 1_000 }, t0 + 2_000).ok).toBe(false);
      expect(placeHold(sql, terms, { id: "f", nanos: 1, ttlMs: Number.POSITIVE_INFINITY }, t0 + 2_000).ok).toBe(false);
    });
  });
});
