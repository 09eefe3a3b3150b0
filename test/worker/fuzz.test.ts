import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type * as z from "zod/mini";
import { app } from "../../worker/app";
import { ApiError } from "../../worker/http/errors";
import { readJson } from "../../worker/http/body";
import * as admin from "../../worker/schemas/admin";
import * as billing from "../../worker/schemas/billing";
import * as feedback from "../../worker/schemas/feedback";
import * as openai from "../../worker/schemas/openai";
import * as rules from "../../worker/schemas/rules";
import { parseOrThrow } from "../../worker/schemas/validate";
import { fuzzHarness } from "./fuzz-harness";
import { ADMIN_TOKEN, newTenant, registerOrigin } from "./helpers";

// Property-based hostile input (issue 7): thousands of generated bodies,
// headers and paths against every registered route, in the real worker with
// real bindings. hostile-input.test.ts keeps the hand-picked cases; this file
// checks the same invariants (fuzz-harness.ts) on what fast-check makes up.
// fuzz-hostile.test.ts adds the classes of the adversarial review: names that
// are JavaScript object keys, CR/LF in reflected values, deep nesting inside
// valid bodies, client limits against shared circuits, hostile origins.
// Case counts (per run): see RUNS; the total is printed by the last test.

// About 3,800 whole-worker requests per run (a few milliseconds each; those
// with a valid chat body reach an origin), 17,000 values through the schemas
// and 2,000 byte strings through the body reader. `npm run test:fuzz`
// (FUZZ_SCALE=10) runs ten times the whole-worker cases.
declare module "vitest" {
  export interface ProvidedContext {
    fuzzScale: number;
  }
}
const SCALE = Math.max(1, inject("fuzzScale") || 1);
const RUNS = { bodyPerRoute: 150 * SCALE, nearLimitPerRoute: 3 * SCALE, headers: 400 * SCALE, paths: 1_000 * SCALE, perSchema: 500, bodyReader: 2_000 };
const MAX_BODY_BYTES = 1_048_576; // the default of settings.maxBodyBytes

let key: string;
let tenant: string;
let keyId: string;
const { send, expectHandled, cases, restore } = fuzzHarness();

beforeAll(async () => {
  await registerOrigin("fuzz", "healthy");
  ({ key, id: tenant, keyId } = await newTenant());
});

afterAll(restore);

/** Every route the app registered, as [METHOD, path template]. */
function registeredRoutes(): [string, string][] {
  const seen = new Set<string>();
  const out: [string, string][] = [];
  for (const { method, path } of app.routes) {
    if (method === "ALL" || path.includes("*") || seen.has(`${method} ${path}`)) continue;
    seen.add(`${method} ${path}`);
    out.push([method, path]);
  }
  return out;
}

/** A template with its parameters filled by real ids, so validation is reached past the lookup. */
const concrete = (path: string) =>
  path.replace(":keyId", keyId).replace(":region", "weur").replace(":id", path.startsWith("/admin/v1/origins") ? "fuzz-origin" : tenant);

const authFor = (path: string) => `Bearer ${path.startsWith("/admin") ? ADMIN_TOKEN : key}`;

// A valid body per route: mutating one field of it reaches deeper checks than noise does.
const VALID: Record<string, Record<string, unknown>> = {
  "/v1/chat/completions": { model: "llama-8b", messages: [{ role: "user", content: "hi" }], max_tokens: 8 },
  "/v1/completions": { model: "llama-8b", prompt: "hi", max_tokens: 8 },
  "/v1/embeddings": { model: "llama-8b", input: "hi" },
  "/v1/responses": { model: "llama-8b", input: "hi" },
  "/v1/feedback": { request_id: "req-1", rating: "up" },
  "/admin/v1/origins": { id: "fuzz-new", base_url: "http://127.0.0.1:9/v1", region: "weur", lat: 1, lon: 2, models: { m: "m" }, price: { input_per_m: 1, output_per_m: 1 } },
  "/admin/v1/origins/:id": { base_url: "http://127.0.0.1:9/v1", region: "weur", lat: 1, lon: 2, models: { m: "m" }, price: { input_per_m: 1, output_per_m: 1 } },
  "/admin/v1/tenants": { name: "fuzz" },
  "/admin/v1/tenants/:id": { name: "fuzz" },
  "/admin/v1/tenants/:id/credits": { amount_usd: 1 },
  "/admin/v1/tenants/:id/rules": { default_policy: { kind: "latency" } },
  "/admin/v1/tenants/:id/rules/rollback": { version: 1 },
  "/admin/v1/tenants/:id/keys/:keyId": { name: "fuzz" },
};

const KNOWN_KEYS = [
  ...new Set(Object.values(VALID).flatMap((body) => Object.keys(body))),
  "stream", "meridian", "tools", "n", "temperature", "aliases", "policies", "pools", "cache", "limits", "pricing", "budget", "prepaid", "key", "__proto__", "constructor",
];

const jsonText = fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? "null");
const wrongTyped = fc.dictionary(fc.constantFrom(...KNOWN_KEYS), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 8 }).map((o) => JSON.stringify(o));
const oneFieldWrong = (valid: Record<string, unknown>) =>
  fc.tuple(fc.constantFrom(...Object.keys(valid)), fc.jsonValue({ maxDepth: 3 })).map(([field, value]) => JSON.stringify({ ...valid, [field]: value }));
const deeplyNested = fc.tuple(fc.integer({ min: 1, max: 20_000 }), fc.constantFrom("[", '{"a":'), fc.boolean()).map(([depth, open, closed]) => {
  const close = open === "[" ? "]" : "}";
  return open.repeat(depth) + (open === "[" ? "" : "1") + (closed ? close.repeat(depth) : "");
});
const randomBytes = fc.uint8Array({ maxLength: 512 }); // mostly invalid UTF-8
const overlongUtf8 = fc.constantFrom(new Uint8Array([0x7b, 0xc0, 0xaf, 0x7d]), new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), new Uint8Array([0x22, 0xed, 0xa0, 0x80, 0x22]));
const contentType = fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=latin1", "");

const bodyFor = (path: string): fc.Arbitrary<string | Uint8Array> =>
  fc.oneof(jsonText, wrongTyped, oneFieldWrong(VALID[path] ?? { model: "llama-8b" }), deeplyNested, randomBytes, overlongUtf8, fc.string({ maxLength: 200 }));

const headerValue = fc.oneof(
  fc.string({ unit: "grapheme-ascii", maxLength: 80 }),
  fc.double().map(String),
  fc.integer().map(String),
  fc.constantFrom("NaN", "Infinity", "-0", "1e309", ",,,", "weur,,mars", "true", "\"1\"", "W/\"2\"", "*", "0x10", " 5 "),
);
const meridianHeader = fc.constantFrom(
  "x-meridian-policy", "x-meridian-max-price", "x-meridian-max-ttft-ms", "x-meridian-regions", "x-meridian-region", "x-meridian-pin", "x-meridian-hedge",
  "x-meridian-latency-weight", "x-meridian-quality-floor", "x-meridian-cache", "x-meridian-cache-ttl", "x-meridian-timeout-ms", "x-meridian-ttft-timeout-ms",
  "x-meridian-dev-region", "x-meridian-dev-location", "x-meridian-budget", "x-meridian-change-note", "x-request-id", "if-match", "content-length",
);

const segment = fc.oneof(
  fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 40 }).map(encodeURIComponent),
  fc.integer({ min: 0, max: 255 }).map((b) => `%${b.toString(16).padStart(2, "0")}`),
  fc.constantFrom("%", "%zz", "%c0%af", "%ed%a0%80", "..", ".", "%2e%2e", "%2F", "a".repeat(5000), ""),
);
const pathMethod = fc.constantFrom("GET", "DELETE", "POST", "PUT", "PATCH", "OPTIONS");

describe("fuzz", { timeout: 120_000 * SCALE }, () => {
  const routes = registeredRoutes();
  const bodyRoutes = routes.filter(([method]) => method !== "GET" && method !== "DELETE");

  it("lists the routes it fuzzes from the app itself", () => {
    expect(routes.length).toBeGreaterThanOrEqual(30);
    expect(bodyRoutes.map(([m, p]) => `${m} ${p}`)).toContain("POST /v1/chat/completions");
  });

  it("answers generated bodies on every body-taking route", async () => {
    for (const [method, template] of bodyRoutes) {
      const path = concrete(template);
      await fc.assert(
        fc.asyncProperty(bodyFor(template), contentType, async (body, type) => {
          const res = await send(method, path, body, { authorization: authFor(template), "content-type": type });
          await expectHandled(res, template, `${method} ${template}`);
        }),
        { numRuns: RUNS.bodyPerRoute },
      );
    }
  });

  it("answers bodies just under and over MAX_BODY_BYTES", async () => {
    for (const template of ["/v1/chat/completions", "/admin/v1/tenants/:id", "/v1/feedback"]) {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: -64, max: 64 }), async (delta) => {
          const frame = JSON.stringify({ ...VALID[template], pad: "" });
          const pad = "x".repeat(MAX_BODY_BYTES + delta - frame.length);
          const res = await send(template.startsWith("/admin") ? "PUT" : "POST", concrete(template), frame.replace('"pad":""', `"pad":"${pad}"`), {
            authorization: authFor(template),
            "content-type": "application/json",
          });
          if (delta > 0) expect(res.status).toBe(413);
          await expectHandled(res, template, `${template} ${delta}`);
        }),
        { numRuns: RUNS.nearLimitPerRoute },
      );
    }
  });

  it("answers generated x-meridian-*, if-match and content-type headers", async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(meridianHeader, headerValue, { maxKeys: 4 }), fc.boolean(), async (headers, stream) => {
        const body = JSON.stringify({ ...VALID["/v1/chat/completions"], stream });
        const res = await send("POST", "/v1/chat/completions", body, { ...headers, authorization: `Bearer ${key}`, "content-type": "application/json" });
        await expectHandled(res, "/v1/chat/completions", `headers ${JSON.stringify(headers)}`);
      }),
      { numRuns: RUNS.headers / 2 },
    );
    await fc.assert(
      fc.asyncProperty(fc.dictionary(meridianHeader, headerValue, { maxKeys: 3 }), async (headers) => {
        const res = await send("PUT", `/admin/v1/tenants/${tenant}/rules`, "{}", { ...headers, authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" });
        await expectHandled(res, "/admin/v1/tenants/:id/rules", `rules headers ${JSON.stringify(headers)}`);
      }),
      { numRuns: RUNS.headers / 2 },
    );
  });

  it("answers generated paths under every route", async () => {
    const templates = routes.map(([, template]) => template);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...templates), fc.array(segment, { minLength: 1, maxLength: 4 }), pathMethod, fc.boolean(), async (template, segments, method, asAdmin) => {
        let next = 0;
        const filled = template.replace(/:[A-Za-z]+/g, () => segments[next++ % segments.length]!);
        const path = next === 0 ? `${filled}/${segments.join("/")}` : filled;
        const res = await send(method, path, method === "GET" ? undefined : "{}", {
          authorization: asAdmin ? `Bearer ${ADMIN_TOKEN}` : `Bearer ${key}`,
          "content-type": "application/json",
        });
        await expectHandled(res, template, `${method} ${path.slice(0, 120)}`);
      }),
      { numRuns: RUNS.paths },
    );
  });

  it("ran thousands of whole-worker cases", () => {
    console.log(`fuzz: ${cases()} generated requests through the worker`);
    expect(cases()).toBeGreaterThan(3_500 * SCALE);
  });
});

describe("fuzz: parsing", () => {
  // Every request schema the routes validate with, by its export name.
  const schemas = Object.entries<unknown>({ ...admin, ...billing, ...feedback, ...openai, ...rules }).filter(
    (entry): entry is [string, z.ZodMiniType] => typeof (entry[1] as { safeParse?: unknown }).safeParse === "function",
  );
  const anyInput = fc.oneof(fc.jsonValue({ maxDepth: 5 }), fc.anything({ maxDepth: 3 }), wrongTyped.map((text) => JSON.parse(text) as unknown));

  it("every schema either parses a generated value or throws a 400 ApiError", () => {
    let parsed = 0;
    for (const [name, schema] of schemas) {
      fc.assert(
        fc.property(anyInput, (value) => {
          parsed++;
          try {
            parseOrThrow(schema, value);
          } catch (err) {
            if (!(err instanceof ApiError) || err.status !== 400) throw new Error(`${name}: ${String(err)}`);
          }
        }),
        { numRuns: RUNS.perSchema },
      );
    }
    console.log(`fuzz: ${parsed} generated values through ${schemas.length} schemas`);
    expect(schemas.length).toBeGreaterThanOrEqual(20);
  });

  it("the body reader turns any bytes into JSON, a 400 or a 413", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(randomBytes, overlongUtf8, jsonText.map((t) => new TextEncoder().encode(t))), fc.integer({ min: 0, max: 600 }), async (bytes, limit) => {
        try {
          await readJson(new Request("http://x/", { method: "POST", body: bytes }), limit);
        } catch (err) {
          if (!(err instanceof ApiError) || ![400, 413].includes(err.status)) throw err;
          if (err.status === 413) expect(bytes.byteLength).toBeGreaterThan(limit);
        }
      }),
      { numRuns: RUNS.bodyReader },
    );
  });
});
