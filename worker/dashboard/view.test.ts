import { describe, expect, it } from "vitest";
import type { Origin } from "../schemas/admin";
import type { ModelSummary, OriginSummary } from "../stats/origin-stats";
import { dashboardView, heatCell } from "./view";

const model = (p50: number | null, p99: number | null): ModelSummary => ({
  samples: 10, ttftMs: p50, tpotMs: null, ttftP50: p50, ttftP95: null, ttftP99: p99, totalP50: null, totalP95: null, totalP99: null,
});
const summary = (models: Record<string, ModelSummary>, circuit: OriginSummary["circuit"] = "closed"): OriginSummary => ({
  circuit, retryAt: 0, errorRate: 0, ok: 7, err: 2, inFlight: 0, probe: null, models,
});

describe("heatCell", () => {
  it("shows the slowest model's percentiles, rounded, and the circuit", () => {
    expect(heatCell("weur", summary({ a: model(80.4, 300.6), b: model(120, 250) }, "open"))).toEqual({
      region: "weur", circuit: "open", requests: 9, p50_ms: 120, p99_ms: 301,
    });
  });

  it("is empty for an origin the region has not seen", () => {
    expect(heatCell("apac", undefined)).toEqual({ region: "apac", circuit: "closed", requests: 0, p50_ms: null, p99_ms: null });
  });
});

describe("dashboardView", () => {
  it("lays origins against regions and ranks tenants by requests", () => {
    const origin = { id: "o1", region: "weur", draining: false } as Origin;
    const totals = (requests: number, cache_hits: number) => ({ requests, cache_hits, input_tokens: 0, output_tokens: 0, cost_usd: 0.5, saved_usd: 0.1 });
    const view = dashboardView(
      [{ region: "weur", at: 1, origins: { o1: summary({ m: model(90, 200) }) } }, { region: "apac", at: 1, origins: {} }],
      [origin],
      [{ id: "quiet", name: "Quiet", totals: totals(0, 0) }, { id: "busy", name: "Busy", totals: totals(8, 2) }],
      42,
    );
    expect(view.regions).toEqual(["weur", "apac"]);
    expect(view.origins[0]!.cells.map((c) => c.p99_ms)).toEqual([200, null]);
    expect(view.tenants.map((t) => [t.id, t.cache_hit_rate])).toEqual([["busy", 0.25], ["quiet", null]]);
  });

  it("shows a tenant's measured cache precision with its interval and tightened cut, or nothing without evidence", () => {
    const totals = { requests: 10, cache_hits: 5, input_tokens: 0, output_tokens: 0, cost_usd: 0, saved_usd: 0 };
    const precision = {
      verified: 9, agree: 8, disagree: 1, unsure: 0, thumbs_down: 1, exact_thumbs_down: 0, precision: 0.8, wilson_low: 0.49, wilson_high: 0.94, target: 0.99,
      threshold: { configured: null, tightened: 0.97, effective: 0.97 },
      shadow: { calls: 9, input_tokens: 90, output_tokens: 90, operator_cost_usd: 0.0001 },
    };
    const view = dashboardView([], [], [{ id: "t", name: "T", totals, cache_precision: precision }, { id: "u", name: "U", totals, cache_precision: { ...precision, precision: null } }], 1);
    expect(view.tenants.find((t) => t.id === "t")!.cache_precision).toEqual({ precision: 0.8, low: 0.49, high: 0.94, n: 10, threshold: 0.97, tightened: true });
    expect(view.tenants.find((t) => t.id === "u")!.cache_precision).toBeNull();
  });

  it("shows a committed-spend agreement's month as used of committed, and nothing without one", () => {
    const totals = { requests: 3, cache_hits: 0, input_tokens: 0, output_tokens: 0, cost_usd: 0.25, saved_usd: 0 };
    const agreement = { committed_usd: 100, used_usd: 0.25, remaining_usd: 99.75 };
    const view = dashboardView([], [], [{ id: "a", name: "A", totals, agreement }, { id: "b", name: "B", totals }], 1);
    expect(view.tenants.find((t) => t.id === "a")!.commitment).toEqual({ committed_usd: 100, used_usd: 0.25 });
    expect(view.tenants.find((t) => t.id === "b")!.commitment).toBeNull();
  });

  it("shows an origin named like an Object.prototype key as unseen where no region measured it", () => {
    const origin = { id: "constructor", region: "weur", draining: false } as Origin;
    const view = dashboardView([{ region: "weur", at: 1, origins: {} }], [origin], [], 42);
    expect(view.origins[0]!.cells).toEqual([{ region: "weur", circuit: "closed", requests: 0, p50_ms: null, p99_ms: null }]);
  });
});

describe("where traffic went and engine load", () => {
  const origins = [
    { id: "a", region: "weur", draining: false, metrics: { format: "vllm" } },
    { id: "b", region: "weur", draining: false },
    { id: "constructor", region: "apac", draining: false, metrics: { format: "sglang" } },
  ] as Origin[];

  it("shares each region's requests out over the origins, none where the region sent nothing", () => {
    const a = { ...summary({}), ok: 3, err: 0 };
    const b = { ...summary({}), ok: 0, err: 1 };
    const view = dashboardView([{ region: "weur", at: 1, origins: { a, b } }, { region: "oc", at: 1, origins: {} }], origins, [], 42);
    expect(view.traffic).toEqual([
      { region: "weur", requests: 4, shares: [{ origin: "a", requests: 3, share: 0.75 }, { origin: "b", requests: 1, share: 0.25 }, { origin: "constructor", requests: 0, share: 0 }] },
      { region: "oc", requests: 0, shares: [{ origin: "a", requests: 0, share: null }, { origin: "b", requests: 0, share: null }, { origin: "constructor", requests: 0, share: null }] },
    ]);
  });

  it("lists the origins that name metrics with their reading and hour, or none", () => {
    const point = { minute: 0, readings: 3, waiting: 4, running: 2, kvUsage: 0.5, prefixHitRate: 0.9 };
    const view = dashboardView([], origins, [], 42, {
      at: 42,
      intervalMs: 2000,
      origins: { a: { load: { waiting: 4, running: 2, kvUsage: 0.5, prefixHitRate: null, at: 40 }, series: [point] } },
    });
    expect(view.engines).toEqual([
      { id: "a", format: "vllm", load: { waiting: 4, running: 2, kv_usage: 0.5, prefix_hit_rate: null }, series: [point] },
      { id: "constructor", format: "sglang", load: null, series: [] },
    ]);
    expect(dashboardView([], origins, [], 42, null).engines.map((e) => e.load)).toEqual([null, null]);
  });
});
