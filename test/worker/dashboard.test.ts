// The operator dashboard: its gate (bearer header, or ?token= once then a
// cookie) and that it shows what the router actually saw.
import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { DashboardView } from "../../worker/dashboard/view";
import { ADMIN_TOKEN, adminJson, chat, newTenant, registerOrigin, request, userMessage } from "./helpers";

const FROM_EUROPE = { "x-meridian-dev-region": "weur", "x-meridian-hedge": "off" };
const bearer = { authorization: `Bearer ${ADMIN_TOKEN}` };

let tenant: { id: string; key: string };

beforeAll(async () => {
  await registerOrigin("dash-origin", "healthy", { models: { "dash-model": "llama-8b" } });
  tenant = await newTenant();
  await adminJson("PUT", `/tenants/${tenant.id}/rules`, { cache: { exact: true } });
  // Three prompts for the origin, then the first again: a cache hit.
  for (const i of [0, 1, 2, 0]) {
    const res = await chat(tenant.key, { model: "dash-model", messages: userMessage(`dashboard request ${i}`), max_tokens: 8, temperature: 0 }, FROM_EUROPE);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
  }
});

/** Without following redirects, to see the one that drops ?token=. */
const navigate = (url: string) => exports.default.fetch(url, { redirect: "manual" });

async function data(): Promise<DashboardView> {
  const res = await request("GET", "/admin/dashboard/data", { headers: bearer });
  expect(res.status).toBe(200);
  return (await res.json()) as DashboardView;
}

/** Statistics and usage reach their objects in batches a few ms after the requests. */
async function dataWhen(ready: (d: DashboardView) => boolean): Promise<DashboardView> {
  let last: DashboardView | null = null;
  for (let i = 0; i < 300; i++) {
    last = await data();
    if (ready(last)) return last;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`dashboard data never got there: ${JSON.stringify(last)}`);
}

const cellOf = (d: DashboardView, origin: string, region: string) => d.origins.find((o) => o.id === origin)?.cells.find((c) => c.region === region);
const tenantOf = (d: DashboardView, id: string) => d.tenants.find((t) => t.id === id);

describe("dashboard auth", () => {
  it("refuses without a token, or with a wrong one", async () => {
    for (const path of ["/admin/dashboard", "/admin/dashboard/data", "/admin/dashboard?token=wrong-token"]) {
      const res = await request("GET", path);
      expect(res.status, path).toBe(401);
      expect(((await res.json()) as { error: { type: string } }).error.type).toBe("authentication_error");
    }
    const forged = await request("GET", "/admin/dashboard", { headers: { cookie: "meridian_admin=wrong-token" } });
    expect(forged.status).toBe(401);
  });

  it("takes ?token= once, sets an HttpOnly cookie and drops the token from the URL", async () => {
    const res = await navigate(`http://meridian.test/admin/dashboard?token=${ADMIN_TOKEN}&view=1`);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/admin/dashboard?view=1");
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^meridian_admin=test-admin-token;/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toMatch(/Secure/); // plain http here; https gets Secure

    const page = await request("GET", "/admin/dashboard", { headers: { cookie: cookie.split(";")[0]! } });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(await page.text()).not.toContain(ADMIN_TOKEN);
  });

  it("sets the cookie Secure over https", async () => {
    const res = await navigate(`https://meridian.test/admin/dashboard?token=${ADMIN_TOKEN}`);
    expect(res.status).toBe(303);
    expect(res.headers.get("set-cookie")).toMatch(/; Secure/);
  });

  it("takes the bearer header, and another configured token", async () => {
    expect((await request("GET", "/admin/dashboard", { headers: bearer })).status).toBe(200);
    expect((await request("GET", "/admin/dashboard/data", { headers: { authorization: "Bearer test-ci-token-0123456789" } })).status).toBe(200);
  });
});

describe("dashboard data", () => {
  it("shows the origin's TTFT from the region it served, and the tenant's usage", async () => {
    const d = await dataWhen((v) => (cellOf(v, "dash-origin", "weur")?.requests ?? 0) >= 3 && (tenantOf(v, tenant.id)?.requests ?? 0) >= 4);
    expect(d.regions).toContain("weur");
    const cell = cellOf(d, "dash-origin", "weur")!;
    expect(cell.circuit).toBe("closed");
    expect(cell.requests).toBe(3);
    expect(cell.p50_ms).toBeGreaterThan(0);
    expect(cell.p99_ms).toBeGreaterThanOrEqual(cell.p50_ms!);
    // A region that sent nothing has no samples for it.
    expect(cellOf(d, "dash-origin", "oc")).toMatchObject({ requests: 0, p50_ms: null, p99_ms: null });

    const row = tenantOf(d, tenant.id)!;
    expect(row).toMatchObject({ requests: 4, cache_hits: 1, cache_hit_rate: 0.25 });
    expect(row.spend_usd).toBeGreaterThan(0);
  });

  it("renders those numbers into the page", async () => {
    const d = await dataWhen((v) => (tenantOf(v, tenant.id)?.requests ?? 0) >= 4);
    const html = await (await request("GET", "/admin/dashboard", { headers: bearer })).text();
    expect(html.startsWith("<!doctype html>")).toBe(true);
    const cell = cellOf(d, "dash-origin", "weur")!;
    expect(html).toContain(`data-origin="dash-origin" data-region="weur" data-circuit="closed"`);
    expect(html).toMatch(new RegExp(`<span class="p50">${cell.p50_ms}</span>/<span class="p99">${cell.p99_ms}</span>`));
    expect(html).toMatch(new RegExp(`<tr data-tenant="${tenant.id}"><th[^>]*>${tenant.id}</th><td class="requests">4</td><td class="cache-hits">1</td><td class="hit-rate">25.0%</td>`));
  });
});
