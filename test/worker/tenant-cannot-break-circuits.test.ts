import { beforeAll, describe, expect, it } from "vitest";
import { adminJson, chat, expectOpenAiError, newTenant, registerOrigin, request, userMessage } from "./helpers";

// Circuits are shared by every tenant in a region, so only what an origin did
// may move them: never a limit a client or tenant set, nor our own errors.
const REGION = { "x-meridian-dev-region": "weur" };
const MODEL = "circuit-m";
const DEEP_MODEL = "circuit-deep";

type StatsRow = { origin: string; circuit: string; requests: number; error_rate: number };
async function stats(origin: string): Promise<StatsRow> {
  const body = await adminJson<{ data: StatsRow[] }>("GET", "/regions/weur/stats");
  return body.data.find((r) => r.origin === origin)!;
}

/** Polls the region's statistics until `done` holds (background reports land in tens of ms here). */
async function statsUntil(origin: string, done: (row: StatsRow) => boolean): Promise<StatsRow> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const row = await stats(origin);
    if (done(row) || Date.now() > deadline) return row;
    await new Promise((r) => setTimeout(r, 20));
  }
}

let attacker: string;
let victim: string;

beforeAll(async () => {
  await registerOrigin("circuit-victim", "healthy", { models: { [MODEL]: "llama-8b" } });
  await registerOrigin("circuit-victim-2", "healthy2", { models: { [DEEP_MODEL]: "llama-8b" } });
  attacker = (await newTenant()).key;
  victim = (await newTenant()).key;
}, 30_000); // registers origins and tenants: slow on a busy machine

const ask = (key: string, headers: Record<string, string> = {}, extra: Record<string, unknown> = {}, model = MODEL) =>
  chat(key, { model, messages: userMessage("hello"), max_tokens: 5, ...extra }, { ...REGION, "x-meridian-hedge": "off", ...headers });

describe("a tenant cannot open a shared circuit", () => {
  it("by tightening the timeouts until every attempt runs out", async () => {
    const pin = { "x-meridian-pin": "circuit-victim" };
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const whole = await ask(attacker, { ...pin, "x-meridian-timeout-ms": "1" });
      statuses.push(whole.status);
      await whole.text();
      const stream = await ask(attacker, { ...pin, "x-meridian-ttft-timeout-ms": "1" }, { stream: true });
      statuses.push(stream.status);
      await stream.text();
    }
    // The client's own limit ran out: its 504, not an origin failure.
    expect(statuses.filter((s) => s === 504).length).toBeGreaterThanOrEqual(5);
    await expectCircuitUntouched("circuit-victim", MODEL);
  });

  it("by a body nested too deep to serialize: a 400 when it is read", async () => {
    const nested = `${"[".repeat(200_000)}${"]".repeat(200_000)}`;
    const deep = `{"model":"${DEEP_MODEL}","messages":[{"role":"user","content":"hi"}],"nested":${nested}}`;
    for (let i = 0; i < 6; i++) {
      const res = await request("POST", "/v1/chat/completions", { body: deep, headers: { authorization: `Bearer ${attacker}`, ...REGION, "x-meridian-pin": "circuit-victim-2" } });
      expect((await expectOpenAiError(res, 400)).code).toBe("json_too_deep");
    }
    await expectCircuitUntouched("circuit-victim-2", DEEP_MODEL);
  });
});

/**
 * Another tenant's request is served, and once its success has reached the
 * region's statistics, the circuit has seen no failure at all.
 */
async function expectCircuitUntouched(origin: string, model: string): Promise<void> {
  const served = await ask(victim, {}, {}, model);
  expect(served.status).toBe(200);
  expect(served.headers.get("x-meridian-origin")).toBe(origin);
  await served.text();
  const row = await statsUntil(origin, (r) => r.requests >= 1);
  expect(row.requests).toBeGreaterThanOrEqual(1);
  expect(row.circuit).toBe("closed");
  expect(row.error_rate).toBe(0);
  const again = await ask(victim, {}, {}, model);
  expect(again.status).toBe(200);
  await again.text();
}
