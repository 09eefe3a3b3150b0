// Funds held for requests in flight: a prepaid balance or a hard budget that
// covers five requests admits at most what it covers however many arrive at
// once, refuses none while enough is free, and gets back everything that
// requests drew from the isolate's lease and were not billed for.
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { Tenant } from "../../durable-objects/tenant";
import { placeLease, heldNanos, settleHolds, releaseHold } from "../../durable-objects/tenant/holds";
import { DEFAULT_HOLD_OUTPUT_TOKENS } from "../../worker/billing/hold-estimate";
import type { UsageRecord } from "../../worker/metering/usage-record";
import { scriptMessage } from "../../harness/scripted-origin";
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

  it("a hard budget with a committed-spend agreement holds at the overage rate, so overage cannot pass it", async () => {
    // Past a 1-nano commitment every request costs twice its price, and the origin reports usage as large as the hold
    // assumes: were the hold at list price, twice as many would be admitted and the budget passed twofold.
    await registerOrigin("holds-scripted", "scripted", { models: { "scripted-8b": "scripted-8b" }, price: PRICE });
    const scripted = (i: number, promptTokens: number) => ({
      model: "scripted-8b",
      messages: [
        { role: "user", content: scriptMessage({ status: 200, headers: { "content-type": "application/json" }, chunks: [JSON.stringify({ id: "s", object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }], usage: { prompt_tokens: promptTokens, completion_tokens: MAX_TOKENS } })] }) },
        { role: "user", content: `Question ${String(i).padStart(3, "0")}` },
      ],
      max_tokens: MAX_TOKENS,
    });
    // The prompt tokens the origin reports are the input the hold estimates (body bytes / 4): a fixed point, found in a few steps.
    let prompt = 100;
    for (let k = 0; k < 5; k++) prompt = Math.ceil(JSON.stringify(scripted(0, prompt)).length / 4);
    const listHold = (prompt + MAX_TOKENS) * PER_TOKEN;
    expect(Math.ceil(JSON.stringify(scripted(0, prompt)).length / 4)).toBe(prompt);
    const budgetNanos = 5 * 2 * listHold + listHold;
    const { key } = await tenantWith({
      pricing: { models: { "scripted-8b": PRICE } },
      budget: { monthly_usd: budgetNanos / NANOS, mode: "hard" },
      agreement: { monthly_commit_nanos: 1, discount: 0.2, overage_multiplier: 2 },
    });
    const responses = await Promise.all(Array.from({ length: 50 }, (_, i) => chat(key, scripted(i, prompt), { "x-meridian-hedge": "off" })));
    let answered = 0;
    for (const res of responses) {
      if (res.status === 200) {
        answered++;
        await res.json();
      } else expect(await expectOpenAiError(res, 402)).toMatchObject({ code: "budget_exceeded" });
    }
    expect(answered).toBeGreaterThanOrEqual(5); // nothing refused while enough was free
    const usage = await usageWhen(key, (u) => u.totals.requests >= answered);
    const spent = Math.round(usage.account.spent_month_usd * NANOS);
    // The first request is within the commitment (0.8 x list), the rest past it (2 x list).
    expect(spent).toBe(Math.round(0.8 * listHold) + (answered - 1) * 2 * listHold);
    expect(spent).toBeLessThanOrEqual(budgetNanos);
  });
});

/**
 * What the object holds is no more than this isolate's lease, which is one
 * request's worth when the funds cover only a few (any leaked draw would add one).
 */
async function expectHeldAtMostOneLease(id: string, requestNanos = holdOf()) {
  const object = env.TENANT.get(env.TENANT.idFromName(id));
  await expect.poll(() => runInDurableObject(object, (_i, state) => heldNanos(state.storage.sql)), { timeout: 5_000 }).toBeLessThanOrEqual(requestNanos);
}

/**
 * Nothing the requests so far drew is still held: a request that needs more
 * than two requests' worth of the funds left is admitted (it closes the
 * isolate's lease, which keeps only what was drawn and not charged), and
 * afterwards the object holds nothing.
 */
async function expectAllFundsFree(id: string, key: string, freeNanos: number) {
  const perToken = (tokens: number) => (Math.ceil(JSON.stringify(body(0, { max_tokens: tokens })).length / 4) + tokens) * PER_TOKEN;
  let tokens = MAX_TOKENS;
  while (perToken(tokens + 1) <= freeNanos) tokens++;
  expect(perToken(tokens)).toBeGreaterThan(freeNanos - holdOf()); // any one leaked hold would refuse it
  const big = await ask(key, 500, { max_tokens: tokens });
  expect(big.status).toBe(200);
  await big.json();
  const object = env.TENANT.get(env.TENANT.idFromName(id));
  await usageWhen(key, (u) => u.totals.requests >= 1);
  await expect.poll(() => runInDurableObject(object, (_i, state) => heldNanos(state.storage.sql)), { timeout: 5_000 }).toBeLessThanOrEqual(perToken(tokens));
}

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
    expect((await readUsage(key)).totals.requests).toBe(0);
    await expectHeldAtMostOneLease(id, holdOf({ model: "broken-model" }));
    await expectAllFundsFree(id, key, 3 * holdOf());
  }, 20_000);

  it("goes back when a rate limit refuses the request after its funds were held", async () => {
    const { id, key } = await tenantWith({ prepaid: true, limits: { rpm: 1 } }, 3 * holdOf());
    const first = await ask(key, 1);
    expect(first.status).toBe(200);
    await first.json();
    for (let i = 2; i < 6; i++) expect((await expectOpenAiError(await ask(key, i), 429)).code).toBe("rate_limit_exceeded");
    // The first request was billed; the four refused ones gave back what they drew.
    await usageWhen(key, (u) => u.totals.requests >= 1);
    await expectHeldAtMostOneLease(id);
  });
});

describe("holds in the Tenant object", () => {
  const terms = { prepaid: true };
  const record = (holdId: string, drew?: number): UsageRecord => ({
    id: crypto.randomUUID(), request_id: "r", key_id: "k", model: "m", origin: "o", region: "weur", input_tokens: 1, output_tokens: 0, cache: "miss", stream: false, at: Date.now(), list_price: null, hold_id: holdId,
    ...(drew === undefined ? {} : { hold_nanos: drew }),
  });
  /** A prepaid tenant with 1,000 nano-dollars, and `fn` run inside its object. */
  async function inFundedObject(fn: (instance: Tenant, sql: SqlStorage) => void): Promise<void> {
    const { id } = await tenantWith({ prepaid: true }, 1_000);
    await runInDurableObject(env.TENANT.get(env.TENANT.idFromName(id)), (instance: Tenant, state) => fn(instance, state.storage.sql));
  }
  const lease = (id: string, needNanos: number, ttlMs: number, more: { wantNanos?: number; close?: { id: string; drawnNanos: number } } = {}) => ({ id, needNanos, wantNanos: more.wantNanos ?? needNanos, ttlMs, ...(more.close ? { close: more.close } : {}) });

  it("leases what the balance minus the live holds covers, a fair share of it at most, and settles, closes and lapses", async () => {
    await inFundedObject((_instance, sql) => {
      const t0 = Date.now();
      expect(placeLease(sql, terms, lease("a", 600, 1_000), t0)).toMatchObject({ ok: true, grantedNanos: 600 });
      expect(placeLease(sql, terms, lease("b", 600, 1_000), t0).ok).toBe(false);
      // Asking for much more gets an eighth of what is left (400 / 8), never less than the request that asks.
      expect(placeLease(sql, terms, lease("c", 20, 60_000, { wantNanos: 3_200 }), t0)).toMatchObject({ ok: true, grantedNanos: 50 });
      expect(heldNanos(sql)).toBe(650);
      // The record that charges a request takes what it drew off its lease.
      settleHolds(sql, [record("c", 20)]);
      expect(heldNanos(sql)).toBe(630);
      // The next lease closes "a" down to what its requests drew (250) and have not been charged for (100 of it was).
      settleHolds(sql, [record("a", 100)]);
      expect(placeLease(sql, terms, lease("e", 100, 60_000, { close: { id: "a", drawnNanos: 250 } }), t0)).toMatchObject({ ok: true, grantedNanos: 100 });
      expect(heldNanos(sql)).toBe(150 + 30 + 100);
      // A request drawn from a closed lease that is not billed gives back what it drew.
      releaseHold(sql, "a", 150);
      expect(heldNanos(sql)).toBe(130);
      // A lease nobody settles lapses.
      expect(placeLease(sql, terms, lease("d", 900, 1_000), t0 + 999).ok).toBe(false);
      expect(placeLease(sql, terms, lease("d", 900, 1_000), t0 + 1_000).ok).toBe(false); // "c" and "e" live on
      expect(placeLease(sql, terms, lease("d", 900, 1_000), t0 + 60_000)).toMatchObject({ ok: true, grantedNanos: 900 });
      // A record from before leases settles its request's own hold whole.
      settleHolds(sql, [record("d")]);
      expect(heldNanos(sql)).toBe(0);
      // Money that is not a number is never held, nor given back, nor settled.
      for (const nanos of [Number.NaN, Number.POSITIVE_INFINITY, -1, 0.5]) {
        expect(placeLease(sql, terms, lease("f", nanos, 1_000), t0 + 61_000).ok).toBe(false);
        expect(placeLease(sql, terms, lease("g", 10, 1_000, { close: { id: "g", drawnNanos: nanos } }), t0 + 61_000).ok).toBe(true);
        releaseHold(sql, "g", nanos);
        settleHolds(sql, [record("g", nanos)]);
        expect(heldNanos(sql)).toBe(10);
        releaseHold(sql, "g", 10);
      }
      expect(placeLease(sql, terms, lease("h", 1, Number.POSITIVE_INFINITY), t0 + 61_000).ok).toBe(false);
    });
  });

  it("settles a batch delivered twice (directly and by the queue) once", async () => {
    const batch = [record("twice", 40), record("twice", 60)].map((r) => ({ ...r, model: "llama-8b" }));
    await inFundedObject((instance, sql) => {
      expect(placeLease(sql, terms, lease("twice", 300, 60_000), Date.now()).ok).toBe(true);
      instance.recordUsage(batch);
      expect(heldNanos(sql)).toBe(200);
      instance.recordUsage(batch); // the same records again: nothing charged, nothing settled
      expect(heldNanos(sql)).toBe(200);
      instance.recordUsage([...batch, record("twice", 50)].map((r) => ({ ...r, model: "llama-8b" })));
      expect(heldNanos(sql)).toBe(150);
    });
  });

  it("settles a batch whose records share leases as the sum each lease drew, never below zero", async () => {
    await inFundedObject((_instance, sql) => {
      const t0 = Date.now();
      expect(placeLease(sql, terms, lease("p", 100, 60_000), t0).ok).toBe(true);
      expect(placeLease(sql, terms, lease("q", 50, 60_000), t0).ok).toBe(true);
      settleHolds(sql, [record("p", 10), record("q", 20), record("p", 15), record("unknown", 5), record("p", Number.NaN)]);
      expect(heldNanos(sql)).toBe(75 + 30);
      // More drawn than held (requests that ran past their lease's estimate) empties the hold, no more.
      settleHolds(sql, [record("q", 20), record("q", 20)]);
      expect(heldNanos(sql)).toBe(75);
    });
  });
});
