import { beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, newTenant, registerOrigin, request } from "./helpers";

// A first line of defence (issue 7 brings the full fuzz suite): odd bodies,
// headers and paths on every route end in a 4xx in the OpenAI shape, never a 500.
let key: string;
let tenant: string;
let keyId: string;

beforeAll(async () => {
  await registerOrigin("hostile", "healthy");
  ({ key, id: tenant, keyId } = await newTenant());
});

const deep = (n: number) => "[".repeat(n) + "]".repeat(n);
const bodies: (string | Uint8Array)[] = [
  "",
  "null",
  "[]",
  "42",
  '"text"',
  "{",
  '{"model":',
  deep(5000),
  `{"model":"llama-8b","messages":${deep(3000)}}`,
  '{"model":"llama-8b","messages":[{"role":"user","content":{"nested":true}}]}',
  '{"model":"","messages":[]}',
  '{"model":"llama-8b","messages":[{"role":"user","content":"hi"}],"stream":"yes"}',
  '{"model":"llama-8b","messages":[{"role":"user","content":"hi"}],"max_tokens":1e309}',
  '{"model":"llama-8b","messages":[{"role":"user","content":"hi"}],"meridian":{"policy":"best"}}',
  '{"model":"llama-8b","messages":[{"role":"user","content":"hi"}],"meridian":"fast"}',
  new Uint8Array([0xff, 0xfe, 0x00, 0x7b]),
  JSON.stringify({ model: "llama-8b", messages: [{ role: "user", content: "x".repeat(2_000_000) }] }),
];

const routes = (): [string, string, Record<string, string>][] => [
  ["POST", "/v1/chat/completions", {}],
  ["POST", "/v1/completions", {}],
  ["POST", "/v1/embeddings", {}],
  ["POST", "/v1/responses", {}],
  ["PUT", "/admin/v1/origins/x", {}],
  ["POST", "/admin/v1/origins", {}],
  ["PATCH", "/admin/v1/origins/x", {}],
  ["POST", "/admin/v1/tenants", {}],
  ["PUT", "/admin/v1/tenants/x", {}],
  ["POST", "/admin/v1/tenants/x/keys", {}],
  ["PUT", `/admin/v1/tenants/${tenant}/rules`, {}],
  ["POST", `/admin/v1/tenants/${tenant}/rules/rollback`, {}],
  ["POST", `/admin/v1/tenants/${tenant}/credits`, {}],
  ["POST", `/admin/v1/tenants/${tenant}/cache/purge`, {}],
  ["PATCH", `/admin/v1/tenants/${tenant}/keys/${keyId}`, {}],
];

async function expectClientError(res: Response, what: string) {
  expect(res.status, what).toBeGreaterThanOrEqual(400);
  expect(res.status, what).toBeLessThan(500);
  const body = (await res.json()) as { error?: { message?: unknown; type?: unknown; code?: unknown } };
  expect(typeof body.error?.message, what).toBe("string");
  expect(typeof body.error?.type, what).toBe("string");
  expect(typeof body.error?.code, what).toBe("string");
}

describe("hostile input", () => {
  it("answers every malformed body on every route with a 4xx in the OpenAI shape", async () => {
    for (const [method, path] of routes()) {
      const auth = path.startsWith("/admin") ? `Bearer ${ADMIN_TOKEN}` : `Bearer ${key}`;
      for (const body of bodies) {
        const res = await request(method, path, { body, headers: { authorization: auth } });
        await expectClientError(res, `${method} ${path} ${String(body).slice(0, 40)}`);
      }
    }
  }, 30_000); // ~270 requests in sequence, some of 2 MB: seconds on a busy machine

  it("takes a __proto__ key as plain data: it neither sets a field of the request nor touches Object.prototype", async () => {
    const before = Object.getOwnPropertyNames(Object.prototype).sort();
    // Were `__proto__` to become the body's prototype (Object.assign, a merge, `obj[key] = value`),
    // these would be inherited: a stream instead of JSON, one token, another model.
    const body = '{"__proto__":{"admin":true,"stream":true,"max_tokens":1,"model":"no-such-model"},"model":"llama-8b","messages":[{"role":"user","content":"hi"}]}';
    const res = await request("POST", "/v1/chat/completions", { body, headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    const answer = (await res.json()) as { model: string; usage: { completion_tokens: number } };
    expect(answer.model).toBe("llama-8b");
    expect(answer.usage.completion_tokens).toBeGreaterThan(1);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it("answers odd paths, methods and headers with the status each one deserves, in the OpenAI shape", async () => {
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const tenantKey = { authorization: `Bearer ${key}` };
    const cases: [method: string, path: string, headers: Record<string, string>, status: number][] = [
      ["GET", "/v1/chat/completions", tenantKey, 404],
      ["DELETE", "/v1/models", tenantKey, 404],
      ["GET", "/v2/anything", {}, 404],
      ["GET", "/admin/v1/regions/mars/stats", admin, 404],
      ["GET", "/admin/v1/origins/%00%ff", admin, 400],
      ["GET", "/v1/models", { authorization: `Bearer ${"k".repeat(10_000)}` }, 401],
      ["GET", "/v1/models", { authorization: "Bearer" }, 401],
      ["GET", "/v1/usage?from=2026-13-45&to=yesterday", tenantKey, 400],
      ["GET", `/admin/v1/tenants/${tenant}/usage?from=%00`, admin, 400],
      ["GET", `/admin/v1/tenants/${tenant}/rules/history?limit=-1&before=x`, admin, 400],
      ["GET", `/admin/v1/tenants/${tenant}/audit?before=1e400`, admin, 400],
      ["PUT", `/admin/v1/tenants/${tenant}/rules`, { ...admin, "if-match": "\"abc\"" }, 400],
      ["POST", "/v1/chat/completions", { ...tenantKey, "x-meridian-max-price": "NaN" }, 400],
      ["POST", "/v1/chat/completions", { ...tenantKey, "x-meridian-regions": ",,," }, 400],
      ["POST", "/v1/chat/completions", { ...tenantKey, "content-length": "99999999999" }, 413],
    ];
    for (const [method, path, headers, status] of cases) {
      const body = method === "POST" ? JSON.stringify({ model: "llama-8b", messages: [{ role: "user", content: "hi" }] }) : undefined;
      const res = await request(method, path, { body, headers });
      const what = `${method} ${path} ${JSON.stringify(headers).slice(0, 60)}`;
      expect(res.status, what).toBe(status);
      await expectClientError(res, what);
    }
  });
});
