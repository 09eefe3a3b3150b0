// The operator dashboard in a real browser, against the real `npm run dev`:
// sign in through the form (token in the fragment), wait for the heat map to show the requests just sent,
// and take a screenshot (kept only where MERIDIAN_DASHBOARD_SCREENSHOT says,
// e.g. docs/dashboard.png when the docs' picture should be refreshed).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { DashboardView } from "../../worker/dashboard/view";
import { INSTALL_HINT, browserPolicy } from "./browser-policy";
import { launchChromium } from "./chromium";

const dev = inject("dev");
const browser = browserPolicy();

/** One chat from a given point of presence; resolves to the origin that served it. */
async function chat(region: string, content: string, model = "llama-8b"): Promise<string | null> {
  const res = await fetch(`${dev.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${dev.demoKey}`, "content-type": "application/json", "x-meridian-dev-region": region },
    body: JSON.stringify({ model, messages: [{ role: "user", content }], max_tokens: 16, temperature: 0 }),
  });
  expect(res.status).toBe(200);
  await res.arrayBuffer();
  return res.headers.get("x-meridian-origin");
}

// Without a browser this is skipped on a developer's machine (a reporter says so
// under the summary), but fails in CI or with MERIDIAN_BROWSER_TEST=required.
describe.skipIf(!browser.run)("the operator dashboard in headless chromium", () => {
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let servedFromEurope: string;

  beforeAll(async () => {
    if (!browser.executable) throw new Error(`No Chromium found, and the browser test is required here (CI or MERIDIAN_BROWSER_TEST=required): ${INSTALL_HINT}`);
    servedFromEurope = (await chat("weur", "Dashboard check: hello from Frankfurt."))!;
    await chat("enam", "Dashboard check: hello from Virginia.");
    await chat("weur", "Dashboard check: hello from Frankfurt."); // a cache hit
    // The small model from three more points of presence, for a fuller picture.
    for (const region of ["wnam", "apac", "weur"]) await chat(region, `Dashboard check: the small model from ${region}.`, "llama-1.5b");
    chromium = await launchChromium(browser.executable);
  }, 60_000);

  afterAll(async () => {
    await chromium?.close();
  });

  it("renders the heat map and tenants from the running router", async () => {
    const page = await chromium.context.newPage();
    await page.setViewportSize({ width: 1100, height: 520 });
    // The token travels in the fragment, which browsers never send: the page posts it and is redirected with a session cookie.
    await page.goto(`${dev.url}/admin/dashboard/sign-in#token=${encodeURIComponent(dev.adminToken)}`);
    await page.waitForURL(`${dev.url}/admin/dashboard`);
    expect(page.url()).not.toContain(dev.adminToken);

    // Statistics reach the region object a moment after the requests; the page refreshes itself until they show.
    const cell = page.locator(`td[data-origin="${servedFromEurope}"][data-region="weur"]`);
    await expect.poll(() => cell.locator(".p99").textContent(), { timeout: 20_000, interval: 500 }).toMatch(/^\d+$/);
    const p50 = Number(await cell.locator(".p50").textContent());
    const p99 = Number(await cell.locator(".p99").textContent());
    expect(p50).toBeGreaterThan(0);
    expect(p99).toBeGreaterThanOrEqual(p50);
    expect(await cell.getAttribute("data-circuit")).toBe("closed");
    expect(await cell.getAttribute("style")).toMatch(/^background:hsl\(\d+ 70% 62%\)$/); // coloured by p99, not the no-data grey

    // Every registered origin has a row, every region a column.
    const data = (await (await page.request.get(`${dev.url}/admin/dashboard/data`)).json()) as DashboardView;
    const rows = await page.locator("#heatmap tbody th.origin").evaluateAll((ths) => ths.map((th) => th.firstChild?.textContent));
    expect(rows).toEqual(data.origins.map((o) => o.id));
    expect(await page.locator("#heatmap thead th").count()).toBe(data.regions.length + 1);

    const demo = page.locator('tr[data-tenant="demo"]');
    await expect.poll(async () => Number(await demo.locator(".cache-hits").textContent()), { timeout: 20_000, interval: 500 }).toBeGreaterThanOrEqual(1);
    expect(Number(await demo.locator(".requests").textContent())).toBeGreaterThanOrEqual(3);
    expect(await demo.locator(".spend").textContent()).toMatch(/^\$0\.\d*[1-9]/);

    // It refreshes itself: the live section is swapped for a newer one.
    const renderedAt = Number(await page.locator("#live").getAttribute("data-at"));
    await expect.poll(async () => Number(await page.locator("#live").getAttribute("data-at")), { timeout: 20_000, interval: 500 }).toBeGreaterThan(renderedAt);
    expect(await page.locator("#status").textContent()).toBe("live");

    expect(await page.content()).not.toContain(dev.adminToken);
    const keep = process.env.MERIDIAN_DASHBOARD_SCREENSHOT;
    const dir = keep ? null : mkdtempSync(join(tmpdir(), "meridian-dashboard-"));
    const path = keep ? resolve(keep) : join(dir!, "dashboard.png");
    await page.screenshot({ path, fullPage: true });
    expect(readFileSync(path).subarray(1, 4).toString()).toBe("PNG");
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
});
