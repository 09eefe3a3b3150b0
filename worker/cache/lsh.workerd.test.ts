// LSH bands: format, the pigeonhole guarantee, and on real fingerprints:
// near-duplicates meet in a band far more often than unrelated prompts.

import { describe, expect, it } from "vitest";
import { fingerprint } from "./embedder";
import { BAND_BITS, BANDS, bands } from "./lsh";
import { cosine, hamming } from "./similarity";

const shareBand = (a: [number, number], b: [number, number]) => {
  const x = new Set(bands(a));
  return bands(b).some((k) => x.has(k));
};

describe("bands()", () => {
  it("cuts the 64 bits into BANDS keys of BAND_BITS, band 0 = low bits", () => {
    expect(BANDS * BAND_BITS).toBe(64);
    expect(BANDS).toBe(8);
    expect(bands([0x01234567, 0x89abcdef])).toEqual(["b0:ef", "b1:cd", "b2:ab", "b3:89", "b4:67", "b5:45", "b6:23", "b7:01"]);
    expect(bands([0, 0])).toEqual(["b0:00", "b1:00", "b2:00", "b3:00", "b4:00", "b5:00", "b6:00", "b7:00"]);
    expect(bands([0xffffffff, 0xffffffff]).every((k) => /^b[0-7]:ff$/.test(k))).toBe(true);
  });

  it("signatures within 7 bits always share a band (pigeonhole), and bands match the bits", () => {
    let s = 12345;
    const next = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0);
    for (let trial = 0; trial < 500; trial++) {
      const a: [number, number] = [next(), next()];
      const b: [number, number] = [a[0], a[1]];
      const flips = trial % 8;
      for (let k = 0; k < flips; k++) {
        const bit = next() % 64;
        if (bit < 32) b[1] = (b[1] ^ (1 << bit)) >>> 0;
        else b[0] = (b[0] ^ (1 << (bit - 32))) >>> 0;
      }
      expect(shareBand(a, b)).toBe(true);
      const same = bands(a).filter((k, i) => k === bands(b)[i]).length;
      expect(same).toBeGreaterThanOrEqual(BANDS - hamming(a, b));
    }
  });
});

describe("on fingerprints", () => {
  const BASE = [
    "How do I reverse a list in Python?",
    "What is the capital of France?",
    "Explain how vaccines work.",
    "How do I reset my password?",
    "Write a short poem about autumn leaves.",
    "What are the symptoms of vitamin D deficiency?",
    "How do I clear the cache in Chrome?",
    "Summarize the plot of Hamlet in three sentences.",
    "What is the difference between TCP and UDP?",
    "How long should I boil an egg for a soft yolk?",
    "Recommend a good laptop for video editing.",
    "How does compound interest work?",
    "Translate good morning into Spanish.",
    "Why is the sky blue during the day?",
    "What is the best way to learn to play guitar as an adult?",
    "How do I get rid of fruit flies in my kitchen?",
    "Explain the CAP theorem in simple terms.",
    "What should I pack for a week of hiking in the mountains?",
    "How can I improve my credit score quickly?",
    "Write a cover letter for a junior developer job.",
    "What are the main causes of inflation?",
    "How do I train my puppy to stop biting?",
    "Give me a recipe for vegetarian lasagna.",
    "How do solar panels generate electricity?",
    "What are some tips for a job interview?",
    "How do I make my website load faster?",
    "Explain photosynthesis to a child.",
    "What is the healthiest way to lose weight?",
    "How do I fix a leaking kitchen faucet?",
    "Plan a three day trip to Rome.",
  ];
  // Near-duplicates: what users change when they ask the same thing again.
  const VARIANTS: ((s: string) => string)[] = [
    (s) => s.toLowerCase().replace(/[?.!]$/, ""),
    (s) => `Please, ${s[0]!.toLowerCase()}${s.slice(1)}`,
    (s) => `${s} Thanks!`,
    (s) => s.replace(/^How do I /, "How can I ").replace(/^What is /, "What's ").replace(/^Explain /, "Can you explain "),
    (s) => `Quick question: ${s}`,
  ];

  it("near-duplicates share a band far more often than unrelated prompts", () => {
    const fps = BASE.map((s) => fingerprint(s));
    let near = 0;
    let nearShared = 0;
    for (let i = 0; i < BASE.length; i++) {
      for (const v of VARIANTS) {
        const f = fingerprint(v(BASE[i]!));
        near++;
        if (shareBand(fps[i]!.signature, f.signature)) nearShared++;
      }
    }
    let far = 0;
    let farShared = 0;
    for (let i = 0; i < BASE.length; i++) {
      for (let j = i + 1; j < BASE.length; j++) {
        far++;
        if (shareBand(fps[i]!.signature, fps[j]!.signature)) farShared++;
      }
    }
    const nearRate = nearShared / near;
    const farRate = farShared / far;
    expect(near).toBe(150);
    expect(far).toBe(435);
    expect(nearRate).toBeGreaterThanOrEqual(0.9);
    expect(farRate).toBeLessThanOrEqual(0.2);
    expect(nearRate / Math.max(farRate, 1e-3)).toBeGreaterThan(5);
  });

  it("hamming distance follows the angle (SimHash)", () => {
    // E[hamming] = 64 * angle / pi; check the correlation on pairs of varied similarity.
    const texts = ["What is the capital of France?", "What's the capital city of France?", "Tell me France's capital city", "How do I boil an egg?", "Explain the CAP theorem"];
    const f = texts.map((t) => fingerprint(t));
    for (let i = 0; i < f.length; i++) {
      for (let j = i + 1; j < f.length; j++) {
        const expected = (64 * Math.acos(Math.max(-1, Math.min(1, cosine(f[i]!.vector, f[j]!.vector))))) / Math.PI;
        expect(Math.abs(hamming(f[i]!.signature, f[j]!.signature) - expected)).toBeLessThan(16);
      }
    }
  });
});
