import { describe, expect, it } from "vitest";
import type { PromptMarkers } from "../cache/fingerprint";
import { EMBEDDING_DIMS, FEATURE_DIMS, promptFeatures, SCALAR_FEATURES, WEIGHTS, type FeatureSource, type ScalarFeature } from "./features";
import type { RequestShape } from "./types";

const ONE_PROMPT: RequestShape = { depth: 1, maxTokens: null, tools: false };
const NO_MARKERS: PromptMarkers = { code: 0, math: 0, structured: 0, summary: 0, nonAscii: 0, lines: 0 };

function source(tokens: number, markers: Partial<PromptMarkers> = {}, vector = new Float32Array(EMBEDDING_DIMS)): FeatureSource {
  return { vector, tokens, markers: { ...NO_MARKERS, ...markers } };
}

/** A scalar term divided by its weight: the squashed value itself. */
function term(features: Float32Array, name: ScalarFeature): number {
  return features[EMBEDDING_DIMS + SCALAR_FEATURES.indexOf(name)]! / WEIGHTS[name];
}

describe("promptFeatures", () => {
  it("is the embedding followed by one term per scalar feature", () => {
    expect(FEATURE_DIMS).toBe(EMBEDDING_DIMS + SCALAR_FEATURES.length);
    const vector = new Float32Array(EMBEDDING_DIMS).map((_, i) => (i % 7) / 10);
    const f = promptFeatures(source(12, {}, vector), ONE_PROMPT, new Float32Array(FEATURE_DIMS));
    expect(Array.from(f.subarray(0, EMBEDDING_DIMS))).toEqual(Array.from(vector, (x) => Math.fround(x * WEIGHTS.embedding)));
    expect(term(f, "length")).toBeCloseTo(Math.log1p(12) / Math.log1p(400), 6);
    for (const name of ["code", "math", "structured", "summary", "nonAscii", "lines", "depth", "maxTokens", "tools"] as const) expect(term(f, name)).toBe(0);
  });

  it("counts code and maths by density, and requests by presence", () => {
    const short = promptFeatures(source(10, { code: 4, summary: 1 }), ONE_PROMPT, new Float32Array(FEATURE_DIMS));
    const long = promptFeatures(source(300, { code: 4, summary: 1 }), ONE_PROMPT, new Float32Array(FEATURE_DIMS));
    expect(term(short, "code")).toBeCloseTo(Math.sqrt(0.4), 6);
    expect(term(long, "code")).toBeCloseTo(Math.sqrt(4 / 300), 6);
    // One "summarize" over an article is as plain a request as in a short prompt.
    expect(term(long, "summary")).toBeCloseTo(term(short, "summary"), 12);
    expect(term(short, "summary")).toBeCloseTo(Math.log1p(1) / Math.log1p(4), 6);
  });

  it("squashes every term into a bounded range", () => {
    const f = promptFeatures(source(1 << 20, { code: 2e6, math: 5e6, structured: 500, summary: 500, nonAscii: 3e6, lines: 1e5 }), { depth: 10_000, maxTokens: 1e9, tools: true }, new Float32Array(FEATURE_DIMS));
    expect(term(f, "code")).toBeCloseTo(1, 6); // capped: more code markers than tokens
    expect(term(f, "math")).toBeCloseTo(1, 6);
    expect(term(f, "structured")).toBeCloseTo(1.5, 6);
    expect(term(f, "tools")).toBeCloseTo(1, 6);
    for (const name of SCALAR_FEATURES) expect(term(f, name)).toBeLessThanOrEqual(2 + 1e-6);
  });

  it("reads the request's shape: conversation depth, output cap, tools", () => {
    const f = promptFeatures(source(5), { depth: 21, maxTokens: 4096, tools: true }, new Float32Array(FEATURE_DIMS));
    expect(term(f, "depth")).toBeCloseTo(Math.log1p(20) / Math.log1p(20), 6);
    expect(term(f, "maxTokens")).toBeCloseTo(1, 6);
    expect(term(f, "tools")).toBeCloseTo(1, 6);
  });

  it("treats a fingerprint without markers (or without tokens) as having none", () => {
    const f = promptFeatures({ vector: new Float32Array(EMBEDDING_DIMS), tokens: 0 }, ONE_PROMPT, new Float32Array(FEATURE_DIMS));
    expect(Array.from(f).every((x) => x === 0)).toBe(true);
  });

  it("writes into one reused buffer unless given its own", () => {
    const a = promptFeatures(source(3, { math: 1 }), ONE_PROMPT);
    const b = promptFeatures(source(50), ONE_PROMPT);
    expect(b).toBe(a);
    const own = new Float32Array(FEATURE_DIMS);
    expect(promptFeatures(source(3), ONE_PROMPT, own)).toBe(own);
  });
});
