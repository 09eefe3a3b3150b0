import { beforeAll, describe, expect, it } from "vitest";
import { adminJson, chat, expectOpenAiError, newTenant, registerOrigin, userMessage } from "./helpers";

// An origin's 401/403/404 is about the origin (an expired credential, a route
// it lacks), not the request: the next origin answers, the origin's circuit
// hears of it, and its text never reaches the tenant.
const REGION = { "x-meridian-dev-region": "weur", "x-meridian-hedge": "off" };
let key: string;

type StatsRow = { origin: string; circuit: string; requests: number; error_rate: number };
async function statsUntil(origin: string, done: (row: StatsRow) => boolean): Promise<StatsRow> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const body = await adminJson<{ data: StatsRow[] }>("GET", "/regions/weur/stats");
    const row = body.data.find((r) => r.origin === origin)!;
    if (done(row) || Date.now() > deadline) return row;
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  const expired = { header: "authorization", value: "Bearer expired-secret" };
  await registerOrigin("expired-cred", "auth-required", { models: { "cred-m": "llama-8b", "cred-only": "llama-8b" }, auth: expired });
  await registerOrigin("cred-backup", "healthy", { models: { "cred-m": "llama-8b" } });
  await registerOrigin("cred-good", "auth-required", { models: { "cred-good-m": "llama-8b" }, auth: { header: "authorization", value: "Bearer fleet-secret" } });
  key = (await newTenant()).key;
}, 30_000);

describe("an origin's 4xx about itself", () => {
  it("fails over to the next origin and counts against the origin that refused", async () => {
    const res = await chat(key, { model: "cred-m", messages: userMessage("hi"), max_tokens: 4 }, { ...REGION, "x-meridian-pin": "expired-cred,cred-backup" });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-meridian-origin")).toBe("cred-backup");
    expect(res.headers.get("x-meridian-attempts")).toBe("2");
    await res.text();
    const row = await statsUntil("expired-cred", (r) => r.error_rate > 0);
    expect(row.error_rate).toBeGreaterThan(0);
  });

  it("is a 502 without the origin's text when no other origin answers", async () => {
    const res = await chat(key, { model: "cred-only", messages: userMessage("hi"), max_tokens: 4 }, REGION);
    const err = await expectOpenAiError(res, 502);
    expect(err.code).toBe("upstream_unavailable");
    expect(JSON.stringify(err)).not.toContain("Incorrect API key");
  });

  it("still serves through an origin whose credential is right", async () => {
    const res = await chat(key, { model: "cred-good-m", messages: userMessage("hi"), max_tokens: 4 }, REGION);
    expect(res.status).toBe(200);
    await res.text();
  });
});
