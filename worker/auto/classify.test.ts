import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../harness/random";
import { compileCentroids, type CentroidSpec } from "./centroid-set";
import { classify } from "./classify";
import { FEATURE_DIMS, FEATURE_VERSION } from "./features";
import type { PromptClass } from "../vocabulary/prompt-classes";

/** A feature vector with the given leading components, zeros after. */
function vec(...xs: number[]): number[] {
  const v = new Array<number>(FEATURE_DIMS).fill(0);
  xs.forEach((x, i) => (v[i] = x));
  return v;
}

const spec = (centroids: { class: PromptClass; vector: number[] }[], center?: number[]): CentroidSpec => ({ feature_version: FEATURE_VERSION, centroids, ...(center ? { center } : {}) });

describe("classify", () => {
  const axes = compileCentroids(
    spec([
      { class: "chat", vector: vec(1, 0, 0) },
      { class: "coding", vector: vec(0, 1, 0) },
      { class: "math", vector: vec(0, 0, 3) }, // centroid length does not matter
    ]),
  );

  it("picks the centroid with the highest cosine and reports the margin over the runner-up", () => {
    const r = classify(Float32Array.from(vec(0.2, 0.9, 0.1)), axes);
    const norm = Math.hypot(0.2, 0.9, 0.1);
    expect(r.class).toBe("coding");
    expect(r.similarity).toBeCloseTo(0.9 / norm, 6);
    expect(r.margin).toBeCloseTo((0.9 - 0.2) / norm, 6);
    expect(classify(Float32Array.from(vec(0, 0.1, 0.5)), axes).class).toBe("math");
  });

  it("measures the margin against another class, not another centroid of the same class", () => {
    const twoChats = compileCentroids(
      spec([
        { class: "chat", vector: vec(1, 0.1) },
        { class: "chat", vector: vec(1, -0.1) },
        { class: "other", vector: vec(0, 1) },
      ]),
    );
    const r = classify(Float32Array.from(vec(1, 0.1)), twoChats);
    expect(r.class).toBe("chat");
    expect(r.similarity).toBeCloseTo(1, 6);
    expect(r.margin).toBeCloseTo(1 - 0.1 / Math.hypot(1, 0.1), 6);
  });

  it("subtracts the set's center before comparing", () => {
    // Seen from the center (0, 1), chat lies towards +x and coding towards +y; seen from the origin, (0.4, 1.2) is nearer coding's direction.
    const centroids = [
      { class: "chat" as const, vector: vec(1, 1) },
      { class: "coding" as const, vector: vec(0, 2) },
    ];
    const x = Float32Array.from(vec(0.4, 1.2));
    expect(classify(x, compileCentroids(spec(centroids, vec(0, 1)))).class).toBe("chat");
    expect(classify(x, compileCentroids(spec(centroids))).class).toBe("coding");
  });

  it("agrees with a direct computation on random vectors and centroids", () => {
    const random = mulberry32(17);
    const rand = () => Array.from({ length: FEATURE_DIMS }, () => random() - 0.5);
    const classes: PromptClass[] = ["chat", "extraction", "coding", "math", "summarization", "other"];
    const centroids = classes.map((c) => ({ class: c, vector: rand() }));
    const center = rand().map((x) => x / 4);
    const set = compileCentroids(spec(centroids, center));
    for (let t = 0; t < 200; t++) {
      const x = rand();
      const sims = centroids.map((c) => cosine(sub(x, center), sub(c.vector, center)));
      const best = sims.indexOf(Math.max(...sims));
      const r = classify(Float32Array.from(x), set);
      expect(r.class).toBe(classes[best]);
      expect(r.similarity).toBeCloseTo(sims[best]!, 4);
      expect(r.margin).toBeCloseTo(sims[best]! - Math.max(...sims.filter((_, i) => i !== best)), 4);
    }
  });

  it("puts a prompt without features in the catch-all class", () => {
    expect(classify(new Float32Array(FEATURE_DIMS), axes)).toEqual({ class: "other", similarity: 0, margin: 0 });
  });

  it("has no margin when the set knows one class", () => {
    const single = compileCentroids(spec([{ class: "math", vector: vec(1) }]));
    expect(classify(Float32Array.from(vec(0.5, 0.5)), single)).toMatchObject({ class: "math", margin: 0 });
  });
});

function sub(a: number[], b: number[]): number[] {
  return a.map((x, i) => x - b[i]!);
}

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  a.forEach((x, i) => {
    dot += x * b[i]!;
    na += x * x;
    nb += b[i]! * b[i]!;
  });
  return dot / Math.sqrt(na * nb);
}
