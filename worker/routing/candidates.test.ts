import { describe, expect, it } from "vitest";
import { testOrigin } from "../../harness/origin-fixtures";
import type { Origin } from "../schemas/admin";
import { rankCandidates, servedModels } from "./candidates";

const origin = (id: string, lat: number, lon: number, extra: Partial<Origin> = {}): Origin => testOrigin(id, { lat, lon, ...extra });

const frankfurt = { lat: 50.1, lon: 8.7 };

describe("rankCandidates", () => {
  const origins = [origin("virginia", 39, -77.5), origin("dublin", 53.3, -6.3), origin("tokyo", 35.7, 139.7)];

  it("orders the origins serving the model by distance", () => {
    const ranked = rankCandidates(origins, "llama-8b", frankfurt);
    expect(ranked.map((c) => c.origin.id)).toEqual(["dublin", "virginia", "tokyo"]);
    expect(ranked[0]!.upstreamModel).toBe("upstream-dublin");
  });

  it("skips origins that do not serve the model, drain or have no weight", () => {
    const mixed = [...origins, origin("paris", 48.8, 2.3, { draining: true }), origin("milan", 45.5, 9.2, { weight: 0 }), origin("oslo", 59.9, 10.7, { models: { other: "x" } })];
    expect(rankCandidates(mixed, "llama-8b", frankfurt).map((c) => c.origin.id)).toEqual(["dublin", "virginia", "tokyo"]);
    expect(rankCandidates(mixed, "missing", frankfurt)).toEqual([]);
  });

  it("lets a scorer replace distance", () => {
    const byPrice = (o: Origin) => -o.lat; // any cost function
    expect(rankCandidates(origins, "llama-8b", frankfurt, byPrice)[0]!.origin.id).toBe("dublin");
    expect(rankCandidates(origins, "llama-8b", frankfurt, (o) => o.lon)[0]!.origin.id).toBe("virginia");
  });

  it("lists served models once each", () => {
    expect(servedModels([...origins, origin("x", 0, 0, { models: { "llama-1.5b": "s", "llama-8b": "l" } })])).toEqual(["llama-1.5b", "llama-8b"]);
  });
});
