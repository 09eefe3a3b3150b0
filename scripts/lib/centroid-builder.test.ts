import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseLabelledPrompts } from "../../eval/lib/prompts";
import { referenceFeatures } from "../../eval/lib/reference-features";
import { FEATURE_VERSION } from "../../worker/auto/features";
import shipped from "../../worker/auto/centroids.json";
import { publicCentroidPrompts } from "../../eval/lib/auto-sets";
import { buildCentroidSpec, withExtraCentroids, type LabelledFeatures } from "./centroid-builder";

const row = (cls: LabelledFeatures["class"], ...xs: number[]): LabelledFeatures => ({ class: cls, features: Float32Array.from(xs) });

describe("buildCentroidSpec", () => {
  it("averages each class and centers on the mean of the class means", () => {
    const spec = buildCentroidSpec([row("chat", 1, 0), row("chat", 3, 0), row("math", 0, 4), row("math", 0, 4), row("math", 0, 4)]);
    expect(spec.feature_version).toBe(FEATURE_VERSION);
    expect(spec.centroids).toEqual([
      { class: "chat", vector: [2, 0] },
      { class: "math", vector: [0, 4] },
    ]);
    // Three math prompts and two chat ones weigh the same in the center.
    expect(spec.center).toEqual([1, 2]);
  });

  it("appends extra centroids as the mean of their rows, leaving the center alone", () => {
    const spec = withExtraCentroids(buildCentroidSpec([row("chat", 1, 0), row("math", 0, 4)]), [{ class: "math", rows: [row("math", 2, 2), row("math", 4, 2)] }, { class: "coding", rows: [] }]);
    expect(spec.centroids.map((c) => c.class)).toEqual(["chat", "math", "math"]);
    expect(spec.centroids[2]!.vector).toEqual([3, 2]);
    expect(spec.center).toEqual([0.5, 2]);
  });

  it("can leave the center out, and rounds to five decimals", () => {
    const spec = buildCentroidSpec([row("other", 1 / 3)], false);
    expect(spec.center).toBeUndefined();
    expect(spec.centroids[0]!.vector).toEqual([0.33333]);
  });
});

describe("worker/auto/centroids.json", () => {
  it("is what `npm run build:centroids` builds from data/prompts/classes.jsonl with the current features", () => {
    const { prompts } = parseLabelledPrompts(readFileSync(new URL("../../data/prompts/classes.jsonl", import.meta.url), "utf8"));
    const features = referenceFeatures();
    const own = buildCentroidSpec(prompts.map((p) => ({ class: p.class, features: features(p.prompt) })));
    // The first six and the center come from the hand-written prompts; the extra ones from public tuning prompts, when the data is here.
    expect(JSON.parse(JSON.stringify({ ...own, centroids: own.centroids }))).toEqual({ ...shipped, centroids: shipped.centroids.slice(0, own.centroids.length) });
    const extras = publicCentroidPrompts();
    if (extras) {
      const rebuilt = withExtraCentroids(own, extras.map((e) => ({ class: e.class, rows: e.prompts.map((p) => ({ class: e.class, features: features(p) })) })));
      expect(JSON.parse(JSON.stringify(rebuilt))).toEqual(shipped);
    }
  });
});
