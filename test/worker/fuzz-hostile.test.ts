// Property-based checks of the classes an adversarial review found (issue 13),
// each against the whole worker with real bindings:
// - names that are JavaScript object keys, and CR/LF or non-ASCII, in every
//   name a client or tenant chooses (model, alias, route, pin, metadata, user);
// - deep nesting inside otherwise valid bodies, around the 64-level cap;
// - client-set limits and pins, which must never open a shared circuit;
// - hostile origins: garbled and lying events, endless lines and bodies,
//   redirects, refusals with secrets in them (harness/scripted-origin.ts).
// Besides the fuzz-harness invariants (no 500, OpenAI error shape, no uncaught
// exception), each class checks what it threatened: routing, billing, circuits.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { MAX_JSON_DEPTH } from "../../worker/http/json-depth";
import { scriptMessage, type OriginScript } from "../../harness/scripted-origin";
import { fuzzHarness } from "./fuzz-harness";
import { ADMIN_TOKEN, adminJson, newTenant, registerOrigin } from "./helpers";
import { readUsage, usageWhen } from "./usage-helpers";

declare module "vitest" {
  export interface ProvidedContext {
    fuzzScale: number;
  }
}
const SCALE = Math.max(1, inject("fuzzScale") || 1);
const RUNS = { names: 120 * SCALE, ruleNames: 30 * SCALE, nesting: 60 * SCALE, limits: 20 * SCALE, origins: 120 * SCALE };

const { send, expectHandled, restore } = fuzzHarness();
afterAll(restore);

const REGION = "weur";
const MAX_BODY_BYTES = 1_048_576; // the default of settings.maxBodyBytes
const PROTOTYPE_NAMES = ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf", "__defineGetter__", "isPrototypeOf", "prototype"];

let tenant: { id: string; key: string };
let scripted: { id: string; key: string };

beforeAll(async () => {
  await registerOrigin("hostile-a", "healthy", { models: { "hostile-m": "llama-8b" } });
  await registerOrigin("hostile-b", "healthy2", { models: { "hostile-m": "llama-8b" } });
  tenant = await newTenant();
  await adminJson("PUT", `/tenants/${tenant.id}/rules`, {
    pools: { main: ["hostile-a", "hostile-b"] },
    aliases: { fast: { targets: [{ model: "hostile-m", pool: "main" }] } },
    auto: { auto: { models: [{ model: "hostile-m" }] } },
    routes: [{ name: "tagged", when: { metadata: { key: "tier", equals: "batch" } }, policy: { kind: "cost" } }],
  });
  scripted = await newTenant();
}, 120_000);

const chatPath = "/v1/chat/completions";
const asTenant = (key: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${key}`, "content-type": "application/json", "x-meridian-dev-region": REGION, ...extra });

/** Any of the names every object inherits, text with CR/LF, NUL or non-ASCII, or plain text. */
const hostileName = fc.oneof(
  fc.constantFrom(...PROTOTYPE_NAMES),
  fc.tuple(fc.string({ maxLength: 12 }), fc.constantFrom("\r\n", "\n", "\r", "\u0000", "é", "\u2028", "😀", "\r\nx-injected: 1"), fc.string({ maxLength: 12 })).map(([a, b, c]) => a + b + c),
  fc.string({ minLength: 1, maxLength: 40 }),
  fc.constantFrom("fast", "auto", "hostile-m", "hostile-a"),
);
/** Names that route, three times in five (so about half the cases reach an origin), else hostile ones. */
const mostly = (...valid: string[]) => fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...valid) }, { weight: 2, arbitrary: hostileName });
/** What may stand in a header: the names above without the characters a header cannot carry. */
const headerSafe = (name: string) => name.replace(/[^\x20-\x7e]/g, "");

describe("fuzz: hostile names", { timeout: 300_000 * SCALE }, () => {
  it("any name as model, pin, metadata key or value, and user is routed or refused cleanly", async () => {
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(mostly("fast", "auto", "hostile-m"), fc.option(mostly("hostile-a", "hostile-b"), { freq: 2 }), hostileName, hostileName, fc.boolean(), fc.boolean(), async (model, pin, metaKey, user, pinInHeader, stream) => {
        const body = JSON.stringify({
          model,
          messages: [{ role: "user", content: "hello" }],
          max_tokens: 4,
          stream,
          user,
          metadata: { [metaKey]: user, tier: "batch" },
          ...(pin === null || pinInHeader ? {} : { meridian: { pin: [pin] } }),
        });
        const pinHeader: Record<string, string> = pin !== null && pinInHeader && headerSafe(pin) ? { "x-meridian-pin": headerSafe(pin) } : {};
        const res = await send("POST", chatPath, body, asTenant(tenant.key, pinHeader));
        seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
        await expectHandled(res, chatPath, `model ${JSON.stringify(model)} pin ${JSON.stringify(pin)} meta ${JSON.stringify(metaKey)}`);
        // An inherited name is an unknown model, never routed.
        if (PROTOTYPE_NAMES.includes(model)) expect(res.status).not.toBe(200);
        // Reflected headers are plain visible ASCII, whatever was sent.
        res.headers.forEach((value, name) => {
          if (name.startsWith("x-meridian")) expect(value, name).toMatch(/^[\x20-\x7e]*$/);
        });
      }),
      { numRuns: RUNS.names },
    );
    console.log(`fuzz: hostile names, statuses ${JSON.stringify(Object.fromEntries(seen))}`);
    expect(seen.get(200) ?? 0).toBeGreaterThan(RUNS.names / 10); // the generator reaches origins, not only refusals
    // Whatever was sent, the tenant's usage is still recorded, in finite numbers.
    const usage = await readUsage(tenant.key);
    expect(Number.isFinite(usage.totals.cost_usd) && usage.totals.cost_usd >= 0).toBe(true);
  });

  it("any name in a tenant's rules (alias, auto, route, pool) is accepted or refused, never a 500 when called", async () => {
    const { id, key } = await newTenant();
    await fc.assert(
      fc.asyncProperty(hostileName, hostileName, hostileName, async (alias, routeName, pool) => {
        const rules = JSON.stringify({
          pools: { [pool]: ["hostile-a"] },
          aliases: { [alias]: { targets: [{ model: "hostile-m" }] } },
          auto: { [`${alias}-auto`]: { models: [{ model: "hostile-m" }] } },
          routes: [{ name: routeName, when: { model: alias }, use: "hostile-m" }],
        });
        const put = await send("PUT", `/admin/v1/tenants/${id}/rules`, rules, { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" });
        await expectHandled(put, "/admin/v1/tenants/:id/rules", `rules ${rules.slice(0, 200)}`);
        // Once accepted, the rules route the alias name (its route says so) and the auto name
        // where the stored document kept it as its own key; other inherited names stay unknown.
        const stored = (await adminJson<{ rules: { auto?: object } }>("GET", `/tenants/${id}/rules`)).rules;
        for (const [model, routed] of [[alias, true], [`${alias}-auto`, stored.auto !== undefined && Object.hasOwn(stored.auto, `${alias}-auto`)]] as const) {
          const res = await send("POST", chatPath, JSON.stringify({ model, messages: [{ role: "user", content: "hi" }], max_tokens: 4 }), asTenant(key));
          const what = `rules ${rules.slice(0, 200)} model ${JSON.stringify(model)}`;
          await expectHandled(res, chatPath, what);
          if (put.status !== 200) continue; // refused: the previous rules still apply
          if (routed) expect(res.status, what).toBe(200);
          else if (PROTOTYPE_NAMES.includes(model)) expect(res.status, what).toBe(404);
        }
      }),
      { numRuns: RUNS.ruleNames },
    );
  });
});

describe("fuzz: nesting and client limits against shared circuits", { timeout: 300_000 * SCALE }, () => {
  /** `{"a":` or `[` `depth` times around a value, closed. */
  const nested = (depth: number, open: "[" | "{") => (open === "[" ? "[".repeat(depth) + "1" + "]".repeat(depth) : '{"a":'.repeat(depth) + "1" + "}".repeat(depth));

  it("a body nested past the cap anywhere is a 400 json_too_deep; within it, it is served", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.integer({ min: 55, max: 75 }), fc.integer({ min: 76, max: 300_000 })),
        fc.constantFrom<"[" | "{">("[", "{"),
        fc.constantFrom("extra", "metadata", "tools", "content"),
        async (depth, open, where) => {
          const value = nested(depth, open);
          const body =
            where === "content"
              ? `{"model":"hostile-m","max_tokens":4,"messages":[{"role":"user","content":${value}}]}`
              : `{"model":"hostile-m","max_tokens":4,"messages":[{"role":"user","content":"hi"}],"${where}":${value}}`;
          const res = await send("POST", chatPath, body, asTenant(tenant.key));
          const text = await res.clone().text();
          await expectHandled(res, chatPath, `depth ${depth} in ${where}`);
          // The body's own levels (object; messages array and message for content) come on top of the value's.
          const levels = depth + (where === "content" ? 3 : 1);
          if (body.length > MAX_BODY_BYTES) {
            expect(res.status, `depth ${depth} in ${where}`).toBe(413);
          } else if (levels > MAX_JSON_DEPTH) {
            expect(res.status, `depth ${depth} in ${where}`).toBe(400);
            expect((JSON.parse(text) as { error: { code: string } }).error.code).toBe("json_too_deep");
          } else {
            expect(res.status, `depth ${depth} in ${where}`).not.toBe(500);
          }
        },
      ),
      { numRuns: RUNS.nesting },
    );
  });

  it("client limits and pins never open a circuit another tenant depends on", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("hostile-a", "hostile-b"), fc.constantFrom("1", "2", "5", "0.5", "1e-9"), fc.boolean(), async (pin, limit, stream) => {
        const header = stream ? "x-meridian-ttft-timeout-ms" : "x-meridian-timeout-ms";
        const body = JSON.stringify({ model: "hostile-m", messages: [{ role: "user", content: "hi" }], max_tokens: 64, stream });
        const res = await send("POST", chatPath, body, asTenant(tenant.key, { "x-meridian-pin": pin, [header]: limit, "x-meridian-hedge": "off" }));
        await expectHandled(res, chatPath, `${header}: ${limit} pinned to ${pin}`);
      }),
      { numRuns: RUNS.limits },
    );
    const victim = await newTenant();
    for (const origin of ["hostile-a", "hostile-b"]) {
      const res = await send("POST", chatPath, JSON.stringify({ model: "hostile-m", messages: [{ role: "user", content: "hi" }], max_tokens: 4 }), asTenant(victim.key, { "x-meridian-pin": origin }));
      expect(res.status, origin).toBe(200);
      expect(res.headers.get("x-meridian-origin")).toBe(origin);
    }
    const stats = await adminJson<{ data: { origin: string; circuit: string; error_rate: number }[] }>("GET", `/regions/${REGION}/stats`);
    for (const origin of ["hostile-a", "hostile-b"]) {
      const row = stats.data.find((r) => r.origin === origin)!;
      expect(row.circuit, origin).toBe("closed");
      expect(row.error_rate, origin).toBe(0);
    }
  });
});

// Pieces a hostile origin's answer is made of.
const sse = (payload: string) => `data: ${payload}\n\n`;
const delta = sse(JSON.stringify({ id: "c", object: "chat.completion.chunk", choices: [{ index: 0, delta: { content: "hi" }, finish_reason: null }] }));
const oddNumber = fc.constantFrom("-1", "1e309", "NaN", '"12"', "null", "1.5", "9007199254740993", "3", "-0", "{}");
const usageEvent = fc.tuple(oddNumber, oddNumber).map(([p, c]) => sse(`{"choices":[],"usage":{"prompt_tokens":${p},"completion_tokens":${c},"total_tokens":${p}}}`));
const streamPiece = fc.oneof(
  { weight: 6, arbitrary: fc.constant(delta) },
  { weight: 2, arbitrary: usageEvent },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'data: {"choices":[{\n\n',
      "data: \n\n",
      ": keep-alive\n\n",
      'event: error\ndata: {"error":{"message":"upstream secret sk-live-123"}}\n\n',
      "data: [DONE]\n\n",
      'data: {"choices":[{"index":0,"delta":{"content":"\\ud800"}}]}\n\n',
      "retry: 10\n\n",
      "\r\n\r\n",
      'data:{"choices":[{"index":0,"delta":{"content":"x"}}]}\r\n\r\n',
      'data: {"error":{"message":"half"',
      "data: " + JSON.stringify({ choices: [{ index: 0, delta: { content: "tool" } }], usage: { input_tokens: 0, output_tokens: 0 } }) + "\n\n",
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 15 }) },
);
/** An endless line or body, compressed into a small script. */
const endless = fc.constantFrom<OriginScript["chunks"]>(
  ["data: ", { repeat: "x".repeat(1024), times: 5 * 1024 }],
  [delta, { repeat: "y".repeat(1024), times: 5 * 1024 }, "\n\n"],
  // Many events (the 32 MiB stream cap itself is tested in worker/upstream/relay.test.ts).
  [{ repeat: delta, times: 40_000 }],
  ['{"choices":[{"message":{"content":"', { repeat: "z".repeat(1024), times: 17 * 1024 }, '"}}]}'],
);
const jsonAnswer = fc.constantFrom(
  JSON.stringify({ id: "x", object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } }),
  '{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"ok"}}],"usage":{"prompt_tokens":NaN,"completion_tokens":-5}}',
  '{"id":"x","choices":[',
  "<html><body>502 Bad Gateway from a proxy, api key sk-live-123</body></html>",
  JSON.stringify({ error: { message: "invalid api key sk-live-123 for account 42", type: "auth", code: 401 } }),
  "",
);
const oddStatus = fc.constantFrom(400, 401, 403, 404, 408, 413, 422, 429, 500, 503, 302, 204, 201);
const sseHeaders = fc.constantFrom<Record<string, string>>({ "content-type": "text/event-stream" }, {}, { "content-type": "text/event-stream; charset=utf-8", "set-cookie": "session=upstream-secret" });
const jsonHeaders = fc.constantFrom<Record<string, string>>({ "content-type": "application/json" }, { "content-type": "application/json", "set-cookie": "session=upstream-secret" });
const otherHeaders = fc.constantFrom<Record<string, string>>({ "content-type": "text/html" }, { "content-type": "text/event-stream", location: "http://169.254.169.254/latest/meta-data" });
/**
 * What an origin answers a request with: mostly the kind of answer that was
 * asked for (a stream, or JSON), hostile in its content, sometimes another
 * status or format altogether.
 */
const scriptFor = (stream: boolean): fc.Arbitrary<OriginScript> =>
  fc.oneof(
    {
      weight: 7,
      arbitrary: stream
        ? fc.record({ status: fc.constant(200), headers: sseHeaders, chunks: fc.oneof({ weight: 8, arbitrary: fc.array(streamPiece, { minLength: 1, maxLength: 24 }).map((c) => [delta, ...c]) }, { weight: 1, arbitrary: endless }) })
        : fc.record({ status: fc.constant(200), headers: jsonHeaders, chunks: fc.oneof({ weight: 8, arbitrary: jsonAnswer.map((a) => [a]) }, { weight: 1, arbitrary: endless }) }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        status: fc.oneof(fc.constant(200), oddStatus),
        headers: fc.oneof(sseHeaders, jsonHeaders, otherHeaders),
        chunks: fc.oneof(fc.array(streamPiece, { maxLength: 12 }), jsonAnswer.map((a) => [a]), endless),
      }),
    },
  );
const script = fc.boolean().chain((stream) => fc.tuple(scriptFor(stream), fc.constant(stream)));

describe("fuzz: hostile origins", { timeout: 600_000 * SCALE }, () => {
  it("whatever an origin sends, the client gets a whole answer, a clean error or a stream that ends in [DONE] or an error event", async () => {
    let answered = 0;
    let played = 0;
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(script, async ([play, stream]) => {
        // A fresh origin (and model) per case: a circuit a bad answer rightly opened does not hide the next case.
        const model = `scripted-m-${++played}`;
        await registerOrigin(`scripted-${played}`, "scripted", { models: { [model]: model } });
        const body = JSON.stringify({ model, messages: [{ role: "user", content: scriptMessage(play) }], stream, max_tokens: 16 });
        const res = await send("POST", chatPath, body, asTenant(scripted.key, { "x-meridian-hedge": "off" }));
        const what = `status ${play.status} ${JSON.stringify(play.headers)} ${JSON.stringify(play.chunks).slice(0, 300)} stream=${stream}`;
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const text = await res.clone().text();
        await expectHandled(res, chatPath, what);
        // No origin text reaches the client, but the message of a 400/422 (the request's own fault, which its client must read).
        if (![400, 422].includes(res.status)) expect(text, what).not.toContain("sk-live-123");
        expect(res.headers.get("set-cookie"), what).toBeNull();
        expect(text.length, what).toBeLessThan(33 * 1024 * 1024);
        if (res.status !== 200) return;
        answered++;
        if (res.headers.get("content-type")?.includes("text/event-stream")) {
          const events = text.split(/\r?\n\r?\n/).map((e) => e.trim()).filter((e) => e.startsWith("data:"));
          const last = events.at(-1) ?? "";
          expect(last === "data: [DONE]" || /^data: ?\{"error":/.test(last), `${what}: ends with ${last.slice(0, 200)}`).toBe(true);
        } else {
          expect(() => JSON.parse(text), what).not.toThrow();
        }
      }),
      { numRuns: RUNS.origins },
    );
    console.log(`fuzz: hostile origins, client statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
    expect(answered).toBeGreaterThan(RUNS.origins / 5); // the generator reaches the relay, not only refusals
    // Lying usage never becomes a bill that is not a finite, non-negative amount.
    // (An answer whose stream broke before any text is not billed, so fewer records than answers.)
    const usage = await usageWhen(scripted.key, (u) => u.totals.requests > 0);
    for (const n of [usage.totals.cost_usd, usage.totals.input_tokens, usage.totals.output_tokens]) {
      expect(Number.isFinite(n) && n >= 0, JSON.stringify(usage.totals)).toBe(true);
    }
  });
});
