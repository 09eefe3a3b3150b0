import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { app } from "../../worker/app";
import { adminTokens, matchAdminToken } from "../../worker/auth/admin-tokens";
import { ADMIN_TOKEN, adminJson, chat, expectOpenAiError, newTenant, registerOrigin, request, userMessage } from "./helpers";
import { readUsage, usageWhen } from "./usage-helpers";

// Security properties of the whole worker (issue 7). Already covered elsewhere,
// and not repeated here: missing/malformed/unknown keys and a revoked key on
// chat (auth.test.ts), keys stored only as hashes (auth.test.ts), origin
// secrets hidden from the admin API (admin.test.ts), cache isolation between
// tenants (cache.test.ts "keeps tenants and models apart", semantic-cache.test.ts
// "never answers across tenants or models"), feedback on another tenant's
// request id (auto.test.ts), and the dev location headers ignored outside dev
// mode (worker/routing/location.test.ts).

const SECRET = "sk-upstream-SECRET-7f3a9c";
const body = { model: "llama-8b", messages: userMessage("hello") };

beforeAll(async () => {
  await registerOrigin("sec-healthy", "healthy");
});

// The dashboard's sign-in form is the one public page under /admin (its POST still refuses a wrong token).
const adminRoutes = () => app.routes.filter((r) => r.method !== "ALL" && r.path.startsWith("/admin/") && !(r.method === "GET" && r.path === "/admin/dashboard/sign-in"));
const tenantRoutes = () => app.routes.filter((r) => r.method !== "ALL" && r.path.startsWith("/v1/"));

describe("admin routes", () => {
  it("answer 401 on every route without the token, with a wrong one, a prefix of it, or a tenant key", async () => {
    const { key } = await newTenant();
    const routes = adminRoutes();
    expect(routes.length).toBeGreaterThanOrEqual(25);
    const wrong = [undefined, "Bearer wrong-token", `Bearer ${ADMIN_TOKEN.slice(0, -1)}`, `Bearer ${ADMIN_TOKEN}x`, `Basic ${btoa(`admin:${ADMIN_TOKEN}`)}`, `Bearer ${key}`];
    for (const { method, path } of routes) {
      const concrete = path.replace(/:[A-Za-z]+/g, "x");
      for (const authorization of wrong) {
        const res = await request(method, concrete, { body: {}, headers: authorization ? { authorization } : {} });
        const error = await expectOpenAiError(res, 401);
        expect(error.type, `${method} ${path}`).toBe("authentication_error");
      }
    }
  });
});

describe("admin token configuration", () => {
  // The worker as deployed with other secrets: the same app, another env.
  const withSecrets = (secrets: { ADMIN_TOKEN?: string; ADMIN_TOKENS?: string }, path: string, init: RequestInit = {}) =>
    app.request(`http://meridian.test${path}`, init, { ...env, ADMIN_TOKEN: undefined, ADMIN_TOKENS: undefined, ...secrets });
  const LONG = "a-token-of-exactly-32-characters";

  it("disables the admin API and the dashboard (503, stating the rule) when every token is shorter than 32 characters", async () => {
    const short = LONG.slice(1);
    for (const secrets of [{ ADMIN_TOKEN: short }, { ADMIN_TOKENS: `ci:${short}` }, { ADMIN_TOKEN: short, ADMIN_TOKENS: `ops:${short}` }]) {
      for (const [path, init] of [
        ["/admin/v1/regions", { headers: { authorization: `Bearer ${short}` } }],
        ["/admin/dashboard/data", { headers: { authorization: `Bearer ${short}` } }],
        ["/admin/dashboard/sign-in", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: `token=${short}` }],
      ] as const) {
        const error = await expectOpenAiError(await withSecrets(secrets, path, init), 503);
        expect(error.code, path).toBe("admin_disabled");
        expect(error.message).toContain("32–256 printable ASCII characters, no spaces");
      }
    }
    expect((await withSecrets({ ADMIN_TOKEN: LONG }, "/admin/v1/regions", { headers: { authorization: `Bearer ${LONG}` } })).status).toBe(200);
  });

  it("ignores an ADMIN_TOKENS entry labelled `admin` in any case, so nobody else signs the audit log as `admin`", async () => {
    const other = "another-token-of-32-characters!!";
    for (const label of ["admin", "ADMIN", "Admin"]) {
      const secrets = { ADMIN_TOKEN: LONG, ADMIN_TOKENS: `${label}:${other}` };
      await expectOpenAiError(await withSecrets(secrets, "/admin/v1/regions", { headers: { authorization: `Bearer ${other}` } }), 401);
    }
    expect((await withSecrets({ ADMIN_TOKEN: LONG, ADMIN_TOKENS: `admins:${other}` }, "/admin/v1/regions", { headers: { authorization: `Bearer ${other}` } })).status).toBe(200);
  });
});

describe("admin token comparison", () => {
  afterEach(() => vi.restoreAllMocks());
  const env = { ADMIN_TOKEN: "root-token-0123456789abcdefghijklmnop", ADMIN_TOKENS: "ci:ci-token-0123456789abcdefghijklmnopqr,ops:ops-token-0123456789abcdefghijklmnopq" };

  it("compares every configured token in constant time, whichever matches", async () => {
    const tokens = adminTokens(env);
    const compare = vi.spyOn(crypto.subtle, "timingSafeEqual");
    expect(tokens.length).toBe(3);
    for (const given of ["root-token-0123456789abcdefghijklmnop", "ops-token-0123456789abcdefghijklmnopq", "nothing"]) {
      compare.mockClear();
      await matchAdminToken(given, tokens);
      expect(compare, given).toHaveBeenCalledTimes(tokens.length);
    }
  });

  it("rejects every proper prefix and extension of a token", async () => {
    const tokens = adminTokens(env);
    const token = "ci-token-0123456789abcdefghijklmnopqr";
    for (let n = 0; n < token.length; n++) expect(await matchAdminToken(token.slice(0, n), tokens)).toBeNull();
    expect(await matchAdminToken(`${token} `, tokens)).toBeNull();
    expect(await matchAdminToken(token, tokens)).toBe("ci");
  });
});

describe("tenant keys", () => {
  it("a revoked key stops working on every tenant route at once, and the tenant's other keys do not", async () => {
    const { id, key, keyId } = await newTenant();
    const other = await adminJson<{ key: string }>("POST", `/tenants/${id}/keys`, {});
    // Used first, so this isolate holds the key's grant in its cache: revocation must drop it there too.
    expect((await chat(key, body)).status).toBe(200);
    await adminJson("DELETE", `/tenants/${id}/keys/${keyId}`);
    const routes = tenantRoutes();
    expect(routes.length).toBeGreaterThanOrEqual(7);
    for (const { method, path } of routes) {
      const res = await request(method, path, { body, headers: { authorization: `Bearer ${key}` } });
      await expectOpenAiError(res, 401);
    }
    expect((await chat(other.key, body)).status).toBe(200);
  });

  it("another tenant's key never reads the first tenant's usage", async () => {
    const a = await newTenant();
    const b = await newTenant();
    for (let i = 0; i < 3; i++) expect((await chat(a.key, body)).status).toBe(200);
    const usageA = await usageWhen(a.key, (u) => u.totals.requests >= 3);
    expect(usageA.tenant_id).toBe(a.id);
    // B sees only itself, whatever it asks for: its key decides the tenant, not the query.
    for (const query of ["", `?key_id=${a.keyId}`, `?tenant_id=${a.id}`]) {
      const res = await request("GET", `/v1/usage${query}`, { headers: { authorization: `Bearer ${b.key}` } });
      if (res.status === 400) continue; // an unknown query field is refused, which is as good
      expect(res.status, query).toBe(200);
      const usageB = (await res.json()) as Awaited<ReturnType<typeof readUsage>>;
      expect(usageB.tenant_id, query).toBe(b.id);
      expect(usageB.totals.requests, query).toBe(0);
    }
    expect((await readUsage(b.key)).totals.requests).toBe(0);
  });
});

describe("upstream secrets", () => {
  // Every way an origin can fail, with its auth header set: the secret and the
  // tenant's key must appear in no answer, no response header and no log line.
  it("never echo the upstream key or the tenant key in answers, headers or logs", async () => {
    const logged: string[] = [];
    const capture = (...args: unknown[]) => void logged.push(args.map((a) => (a instanceof Error ? `${a.message} ${a.stack}` : String(a))).join(" "));
    for (const level of ["log", "info", "warn", "error", "debug"] as const) vi.spyOn(console, level).mockImplementation(capture);
    try {
      const seen: string[] = [];
      for (const member of ["failing", "dead"]) {
        const model = `sec-${member}`;
        await registerOrigin(`sec-${member}`, member, { models: { [model]: "llama-8b" }, auth: { header: "authorization", value: `Bearer ${SECRET}` } });
        const { key } = await newTenant([model]);
        for (const stream of [false, true]) {
          const res = await chat(key, { model, messages: userMessage(`fail ${member} ${stream}`), stream }, { "x-meridian-timeout-ms": "500" });
          expect(res.status, `${member} stream=${stream}`).toBeGreaterThanOrEqual(500);
          seen.push(`${res.status} ${JSON.stringify([...res.headers])} ${await res.text()}`);
        }
        // Validation and auth failures on the same model say nothing of the origin either.
        for (const res of [await chat(key, { model, messages: "x" }), await chat(`${key}x`, body)]) seen.push(`${res.status} ${JSON.stringify([...res.headers])} ${await res.text()}`);
        for (const text of [...seen, ...logged]) {
          expect(text).not.toContain(SECRET);
          expect(text).not.toContain(key);
        }
      }
      expect(seen.length).toBe(8);
    } finally {
      vi.restoreAllMocks();
    }
  });
});
