import { describe, expect, it } from "vitest";
import { ApiError } from "../http/errors";
import { DEFAULT_PREFERENCES, describePolicy, routingPreferences, type RoutingPreferences } from "./policy";

const h = (init: Record<string, string> = {}) => new Headers(init);

function rejection(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error("expected an ApiError, got none");
}

describe("routingPreferences", () => {
  it("uses the defaults when nothing steers", () => {
    expect(routingPreferences(h(), undefined)).toEqual({ policy: { kind: "auto" }, constraints: {}, hedge: true });
    expect(routingPreferences(h(), {})).toEqual(DEFAULT_PREFERENCES);
    const defaults: RoutingPreferences = { policy: { kind: "cost" }, constraints: { regions: ["weur"], maxPricePerM: 4 }, hedge: false };
    expect(routingPreferences(h(), undefined, defaults)).toEqual(defaults);
    // A request overrides the defaults field by field.
    expect(routingPreferences(h({ "x-meridian-max-price": "2" }), undefined, defaults)).toEqual({
      policy: { kind: "cost" },
      constraints: { regions: ["weur"], maxPricePerM: 2 },
      hedge: false,
    });
  });

  it("lets a request tighten the tenant's constraints, never loosen them", () => {
    const defaults: RoutingPreferences = { policy: { kind: "latency" }, constraints: { regions: ["weur", "eeur"], maxPricePerM: 4, maxTtftMs: 500 }, hedge: true };
    const loose = routingPreferences(h({ "x-meridian-max-price": "9", "x-meridian-max-ttft-ms": "2000", "x-meridian-regions": "wnam,weur" }), undefined, defaults);
    expect(loose.constraints).toEqual({ regions: ["weur"], maxPricePerM: 4, maxTtftMs: 500 });
    const tight = routingPreferences(h({ "x-meridian-max-price": "1", "x-meridian-max-ttft-ms": "200" }), undefined, defaults);
    expect(tight.constraints).toEqual({ regions: ["weur", "eeur"], maxPricePerM: 1, maxTtftMs: 200 });
    // Outside the tenant's regions altogether: nothing is left, and routing will say so.
    expect(routingPreferences(h({ "x-meridian-regions": "apac" }), undefined, defaults).constraints.regions).toEqual([]);
  });

  it("reads every steering header", () => {
    const prefs = routingPreferences(
      h({
        "x-meridian-policy": "balanced",
        "x-meridian-latency-weight": "0.8",
        "x-meridian-regions": "weur, eeur",
        "x-meridian-max-price": "2.5",
        "x-meridian-max-ttft-ms": "800",
        "x-meridian-hedge": "off",
      }),
      undefined,
    );
    expect(prefs).toEqual({
      policy: { kind: "balanced", latencyWeight: 0.8 },
      constraints: { regions: ["weur", "eeur"], maxPricePerM: 2.5, maxTtftMs: 800 },
      hedge: false,
    });
  });

  it("reads the body field", () => {
    expect(routingPreferences(h(), { policy: "cost", max_price: 3, max_ttft_ms: 500, regions: ["apac"], hedge: false })).toEqual({
      policy: { kind: "cost" },
      constraints: { regions: ["apac"], maxPricePerM: 3, maxTtftMs: 500 },
      hedge: false,
    });
  });

  it("lets headers win over the body, field by field", () => {
    const prefs = routingPreferences(h({ "x-meridian-policy": "latency", "x-meridian-max-price": "1" }), { policy: "cost", max_price: 3, max_ttft_ms: 500 });
    expect(prefs.policy).toEqual({ kind: "latency" });
    expect(prefs.constraints).toEqual({ maxPricePerM: 1, maxTtftMs: 500 });
    expect(routingPreferences(h({ "x-meridian-hedge": "off" }), { hedge: true }).hedge).toBe(false);
    expect(routingPreferences(h({ "x-meridian-latency-weight": "0.2" }), { policy: "balanced", latency_weight: 0.7 }).policy).toEqual({ kind: "balanced", latencyWeight: 0.2 });
  });

  it("gives balanced a 0.5 latency weight by default", () => {
    expect(routingPreferences(h({ "x-meridian-policy": "balanced" }), undefined).policy).toEqual({ kind: "balanced", latencyWeight: 0.5 });
    expect(routingPreferences(h(), { policy: "balanced", latency_weight: 0 }).policy).toEqual({ kind: "balanced", latencyWeight: 0 });
  });

  it("pins: a pin alone implies the pinned policy; pinned requires a pin", () => {
    expect(routingPreferences(h({ "x-meridian-pin": " gpu-a, gpu-b ,,gpu-c" }), undefined).policy).toEqual({ kind: "pinned", order: ["gpu-a", "gpu-b", "gpu-c"] });
    expect(routingPreferences(h(), { policy: "pinned", pin: ["b", "a"] }).policy).toEqual({ kind: "pinned", order: ["b", "a"] });
    // An explicit other policy beats the implied one.
    expect(routingPreferences(h({ "x-meridian-pin": "a", "x-meridian-policy": "cost" }), undefined).policy).toEqual({ kind: "cost" });
    for (const fn of [() => routingPreferences(h({ "x-meridian-policy": "pinned" }), undefined), () => routingPreferences(h(), { policy: "pinned" })]) {
      const err = rejection(fn);
      expect(err.status).toBe(400);
      expect(err.message).toMatch(/pin/);
    }
  });

  it("reads hedge switches, and rejects anything else", () => {
    for (const on of ["on", "true", "1"]) expect(routingPreferences(h({ "x-meridian-hedge": on }), { hedge: false }).hedge).toBe(true);
    for (const off of ["off", "false", "0"]) expect(routingPreferences(h({ "x-meridian-hedge": off }), undefined).hedge).toBe(false);
    const err = rejection(() => routingPreferences(h({ "x-meridian-hedge": "yes" }), undefined));
    expect([err.status, err.message]).toEqual([400, "Header x-meridian-hedge must be on or off, got 'yes'."]);
  });

  it("ignores blank headers", () => {
    expect(routingPreferences(h({ "x-meridian-policy": "  ", "x-meridian-max-price": "" }), { policy: "cost" })).toEqual({
      policy: { kind: "cost" },
      constraints: {},
      hedge: true,
    });
  });

  it("rejects non-numbers in numeric headers with a 400 naming the header", () => {
    for (const [name, value] of [
      ["x-meridian-latency-weight", "heavy"],
      ["x-meridian-max-price", "cheap"],
      ["x-meridian-max-ttft-ms", "Infinity"],
    ]) {
      const err = rejection(() => routingPreferences(h({ [name!]: value! }), undefined));
      expect(err.status).toBe(400);
      expect(err.type).toBe("invalid_request_error");
      expect(err.message).toContain(name);
      expect(err.message).toContain(value);
    }
  });

  it("rejects out-of-range and unknown values with a 400 naming the field", () => {
    const cases: [Headers, unknown, string][] = [
      [h({ "x-meridian-policy": "fastest" }), undefined, "header x-meridian-policy"],
      [h({ "x-meridian-latency-weight": "1.5" }), undefined, "header x-meridian-latency-weight"],
      [h({ "x-meridian-regions": "weur,moon" }), undefined, "header x-meridian-regions"],
      [h({ "x-meridian-max-ttft-ms": "0" }), undefined, "header x-meridian-max-ttft-ms"],
      [h({ "x-meridian-max-price": "-1" }), undefined, "header x-meridian-max-price"],
      [h(), { policy: "fastest" }, "body.meridian.policy"],
      [h(), { latency_weight: 2 }, "body.meridian.latency_weight"],
      [h(), { regions: ["mars"] }, "body.meridian.regions[0]"],
      [h(), { regions: [] }, "body.meridian.regions"],
      [h(), { pin: [""] }, "body.meridian.pin[0]"],
      [h(), { max_price: "3" }, "body.meridian.max_price"],
      [h(), { hedge: "yes" }, "body.meridian.hedge"],
    ];
    for (const [headers, body, where] of cases) {
      const err = rejection(() => routingPreferences(headers, body));
      expect(err.status, where).toBe(400);
      expect(err.message, where).toContain(`Invalid ${where}:`);
    }
  });

  it("rejects unknown fields and a body field that is not an object", () => {
    const unknown = rejection(() => routingPreferences(h(), { policy: "cost", speed: "max" }));
    expect(unknown.status).toBe(400);
    expect(unknown.message).toContain("body.meridian");
    expect(unknown.message).toContain("speed");
    const notObject = rejection(() => routingPreferences(h(), "cost"));
    expect(notObject.status).toBe(400);
    expect(notObject.message).toContain("body.meridian");
    // A header error is reported even when the body is fine.
    expect(rejection(() => routingPreferences(h({ "x-meridian-policy": "nope" }), { policy: "cost" })).status).toBe(400);
  });
});

describe("describePolicy", () => {
  it("names each policy for x-meridian-route", () => {
    expect(describePolicy({ kind: "latency" })).toBe("latency");
    expect(describePolicy({ kind: "cost" })).toBe("cost");
    expect(describePolicy({ kind: "balanced", latencyWeight: 0.3 })).toBe("balanced(latency=0.3)");
    expect(describePolicy({ kind: "pinned", order: ["gpu-a", "gpu-b"] })).toBe("pinned(gpu-a>gpu-b)");
  });
});

describe("objectives and OpenRouter-style preferences", () => {
  it("accepts every objective by header and the tokens/s floor", () => {
    for (const kind of ["auto", "ttft", "throughput", "latency", "cost"] as const) {
      expect(routingPreferences(h({ "x-meridian-policy": kind }), undefined).policy).toEqual({ kind });
    }
    expect(routingPreferences(h({ "x-meridian-min-tokens-per-s": "25" }), undefined).minTokensPerS).toBe(25);
    expect(routingPreferences(h(), { min_tokens_per_s: 0 }).minTokensPerS).toBe(0);
    const tenant: RoutingPreferences = { ...DEFAULT_PREFERENCES, minTokensPerS: 20 };
    expect(routingPreferences(h(), undefined, tenant).minTokensPerS).toBe(20);
    expect(routingPreferences(h({ "x-meridian-min-tokens-per-s": "5" }), undefined, tenant).minTokensPerS).toBe(5);
  });

  it("maps provider.sort, preferred_min_throughput and preferred_max_latency", () => {
    const p = (provider: unknown) => routingPreferences(h(), undefined, DEFAULT_PREFERENCES, provider);
    expect(p({ sort: "latency" }).policy).toEqual({ kind: "ttft" });
    expect(p({ sort: "throughput" }).policy).toEqual({ kind: "throughput" });
    expect(p({ sort: "price" }).policy).toEqual({ kind: "cost" });
    expect(p({ sort: { by: "price", partition: "model" } }).policy).toEqual({ kind: "cost" });
    expect(p({ sort: null }).policy).toEqual({ kind: "auto" });
    expect(p({ preferred_min_throughput: 30 }).minTokensPerS).toBe(30);
    expect(p({ preferred_min_throughput: { p50: 30, p99: 12, p90: null } }).minTokensPerS).toBe(30);
    // Seconds, to ms cutoffs: a number is the median.
    expect(p({ preferred_max_latency: 1.5 }).preferredTtftMs).toEqual({ p50: 1500 });
    expect(p({ preferred_max_latency: { p90: 2, p99: null } }).preferredTtftMs).toEqual({ p90: 2000 });
    expect(p({ preferred_max_latency: {} }).preferredTtftMs).toBeUndefined();
    expect(p({ order: ["x"], only: ["y"], allow_fallbacks: false })).toEqual(DEFAULT_PREFERENCES);
    expect(p(null)).toEqual(DEFAULT_PREFERENCES);
  });

  it("lets the meridian field and headers win over provider preferences", () => {
    expect(routingPreferences(h(), { policy: "latency" }, DEFAULT_PREFERENCES, { sort: "price" }).policy).toEqual({ kind: "latency" });
    expect(routingPreferences(h({ "x-meridian-min-tokens-per-s": "3" }), undefined, DEFAULT_PREFERENCES, { preferred_min_throughput: 30 }).minTokensPerS).toBe(3);
  });

  it("rejects nonsense provider preferences with a 400 naming the field", () => {
    const bad: [unknown, string][] = [
      ["latency", "body.provider"],
      [{ sort: "fastest" }, "body.provider.sort"],
      [{ sort: { by: "constructor" } }, "body.provider.sort"],
      [{ sort: { by: "price", partition: "__proto__" } }, "body.provider.sort"],
      [{ preferred_max_latency: 0 }, "body.provider.preferred_max_latency"],
      [{ preferred_max_latency: -1 }, "body.provider.preferred_max_latency"],
      [{ preferred_max_latency: 1e308 }, "body.provider.preferred_max_latency"],
      [{ preferred_max_latency: { p42: 1 } }, "body.provider.preferred_max_latency"],
      [{ preferred_min_throughput: -5 }, "body.provider.preferred_min_throughput"],
      [{ preferred_min_throughput: "fast" }, "body.provider.preferred_min_throughput"],
    ];
    for (const [provider, where] of bad) {
      const err = rejection(() => routingPreferences(h(), undefined, DEFAULT_PREFERENCES, provider));
      expect(err.status).toBe(400);
      expect(err.message).toContain(where);
    }
  });

  it("rejects a bad floor header and quotes it printable", () => {
    for (const v of ["fast", "-1", "1e9", "NaN", "Infinity"]) expect(rejection(() => routingPreferences(h({ "x-meridian-min-tokens-per-s": v }), undefined)).status).toBe(400);
    expect(rejection(() => routingPreferences(h({ "x-meridian-min-tokens-per-s": "f\u00e9st" }), undefined)).message).toContain("'f?st'");
  });

  it("describes the objective a request was routed by", () => {
    expect(describePolicy({ kind: "auto" }, DEFAULT_PREFERENCES, true)).toBe("ttft(>=10tok/s)");
    expect(describePolicy({ kind: "auto" }, DEFAULT_PREFERENCES, false)).toBe("throughput");
    expect(describePolicy({ kind: "ttft" }, { ...DEFAULT_PREFERENCES, minTokensPerS: 0 }, true)).toBe("ttft");
    expect(describePolicy({ kind: "latency" }, DEFAULT_PREFERENCES, true)).toBe("latency");
  });
});
