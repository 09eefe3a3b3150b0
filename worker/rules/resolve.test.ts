import { describe, expect, it } from "vitest";
import type { RulesDocument } from "../schemas/rules";
import { rulesDocument } from "./document";
import { resolve, unitHash, type RequestFacts } from "./resolve";

const facts = (model: string, extra: Partial<RequestFacts> = {}): RequestFacts => ({ model, headers: new Headers(), metadata: undefined, user: undefined, keyId: "key_1", ...extra });
const models = (r: ReturnType<typeof resolve>) => r.targets.map((t) => t.model);

describe("resolve", () => {
  it("passes a plain model through when no rule names it", () => {
    const r = resolve({}, facts("llama-8b"));
    expect(r).toEqual({ targets: [{ model: "llama-8b", origins: null }], auto: null, autoSpec: null, policy: undefined, trail: [], byRule: false });
  });

  it("expands an ordered alias into its targets, with origin sets from pools", () => {
    const rules: RulesDocument = {
      pools: { eu: ["gpu-fra", "gpu-ams"] },
      aliases: { fast: { strategy: "ordered", targets: [{ model: "qwen-1.5b", pool: "eu" }, { model: "llama-8b", origins: ["gpu-iad"] }, { model: "llama-70b" }] } },
    };
    const r = resolve(rules, facts("fast"));
    expect(models(r)).toEqual(["qwen-1.5b", "llama-8b", "llama-70b"]);
    expect([...r.targets[0]!.origins!]).toEqual(["gpu-fra", "gpu-ams"]);
    expect([...r.targets[1]!.origins!]).toEqual(["gpu-iad"]);
    expect(r.targets[2]!.origins).toBeNull();
    expect(r.trail).toEqual(["alias fast", "qwen-1.5b"]);
    expect(r.byRule).toBe(true);
  });

  it("picks a weighted alias's first target in proportion to the weights, the rest as fallbacks", () => {
    const rules: RulesDocument = { aliases: { mix: { strategy: "weighted", targets: [{ model: "a", weight: 3 }, { model: "b", weight: 1 }] } } };
    const firsts = { a: 0, b: 0 } as Record<string, number>;
    for (let i = 0; i < 1000; i++) firsts[resolve(rules, facts("mix"), () => (i + 0.5) / 1000).targets[0]!.model]!++;
    expect(firsts).toEqual({ a: 750, b: 250 });
    expect(models(resolve(rules, facts("mix"), () => 0.9))).toEqual(["b", "a"]);
  });

  it("applies the first matching route: model, header and metadata conditions", () => {
    const rules: RulesDocument = {
      routes: [
        { name: "beta-header", when: { model: "chat", header: { name: "x-cohort", in: ["beta", "canary"] } }, use: "llama-70b" },
        { name: "vip", when: { metadata: { key: "tier", equals: "vip" } }, use: "llama-70b", policy: { kind: "latency" } },
        { name: "chat-default", when: { model: "chat" }, use: "llama-8b", policy: { kind: "cost" } },
      ],
    };
    expect(resolve(rules, facts("chat", { headers: new Headers({ "x-cohort": "canary" }) })).trail).toEqual(["route beta-header", "llama-70b"]);
    expect(models(resolve(rules, facts("chat", { headers: new Headers({ "x-cohort": "other" }) })))).toEqual(["llama-8b"]);
    expect(resolve(rules, facts("chat")).policy).toEqual({ kind: "cost" });
    const vip = resolve(rules, facts("anything", { metadata: { tier: "vip" } }));
    expect([models(vip), vip.policy]).toEqual([["llama-70b"], { kind: "latency" }]);
    expect(resolve(rules, facts("anything", { metadata: { tier: 1 } })).byRule).toBe(false);
  });

  it("lets only a route that chooses the model mark it as the rules' choice, not one that only sets a policy", () => {
    const rules: RulesDocument = {
      routes: [
        { name: "batch", when: { metadata: { key: "tier", equals: "batch" } }, policy: { kind: "cost" } },
        { name: "gold", when: { metadata: { key: "tier", equals: "gold" } }, use: "llama-70b" },
        { name: "ab", when: { metadata: { key: "tier", equals: "ab" } }, split: [{ use: "llama-70b", weight: 1 }] },
      ],
    };
    const batch = resolve(rules, facts("llama-70b", { metadata: { tier: "batch" } }));
    expect(batch).toMatchObject({ targets: [{ model: "llama-70b" }], policy: { kind: "cost" }, trail: ["route batch", "llama-70b"], byRule: false });
    expect(resolve(rules, facts("x", { metadata: { tier: "gold" } })).byRule).toBe(true);
    expect(resolve(rules, facts("x", { metadata: { tier: "ab" } })).byRule).toBe(true);
  });

  it("looks names up as the rules' own keys only, never inherited ones", () => {
    const rules: RulesDocument = {
      pools: { eu: ["gpu-fra"] },
      aliases: { fast: { strategy: "ordered", targets: [{ model: "llama-8b", pool: "eu" }] } },
      auto: { auto: { models: [{ model: "llama-8b" }], floor: 0.7, prior_strength: 10 } },
      routes: [{ name: "m", when: { metadata: { key: "constructor" } }, use: "fast" }],
    };
    for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
      const r = resolve(rules, facts(name, { metadata: {} }));
      expect(r, name).toEqual({ targets: [{ model: name, origins: null }], auto: null, autoSpec: null, policy: undefined, trail: [], byRule: false });
    }
    expect(resolve(rules, facts("x", { metadata: JSON.parse('{"constructor": "yes"}') })).trail).toEqual(["route m", "alias fast", "llama-8b"]);
  });

  it("keeps a caller on one side of a split, by metadata key, then user, then API key", () => {
    const rules: RulesDocument = {
      routes: [{ name: "ab", when: { model: "chat" }, split: [{ use: "a", weight: 50 }, { use: "b", weight: 50 }], sticky_by: "user_id" }],
    };
    const side = (f: RequestFacts) => resolve(rules, f, () => 0.999).targets[0]!.model;
    const sides = new Set<string>();
    for (let u = 0; u < 200; u++) {
      const f = facts("chat", { metadata: { user_id: `u${u}` } });
      const first = side(f);
      for (let again = 0; again < 3; again++) expect(side(f)).toBe(first);
      sides.add(first);
    }
    expect(sides).toEqual(new Set(["a", "b"]));
    expect(side(facts("chat", { user: "same" }))).toBe(side(facts("chat", { user: "same", keyId: "other" })));
  });

  it("splits users in proportion to the weights", () => {
    const rules: RulesDocument = { routes: [{ name: "ab", when: {}, split: [{ use: "a", weight: 90 }, { use: "b", weight: 10 }] }] };
    let b = 0;
    for (let u = 0; u < 4000; u++) if (resolve(rules, facts("m", { user: `user-${u}` })).targets[0]!.model === "b") b++;
    expect(b / 4000).toBeGreaterThan(0.08);
    expect(b / 4000).toBeLessThan(0.12);
  });

  it("hands a request for an auto model (directly or by a route) to the auto choice", () => {
    const rules: RulesDocument = { auto: { auto: { models: [{ model: "small" }, { model: "big" }], floor: 0.7, prior_strength: 10 } }, routes: [{ name: "r", when: { model: "chat" }, use: "auto" }] };
    expect(resolve(rules, facts("auto"))).toMatchObject({ targets: [], auto: "auto", byRule: true });
    expect(resolve(rules, facts("chat"))).toMatchObject({ targets: [], auto: "auto", trail: ["route r"] });
  });

  it("resolves a route into an alias", () => {
    const rules: RulesDocument = { aliases: { fast: { strategy: "ordered", targets: [{ model: "qwen-1.5b" }] } }, routes: [{ name: "r", when: { model: "chat" }, use: "fast" }] };
    expect(resolve(rules, facts("chat")).trail).toEqual(["route r", "alias fast", "qwen-1.5b"]);
  });
});

describe("unitHash", () => {
  it("is stable and spreads over [0, 1)", () => {
    expect(unitHash("abc")).toBe(unitHash("abc"));
    const buckets = new Array(10).fill(0);
    for (let i = 0; i < 10_000; i++) buckets[Math.floor(unitHash(`id-${i}`) * 10)]++;
    for (const n of buckets) expect(n).toBeGreaterThan(850);
  });
});

describe("rules document", () => {
  it("accepts a full document", () => {
    const doc = {
      pools: { eu: ["gpu-fra"] },
      aliases: { fast: { targets: [{ model: "qwen-1.5b", pool: "eu" }] }, mix: { strategy: "weighted", targets: [{ model: "a", weight: 1 }, { model: "b", weight: 2 }] } },
      policy: { kind: "balanced", latency_weight: 0.7 },
      constraints: { regions: ["weur"], max_price_per_m: 2, max_ttft_ms: 800 },
      retries: { max_attempts: 2, ttft_timeout_ms: 5000, hedge_budget: 0 },
      cache: { exact: true, semantic: true, threshold: 0.95 },
      routes: [{ name: "beta", when: { header: { name: "x-cohort", equals: "beta" } }, use: "mix" }],
    };
    const parsed = rulesDocument.safeParse(doc);
    expect(parsed.success).toBe(true);
    expect(parsed.data!.aliases!.fast!.strategy).toBe("ordered");
  });

  it("reports every problem with its path", () => {
    const result = rulesDocument.safeParse({
      aliases: {
        fast: { targets: [{ model: "slow" }, { model: "x", pool: "nowhere" }] },
        slow: { strategy: "weighted", targets: [{ model: "y" }] },
      },
      policy: { kind: "pinned" },
      routes: [{ when: {} }],
    });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((i) => i.path.join("."));
    expect(paths).toEqual(
      expect.arrayContaining(["policy.pin", "aliases.fast.targets.0.model", "aliases.fast.targets.1.pool", "aliases.slow.targets.0.weight", "routes.0"]),
    );
  });

  it("rejects unknown fields and wrong types", () => {
    const result = rulesDocument.safeParse({ polcy: { kind: "cost" }, retries: { max_attempts: 0 }, constraints: { regions: ["mars"] } });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join("."))).toEqual(expect.arrayContaining(["", "retries.max_attempts", "constraints.regions.0"]));
  });
});
