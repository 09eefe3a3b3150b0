import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../main";

// A stand-in for the admin API's usage read-out: one day, a waiver, batch lines and a refund.
const row = { requests: 5, input_tokens: 50, output_tokens: 20, cost_usd: 0.07, cache_hits: 1, saved_usd: 0.01, waivers: 1, waived_usd: 0.02, batch_requests: 3, batch_usd: 0.03 };
const server = createServer((_req, res) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify({
    tenant_id: "acme", from: "2026-11-01", to: "2026-11-30",
    data: [{ date: "2026-11-02", model: "m", ...row }],
    totals: { ...row, refunded_usd: 0.004 },
    refunds: [{ request_id: "req-1", usage_id: "u-1", at: 1, date: "2026-11-02", model: "m", key_id: "k", amount_nanos: -4_000_000, amount_usd: -0.004 }],
  }));
});
let env: Record<string, string>;
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  env = { MERIDIAN_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, MERIDIAN_ADMIN_TOKEN: "t" };
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("meridian usage", () => {
  it("shows what outcome rules waived, what batch lines cost, and the refunds", async () => {
    const out: string[] = [];
    expect(await main(["usage", "acme"], env, { print: (t) => out.push(t), note: () => {} })).toBe(0);
    const lines = out.join("\n").split("\n");
    expect(lines[1]).toMatch(/SAVED\s+WAIVED\s+BATCH$/);
    expect(lines.find((l) => l.startsWith("2026-11-02"))).toMatch(/\$0\.02\S*\s+\$0\.03\S*$/);
    expect(lines).toContain("refunded $0.004000 for 1 call(s) rated down");
  });
});
