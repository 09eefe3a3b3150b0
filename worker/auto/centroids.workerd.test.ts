import { describe, expect, it } from "vitest";
import { fingerprint } from "../cache/embedder";
import { compileCentroids, DEFAULT_CENTROIDS, type CentroidSpec } from "./centroids";
import { classify } from "./classify";
import { FEATURE_DIMS, FEATURE_VERSION, promptFeatures } from "./features";
import { PROMPT_CLASSES, type PromptClass } from "../vocabulary/prompt-classes";

const ONE_PROMPT = { depth: 1, maxTokens: null, tools: false };
const classOf = (text: string) => classify(promptFeatures(fingerprint(text), ONE_PROMPT), DEFAULT_CENTROIDS);

const ARTICLE =
  "The city council met on Tuesday to discuss the new bike lanes planned for the harbour district. Residents raised concerns about parking, " +
  "delivery access for the shops along the waterfront and the cost of the project, which has grown from four to seven million since the first " +
  "estimate. The transport office argued that cycling in the district has doubled in three years and that the lanes would reduce accidents. " +
  "After two hours the council agreed to a trial on two streets this summer, with a public review in October before any further work.";

describe("the shipped centroids", () => {
  it("cover every class, as unit rows built for this feature version", () => {
    expect(new Set(DEFAULT_CENTROIDS.classes)).toEqual(new Set(PROMPT_CLASSES));
    expect(DEFAULT_CENTROIDS.dims).toBe(FEATURE_DIMS);
    for (let k = 0; k < DEFAULT_CENTROIDS.classes.length; k++) {
      const row = DEFAULT_CENTROIDS.vectors.subarray(k * FEATURE_DIMS, (k + 1) * FEATURE_DIMS);
      expect(Math.hypot(...row)).toBeCloseTo(1, 5);
    }
  });

  it.each<[PromptClass, string]>([
    ["chat", "hey! how's it going today?"],
    ["chat", "what's the capital of Canada?"],
    ["extraction", 'Extract the name, email and phone number as JSON: "Call Dana Reyes at 555-0142 or write to dana@example.com"'],
    ["coding", "Why does this Python raise a KeyError?\n\ndef count(words):\n    counts = {}\n    for w in words:\n        counts[w] += 1\n    return counts"],
    ["math", "Solve for x: 3x + 7 = 25, and show each step."],
    ["summarization", `Summarize the key points of this article in three bullets:\n\n${ARTICLE}`],
    ["other", "Write a short poem about autumn leaves falling in the park."],
  ])("classify an obvious %s prompt as such", (expected, text) => {
    expect(classOf(text).class).toBe(expected);
  });

  it("is surer of obvious prompts than of ambiguous ones", () => {
    expect(classOf("Solve for x: 3x + 7 = 25, and show each step.").margin).toBeGreaterThan(classOf("tell me about numbers").margin);
  });
});

describe("compileCentroids", () => {
  const vector = (first: number) => [first, ...new Array<number>(FEATURE_DIMS - 1).fill(0)];
  const valid: CentroidSpec = { feature_version: FEATURE_VERSION, centroids: [{ class: "chat", vector: vector(1) }] };

  it("accepts a tenant's own set, even with classes left out or repeated", () => {
    const set = compileCentroids({ ...valid, centroids: [...valid.centroids, { class: "chat", vector: vector(-1) }] });
    expect(set.classes).toEqual(["chat", "chat"]);
    expect(set.vectors[FEATURE_DIMS]).toBeCloseTo(-1, 6);
  });

  it.each<[string, CentroidSpec, RegExp]>([
    ["another feature version", { ...valid, feature_version: FEATURE_VERSION + 1 }, /feature version/],
    ["no centroids", { ...valid, centroids: [] }, /need 1 to 64, got 0/],
    ["an unknown class", { ...valid, centroids: [{ class: "poetry", vector: vector(1) }] }, /unknown class 'poetry'/],
    ["a short vector", { ...valid, centroids: [{ class: "chat", vector: [1, 2, 3] }] }, /need 110 numbers, got 3/],
    ["a NaN", { ...valid, centroids: [{ class: "chat", vector: vector(Number.NaN) }] }, /\[0\]: not a finite number/],
    ["a centroid on the center", { ...valid, center: vector(1) }, /equal to the center/],
    ["a bad center", { ...valid, center: [1] }, /center: need 110 numbers/],
  ])("refuses %s", (_, spec, message) => {
    expect(() => compileCentroids(spec)).toThrow(message);
  });
});
