import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../main";

// A stand-in for the admin API: answers the statement route and remembers what it was asked.
const asked: string[] = [];
const server = createServer((req, res) => {
  asked.push(req.url!);
  if (req.url!.endsWith("format=csv")) {
    res.writeHead(200, { "content-type": "text/csv" });
    res.end('kind,model\r\n"usage","m"\r\n');
    return;
  }
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify({
    tenant_id: "acme", month: "2026-11", total_nanos: 60_800_000, ledger_nanos: 60_800_000, amount_due_nanos: 60_800_000, credits_added_nanos: 0,
    agreement: { committed_nanos: 50_000_000, used_nanos: 60_800_000, remaining_nanos: 0, shortfall_nanos: 0 },
    lines: [
      { kind: "usage", model: "m", date: null, request_id: null, requests: 6, input_tokens: 60, output_tokens: 25, cache_hits: 0, waivers: 1, amount_nanos: 87_800_000, cache_saved_nanos: 0, waived_nanos: 13_500_000 },
      { kind: "refund", model: "m", date: "2026-11-03", request_id: "req-5", requests: 0, input_tokens: 0, output_tokens: 0, cache_hits: 0, waivers: 0, amount_nanos: -27_000_000, cache_saved_nanos: 0, waived_nanos: 0 },
    ],
  }));
});
let env: Record<string, string>;
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  env = { MERIDIAN_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, MERIDIAN_ADMIN_TOKEN: "t" };
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { print: (t: string) => out.push(t), note: (t: string) => err.push(t) } };
}

describe("meridian statements", () => {
  it("prints the lines, the total to the nano-dollar and the agreement", async () => {
    const c = capture();
    expect(await main(["statements", "acme", "2026-11"], env, c.io)).toBe(0);
    expect(asked.at(-1)).toBe("/admin/v1/tenants/acme/statements/2026-11");
    const text = c.out.join("\n");
    expect(text).toContain("-$0.027000000");
    expect(text).toMatch(/total\s+\$0\.060800000\n/);
    expect(text).toContain("committed    $0.050000000, used $0.060800000, shortfall $0.000000000");
  });

  it("--csv prints the CSV; a month that is not YYYY-MM is a usage error", async () => {
    const c = capture();
    expect(await main(["statements", "acme", "2026-11", "--csv"], env, c.io)).toBe(0);
    expect(c.out).toEqual(['kind,model\r\n"usage","m"']);
    expect(await main(["statements", "acme", "2026-13"], env, c.io)).toBe(2);
    expect(c.err.at(-1)).toContain("<month> must be a month as YYYY-MM");
  });
});
