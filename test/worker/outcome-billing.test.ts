// Outcome-based charges, committed-spend agreements and month-end statements,
// through the real router, Tenant objects and a scripted origin that reports
// exact usage. Prices are chosen so that every token is a whole number of
// nano-dollars: $1000 per 1M input tokens (1,000,000 nanos a token) and
// $2000 per 1M output tokens (2,000,000 nanos a token).
import { beforeAll, describe, expect, it } from "vitest";
import { scriptMessage, type OriginScript } from "../../harness/scripted-origin";
import { admin, adminJson, chat, expectOpenAiError, newTenant, registerOrigin, request } from "./helpers";
import { NANOS, readUsage, usageWhen, type UsageBody } from "./usage-helpers";

const MODEL = "outcome-m";
const PRICE = { input_per_m: 1000, output_per_m: 2000 };
const IN = 1_000_000;
const OUT = 2_000_000;

beforeAll(async () => {
  await registerOrigin("outcome-origin", "scripted", { models: { [MODEL]: MODEL }, price: { input_per_m: 0.1, output_per_m: 0.1 } });
});

const json = (content: string | null, usage: { prompt_tokens: number; completion_tokens: number }, finish = "stop"): OriginScript => ({
  status: 200,
  headers: { "content-type": "application/json" },
  chunks: [JSON.stringify({ id: "x", object: "chat.completion", model: MODEL, choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: finish }], usage })],
});
const event = (data: unknown) => `data: ${JSON.stringify(data)}\n\n`;
const delta = (content: string) => event({ id: "x", object: "chat.completion.chunk", choices: [{ index: 0, delta: { content } }] });
const usageEvent = (prompt: number, completion: number) => event({ id: "x", object: "chat.completion.chunk", choices: [], usage: { prompt_tokens: prompt, completion_tokens: completion } });
const sse = (...chunks: string[]): OriginScript => ({ status: 200, headers: { "content-type": "text/event-stream" }, chunks });

type Usage = UsageBody & {
  totals: UsageBody["totals"] & { waivers: number; waived_usd: number; refunded_usd: number };
  refunds: { request_id: string; amount_nanos: number }[];
  account: UsageBody["account"] & { agreement?: { committed_nanos: number; used_nanos: number; remaining_nanos: number } };
};
const nanos = (usd: number) => Math.round(usd * NANOS);

async function tenantWith(profile: Record<string, unknown>) {
  const t = await newTenant();
  await adminJson("PUT", `/tenants/${t.id}`, { name: t.id, ...profile });
  return t;
}

/** One call, answered in full; returns its request id. */
async function call(key: string, script: OriginScript, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await chat(key, { model: MODEL, messages: [{ role: "user", content: scriptMessage(script) }], ...extra }, { "x-meridian-hedge": "off" });
  expect(res.status).toBe(200);
  await res.text().catch(() => "");
  return res.headers.get("x-request-id")!;
}

const usageOf = (key: string, requests: number) => usageWhen(key, (u) => u.totals.requests >= requests) as Promise<Usage>;

describe("zero-completion insurance", () => {
  const answers = [
    json("", { prompt_tokens: 10, completion_tokens: 0 }), // no completion: waived 10 x IN
    json("partial", { prompt_tokens: 10, completion_tokens: 5 }, "error"), // error finish: waived 10 x IN + 5 x OUT
    json("fine", { prompt_tokens: 10, completion_tokens: 5 }), // charged 20,000,000
  ];
  // An error event mid-stream after text and usage: waived 10 x IN + 3 x OUT.
  const broken = sse(delta("Hi"), usageEvent(10, 3), event({ error: { message: "engine died", type: "server_error" } }));

  it("charges nothing for an empty answer or an error finish, JSON or streamed", async () => {
    const { key } = await tenantWith({ pricing: { models: { [MODEL]: PRICE }, outcomes: { zero_completion: true } } });
    for (const a of answers) await call(key, a);
    await call(key, broken, { stream: true });
    const u = await usageOf(key, 4);
    expect(nanos(u.totals.cost_usd)).toBe(20_000_000);
    expect(u.totals.waivers).toBe(3);
    expect(nanos(u.totals.waived_usd)).toBe(10 * IN + (10 * IN + 5 * OUT) + (10 * IN + 3 * OUT)); // 46,000,000
    expect(nanos(u.totals.waived_usd)).toBe(46_000_000);
  });

  it("a tenant without the rule pays for all of them", async () => {
    const { key } = await tenantWith({ pricing: { models: { [MODEL]: PRICE } } });
    for (const a of answers) await call(key, a);
    await call(key, broken, { stream: true });
    const u = await usageOf(key, 4);
    expect(nanos(u.totals.cost_usd)).toBe(10_000_000 + 20_000_000 + 20_000_000 + 16_000_000); // 66,000,000
    expect(u.totals.waivers).toBe(0);
  });
});

describe("structured outputs", () => {
  const schema = { type: "object", properties: { a: { type: "integer" } }, required: ["a"], additionalProperties: false };
  const strict = { response_format: { type: "json_schema", json_schema: { name: "a", schema, strict: true } } };
  const loose = { response_format: { type: "json_schema", json_schema: { name: "a", schema, strict: false } } };

  it("an answer that does not follow a strict schema is not charged, JSON or streamed", async () => {
    const { key } = await tenantWith({ pricing: { models: { [MODEL]: PRICE }, outcomes: { structured_outputs: true } } });
    await call(key, json('{"a":1}', { prompt_tokens: 10, completion_tokens: 5 }), strict); // charged 20,000,000
    await call(key, json('{"a":"one"}', { prompt_tokens: 10, completion_tokens: 5 }), strict); // waived 20,000,000
    await call(key, sse(delta('{"a":'), delta("2}"), usageEvent(10, 4), "data: [DONE]\n\n"), { ...strict, stream: true }); // charged 18,000,000
    await call(key, sse(delta('{"b":'), delta("2}"), usageEvent(10, 4), "data: [DONE]\n\n"), { ...strict, stream: true }); // waived 18,000,000
    await call(key, json('{"a":"one"}', { prompt_tokens: 10, completion_tokens: 5 }), loose); // not strict: charged 20,000,000
    const u = await usageOf(key, 5);
    expect(nanos(u.totals.cost_usd)).toBe(58_000_000);
    expect(u.totals.waivers).toBe(2);
    expect(nanos(u.totals.waived_usd)).toBe(38_000_000);
  });
});

describe("refunds of calls rated down", () => {
  const fine = json("fine", { prompt_tokens: 10, completion_tokens: 5 }); // 20,000,000 each
  const rate = (key: string, requestId: string, rating: unknown = "down") =>
    request("POST", "/v1/feedback", { body: { request_id: requestId, rating }, headers: { authorization: `Bearer ${key}` } });

  it("refunds within the share cap, once per request, never another tenant's request", async () => {
    const { id, key } = await tenantWith({ prepaid: true, pricing: { models: { [MODEL]: PRICE }, outcomes: { feedback_refund: { window_minutes: 10, max_share: 0.5 } } } });
    await adminJson("POST", `/tenants/${id}/credits`, { amount_usd: 100 });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await call(key, fine));
    await usageOf(key, 4); // gross 80,000,000

    const first = await rate(key, ids[0]!);
    expect((await first.json()) as unknown).toMatchObject({ refund: { status: "refunded", amount_nanos: -20_000_000 } });
    expect((await rate(key, ids[0]!)).status).toBe(409); // rated already: nothing more
    const up = await rate(key, ids[1]!, "up");
    expect(await up.json()).not.toHaveProperty("refund");

    // Another tenant rating this tenant's request refunds nothing, to either.
    const other = await tenantWith({ pricing: { models: { [MODEL]: PRICE }, outcomes: { feedback_refund: { window_minutes: 10 } } } });
    const foreign = await rate(other.key, ids[2]!);
    expect(await foreign.json()).toMatchObject({ refund: { status: "pending" } });

    const second = await rate(key, ids[2]!, 0.1);
    expect(await second.json()).toMatchObject({ refund: { status: "refunded", amount_nanos: -20_000_000 } });
    // A third would pass half of the month's charges (60,000,000 > 40,000,000).
    const third = await rate(key, ids[3]!);
    expect(await third.json()).toMatchObject({ refund: { status: "refused", reason: "share_cap" } });

    const u = (await readUsage(key)) as Usage;
    expect(nanos(u.totals.cost_usd)).toBe(80_000_000);
    expect(nanos(u.totals.refunded_usd)).toBe(40_000_000);
    expect(u.refunds.map((r) => [r.request_id, r.amount_nanos])).toEqual([
      [ids[0], -20_000_000],
      [ids[2], -20_000_000],
    ]);
    expect(nanos(u.account.spent_month_usd)).toBe(40_000_000);
    expect(nanos(u.account.credits_usd!)).toBe(100_000_000_000 - 80_000_000 + 40_000_000); // the balance got the refunds back
    const others = (await readUsage(other.key)) as Usage;
    expect(others.refunds).toEqual([]);
  });

  it("a call with two usage records (an escalation, or a repeated x-request-id in the window) is refunded whole", async () => {
    const { key } = await tenantWith({ pricing: { models: { [MODEL]: PRICE }, outcomes: { feedback_refund: { window_minutes: 10, max_share: 1 } } } });
    const requestId = `twice-${crypto.randomUUID()}`;
    for (const completion of [5, 10]) {
      const res = await chat(key, { model: MODEL, messages: [{ role: "user", content: scriptMessage(json("x", { prompt_tokens: 10, completion_tokens: completion })) }] }, { "x-meridian-hedge": "off", "x-request-id": requestId });
      expect(res.headers.get("x-request-id")).toBe(requestId);
      await res.text();
    }
    await usageOf(key, 2); // 20,000,000 + 30,000,000
    expect(await (await rate(key, requestId)).json()).toMatchObject({ refund: { status: "refunded", amount_nanos: -50_000_000 } });
    const u = (await readUsage(key)) as Usage;
    expect(nanos(u.totals.cost_usd)).toBe(50_000_000);
    expect(nanos(u.account.spent_month_usd)).toBe(0);
  });

  it("a thumbs-down that arrives before the call's usage is settled when the usage does", async () => {
    const { key } = await tenantWith({ pricing: { models: { [MODEL]: PRICE }, outcomes: { feedback_refund: { window_minutes: 10, max_share: 1 } } } });
    const id = await call(key, fine);
    const rated = await rate(key, id);
    expect([200, 202]).toContain(rated.status);
    const u = (await usageWhen(key, (x) => (x as Usage).refunds?.length === 1)) as Usage;
    expect(u.refunds[0]).toMatchObject({ request_id: id, amount_nanos: -20_000_000 });
    expect(nanos(u.account.spent_month_usd)).toBe(0);
  });
});

describe("committed-spend agreement and the month-end statement", () => {
  it("prices within and past the commitment, and the statement adds up to the ledger", async () => {
    const { id, key } = await tenantWith({
      pricing: {
        models: { [MODEL]: PRICE },
        tiers: [{ from_tokens: 30, discount: 0.1 }],
        outcomes: { zero_completion: true, feedback_refund: { window_minutes: 10, max_share: 0.5 } },
      },
      agreement: { monthly_commit_nanos: 50_000_000, discount: 0.2, overage_multiplier: 1.5 },
    });
    await adminJson("POST", `/tenants/${id}/credits`, { amount_usd: 1, note: "=SUM(A1)" });
    const fine = json("fine", { prompt_tokens: 10, completion_tokens: 5 }); // list 20,000,000; 15 tokens
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(await call(key, fine));
      await usageOf(key, i + 1); // one at a time: each is priced on the month before it
    }
    await call(key, json("", { prompt_tokens: 10, completion_tokens: 0 }));
    const before = await usageOf(key, 6);
    // 1: 20M x 0.8 = 16M; 2: 16M (tier not yet reached: 15 tokens); 3, 4: tier 10% -> 18M x 0.8 = 14.4M each (46.4M < 50M before 4);
    // 5: past the commitment (60.8M) -> 18M x 1.5 = 27M; 6: no completion -> waived 10M x 0.9 x 1.5 = 13.5M.
    expect(nanos(before.totals.cost_usd)).toBe(16_000_000 + 16_000_000 + 14_400_000 + 14_400_000 + 27_000_000); // 87,800,000
    expect(nanos(before.totals.waived_usd)).toBe(13_500_000);
    expect(before.account.agreement).toMatchObject({ committed_nanos: 50_000_000, used_nanos: 87_800_000, remaining_nanos: 0 });

    const refunded = await request("POST", "/v1/feedback", { body: { request_id: ids[4], rating: "down" }, headers: { authorization: `Bearer ${key}` } });
    expect(await refunded.json()).toMatchObject({ refund: { status: "refunded", amount_nanos: -27_000_000 } });

    const month = before.account.month;
    const statement = await adminJson<{
      lines: { kind: string; amount_nanos: number; waived_nanos: number; waivers: number; requests: number; request_id: string | null }[];
      total_nanos: number;
      ledger_nanos: number;
      amount_due_nanos: number;
      credits_added_nanos: number;
      agreement: { used_nanos: number; remaining_nanos: number; shortfall_nanos: number };
    }>("GET", `/tenants/${id}/statements/${month}`);
    const sum = statement.lines.reduce((s, l) => s + l.amount_nanos, 0);
    expect(sum).toBe(60_800_000);
    expect(statement.total_nanos).toBe(60_800_000);
    expect(statement.ledger_nanos).toBe(60_800_000);
    expect(statement.amount_due_nanos).toBe(60_800_000); // past the commitment: no shortfall
    expect(statement.agreement).toMatchObject({ used_nanos: 60_800_000, remaining_nanos: 0, shortfall_nanos: 0 });
    expect(statement.credits_added_nanos).toBe(1_000_000_000);
    expect(statement.lines).toEqual([
      expect.objectContaining({ kind: "usage", requests: 6, amount_nanos: 87_800_000, waivers: 1, waived_nanos: 13_500_000, within_commitment_nanos: 60_800_000, overage_nanos: 27_000_000 }),
      expect.objectContaining({ kind: "refund", request_id: ids[4], amount_nanos: -27_000_000 }),
    ]);
    // The usage read-out and the statement agree with each other too.
    const after = (await readUsage(key)) as Usage;
    expect(nanos(after.totals.cost_usd) - nanos(after.totals.refunded_usd)).toBe(statement.ledger_nanos);

    const csv = await admin("GET", `/tenants/${id}/statements/${month}?format=csv`);
    expect(csv.headers.get("content-type")).toContain("text/csv");
    const rows = (await csv.text()).trim().split("\r\n");
    expect(rows[0]).toBe("kind,model,date,request_id,requests,input_tokens,output_tokens,cache_hits,waivers,amount_nanos,cache_saved_nanos,waived_nanos,within_commitment_nanos,overage_nanos");
    expect(rows[1]).toMatch(/^"usage","outcome-m",,,6,.*,87800000,0,13500000,60800000,27000000$/);
    const amounts = rows.slice(1).filter((r) => r.startsWith('"usage"') || r.startsWith('"refund"')).map((r) => Number(r.split(",")[9]));
    expect(amounts.reduce((a, b) => a + b, 0)).toBe(60_800_000);
    expect(rows).toContain('"total",,,,,,,,,60800000,,,,');
  });

  it("an agreement short of its commitment owes the shortfall; Accept: text/csv works", async () => {
    const { id, key } = await tenantWith({ pricing: { models: { [MODEL]: PRICE } }, agreement: { monthly_commit_nanos: 100_000_000, discount: 0.25 } });
    await call(key, json("fine", { prompt_tokens: 10, completion_tokens: 5 })); // 20M x 0.75 = 15,000,000
    const u = await usageOf(key, 1);
    expect(u.account.agreement).toMatchObject({ committed_nanos: 100_000_000, used_nanos: 15_000_000, remaining_nanos: 85_000_000 });
    const s = await adminJson<{ total_nanos: number; amount_due_nanos: number }>("GET", `/tenants/${id}/statements/${u.account.month}`);
    expect(s).toMatchObject({ total_nanos: 15_000_000, amount_due_nanos: 100_000_000 });
    const res = await request("GET", `/admin/v1/tenants/${id}/statements/${u.account.month}`, { headers: { authorization: `Bearer ${(await import("./helpers")).ADMIN_TOKEN}`, accept: "text/csv" } });
    expect(await res.text()).toContain('"commitment_shortfall",,,,,,,,,85000000,,,,');
  });

  it("a month that is not YYYY-MM, an unknown format or tenant, is a clear 4xx", async () => {
    const { id } = await newTenant();
    for (const bad of ["2026-13", "2026-1", "abc", "2026-00"]) await expectOpenAiError(await admin("GET", `/tenants/${id}/statements/${bad}`), 400);
    await expectOpenAiError(await admin("GET", `/tenants/${id}/statements/2026-11?format=xml`), 400);
    await expectOpenAiError(await admin("GET", `/tenants/${id}/statements/2026-11?__proto__=1`), 400);
    await expectOpenAiError(await admin("GET", `/tenants/no-such-tenant-x/statements/2026-11`), 404);
    const empty = await adminJson<{ lines: unknown[]; total_nanos: number; ledger_nanos: number }>("GET", `/tenants/${id}/statements/2020-01`);
    expect(empty).toMatchObject({ lines: [], total_nanos: 0, ledger_nanos: 0 });
  });

  it("refuses bad agreements and outcome options with a 400", async () => {
    const { id } = await newTenant();
    const put = (extra: Record<string, unknown>) => admin("PUT", `/tenants/${id}`, { name: id, ...extra });
    await expectOpenAiError(await put({ agreement: { monthly_commit_nanos: 1.5, discount: 0.1 } }), 400);
    await expectOpenAiError(await put({ agreement: { monthly_commit_nanos: 1e20, discount: 0.1 } }), 400);
    await expectOpenAiError(await put({ agreement: { monthly_commit_nanos: 100, discount: 2 } }), 400);
    await expectOpenAiError(await put({ agreement: { monthly_commit_nanos: 100, discount: 0.1, __proto__x: 1 } }), 400);
    await expectOpenAiError(await put(JSON.parse('{"agreement":{"monthly_commit_nanos":100,"discount":0.1,"__proto__":{"discount":0}}}') as Record<string, unknown>), 400);
    await expectOpenAiError(await put(JSON.parse('{"pricing":{"outcomes":{"constructor":true}}}') as Record<string, unknown>), 400);
    await expectOpenAiError(await put({ agreement: { monthly_commit_nanos: null, discount: 0.1 } }), 400); // NaN arrives as null
    await expectOpenAiError(await put({ pricing: { outcomes: { feedback_refund: { window_minutes: 0 } } } }), 400);
    await expectOpenAiError(await put({ pricing: { outcomes: { zero_completion: "yes" } } }), 400);
  });
});
