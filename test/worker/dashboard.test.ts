// The operator dashboard: its gate (bearer header, or the sign-in form once
// then a signed session cookie) and that it shows what the router actually saw.
import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { DashboardView } from "../../worker/dashboard/view";
import { batchLine, createBatch, uploadOk, waitForBatch } from "./batch-helpers";
import { ADMIN_TOKEN, adminJson, chat, CI_TOKEN, expectOpenAiError, newTenant, registerOrigin, request, userMessage } from "./helpers";
import { usageWhen } from "./usage-helpers";

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

/** Without following redirects. */
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

/** Posts the sign-in form as a browser would. */
const signIn = (token: string, base = "http://meridian.test") =>
  exports.default.fetch(`${base}/admin/dashboard/sign-in`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token }).toString(),
  });

/** The `name=value` part of a sign-in's Set-Cookie. */
async function sessionCookie(token = ADMIN_TOKEN): Promise<string> {
  const res = await signIn(token);
  expect(res.status).toBe(303);
  return res.headers.get("set-cookie")!.split(";")[0]!;
}

describe("dashboard auth", () => {
  it("refuses without a token, with a wrong one, and with the raw admin token as the cookie", async () => {
    for (const path of ["/admin/dashboard", "/admin/dashboard/data"]) {
      const res = await request("GET", path);
      expect(res.status, path).toBe(401);
      expect(((await res.json()) as { error: { type: string } }).error.type).toBe("authentication_error");
    }
    for (const cookie of ["meridian_admin=wrong-token", `meridian_admin=${ADMIN_TOKEN}`, `meridian_admin=${encodeURIComponent(ADMIN_TOKEN)}`]) {
      expect((await request("GET", "/admin/dashboard", { headers: { cookie } })).status, cookie).toBe(401);
    }
  });

  it("refuses a token in the URL, right or wrong, and sets no cookie", async () => {
    for (const token of [ADMIN_TOKEN, "wrong-token"]) {
      const res = await navigate(`http://meridian.test/admin/dashboard?token=${token}&view=1`);
      const error = await expectOpenAiError(res, 400);
      expect(error.code).toBe("token_in_url");
      expect(error.message).toContain("/admin/dashboard/sign-in");
      expect(res.headers.get("set-cookie")).toBeNull();
    }
  });

  it("serves the sign-in form without the gate: it posts the token in a body, to itself", async () => {
    const res = await request("GET", "/admin/dashboard/sign-in");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("content-security-policy")).toContain("form-action 'self'");
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    const html = await res.text();
    expect(html).toContain(`<form id="sign-in" method="post" action="/admin/dashboard/sign-in">`);
    expect(html).toContain(`<input type="password" name="token"`);
  });

  it("signs in through the form with a signed session cookie that does not hold the token", async () => {
    const res = await signIn(ADMIN_TOKEN);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/admin/dashboard");
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^meridian_admin=admin~\d+~[A-Za-z0-9_-]{43};/);
    expect(cookie).not.toContain(ADMIN_TOKEN);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Max-Age=28800/);
    expect(cookie).toMatch(/Path=\/admin\/dashboard/);
    expect(cookie).not.toMatch(/Secure/); // plain http here; https gets Secure

    const page = await request("GET", "/admin/dashboard", { headers: { cookie: cookie.split(";")[0]! } });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(await page.text()).not.toContain(ADMIN_TOKEN);
  });

  it("sets the cookie Secure over https", async () => {
    const res = await signIn(ADMIN_TOKEN, "https://meridian.test");
    expect(res.status).toBe(303);
    expect(res.headers.get("set-cookie")).toMatch(/; Secure/);
  });

  it("names the signing token's label in the session, and refuses one whose label or signature was changed", async () => {
    const ci = await sessionCookie(CI_TOKEN);
    expect(ci).toMatch(/^meridian_admin=ci~/);
    expect((await request("GET", "/admin/dashboard/data", { headers: { cookie: ci } })).status).toBe(200);
    const relabelled = ci.replace("meridian_admin=ci~", "meridian_admin=admin~");
    expect((await request("GET", "/admin/dashboard/data", { headers: { cookie: relabelled } })).status).toBe(401);
    const mac = ci.slice(-43);
    const tampered = ci.slice(0, -43) + (mac[0] === "A" ? "B" : "A") + mac.slice(1);
    expect((await request("GET", "/admin/dashboard/data", { headers: { cookie: tampered } })).status).toBe(401);
  });

  it("refuses a wrong, missing or oversized token at the sign-in form, and sets no cookie", async () => {
    for (const res of [
      await signIn("wrong-token"),
      await signIn(`${ADMIN_TOKEN}x`),
      await request("POST", "/admin/dashboard/sign-in", { body: { token: ADMIN_TOKEN } }),
      await request("POST", "/admin/dashboard/sign-in", { body: "", headers: { "content-type": "application/x-www-form-urlencoded" } }),
    ]) {
      expect((await expectOpenAiError(res, 401)).type).toBe("authentication_error");
      expect(res.headers.get("set-cookie")).toBeNull();
    }
    const huge = await request("POST", "/admin/dashboard/sign-in", { body: `token=${"a".repeat(5000)}`, headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect((await expectOpenAiError(huge, 413)).code).toBe("request_too_large");
  });

  it("takes the bearer header, and another configured token", async () => {
    expect((await request("GET", "/admin/dashboard", { headers: bearer })).status).toBe(200);
    expect((await request("GET", "/admin/dashboard/data", { headers: { authorization: `Bearer ${CI_TOKEN}` } })).status).toBe(200);
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

describe("dashboard agreements", () => {
  it("shows a tenant's committed-spend agreement as used of committed, in the data and the page", async () => {
    const committed = await newTenant();
    await adminJson("PUT", `/tenants/${committed.id}`, { name: committed.id, agreement: { monthly_commit_nanos: 2_000_000_000, discount: 0.1 } });
    const d = await dataWhen((v) => tenantOf(v, committed.id) !== undefined);
    expect(tenantOf(d, committed.id)!.commitment).toEqual({ committed_usd: 2, used_usd: 0 });
    expect(tenantOf(d, tenant.id)!.commitment).toBeNull();
    const html = await (await request("GET", "/admin/dashboard", { headers: bearer })).text();
    expect(html).toContain(`<td class="commitment">$0.000000 of $2.00</td>`);
  });
});

describe("dashboard batches", () => {
  it("lists a tenant's batch with its progress, times and what its lines were charged, and renders it", async () => {
    const lines = [0, 1].map((i) => batchLine(`dash-${i}`, "dash-model", `dashboard batch line ${i}`));
    const done = await waitForBatch(tenant.key, (await createBatch(tenant.key, await uploadOk(tenant.key, lines))).id);
    expect(done.status).toBe("completed");
    const d = await dataWhen((v) => (v.batches.find((b) => b.id === done.id)?.charged_requests ?? 0) >= 2);
    const row = d.batches.find((b) => b.id === done.id)!;
    expect(row).toMatchObject({ tenant: tenant.id, status: "completed", total: 2, completed: 2, failed: 0, created_at: done.created_at, finished_at: done.completed_at, charged_requests: 2 });
    // The same spend the tenant's usage read-out shows for its batch lines.
    const usage = await usageWhen(tenant.key, (u) => (u.totals.batch_requests ?? 0) >= 2);
    expect(row.spend_usd).toBe(usage.totals.batch_usd);
    expect(row.spend_usd).toBeGreaterThan(0);

    const html = await (await request("GET", "/admin/dashboard", { headers: bearer })).text();
    const created = new Date(done.created_at * 1000).toISOString().replace("T", " ").slice(0, 19);
    expect(html).toMatch(
      new RegExp(`<tr data-batch="${done.id}"><th>${done.id}</th><td class="tenant">${tenant.id}</td><td class="status">completed</td><td class="total">2</td><td class="completed">2</td><td class="failed">0</td><td class="created">${created}Z</td>`),
    );
  });
});
