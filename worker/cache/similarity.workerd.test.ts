// Similarity, the checks and the verifier behind verify(), on fingerprints from
// the wasm embedder (the path the worker takes).

import { describe, expect, it } from "vitest";
import { fingerprint } from "./embedder";
import type { PromptFingerprint } from "./fingerprint";
import { cosine, DEFAULT_THRESHOLD, hamming, sameSalient, score, verify } from "./similarity";
import { wordSketch } from "./word-sketch";

const sim = (a: string, b: string) => cosine(fingerprint(a).vector, fingerprint(b).vector);
const verdict = (a: string, b: string, threshold = DEFAULT_THRESHOLD) => verify(fingerprint(a), fingerprint(b), threshold);

function fp(vector: number[], salient: number[] = [], known = 1, text = "reset my password"): PromptFingerprint {
  return { vector: Float32Array.from(vector), signature: [0, 0], salient: Uint32Array.from(salient), tokens: known, known, sketch: wordSketch(text) };
}

describe("pure functions", () => {
  it("cosine", () => {
    expect(cosine(Float32Array.of(1, 0), Float32Array.of(1, 0))).toBeCloseTo(1, 12);
    expect(cosine(Float32Array.of(1, 0), Float32Array.of(0, 2))).toBe(0);
    expect(cosine(Float32Array.of(1, 1), Float32Array.of(-1, -1))).toBeCloseTo(-1, 12);
    expect(cosine(Float32Array.of(3, 4), Float32Array.of(6, 8))).toBeCloseTo(1, 12); // not unit length
    expect(cosine(Float32Array.of(0, 0), Float32Array.of(1, 0))).toBe(0);
  });

  it("hamming", () => {
    expect(hamming([0, 0], [0, 0])).toBe(0);
    expect(hamming([0xffffffff, 0], [0, 0])).toBe(32);
    expect(hamming([0xffffffff, 0xffffffff], [0, 0])).toBe(64);
    expect(hamming([0x80000001, 0x10], [0, 0x11])).toBe(3);
    expect(hamming([5, 9], [3, 12])).toBe(hamming([3, 12], [5, 9]));
  });

  it("sameSalient", () => {
    expect(sameSalient(fp([1], [1, 2]), fp([1], [1, 2]))).toBe(true);
    expect(sameSalient(fp([1], [1, 2]), fp([1], [1, 3]))).toBe(false);
    expect(sameSalient(fp([1], [1]), fp([1], [1, 2]))).toBe(false);
    expect(sameSalient(fp([1]), fp([1]))).toBe(true);
  });

  it("verify: reasons in order empty, cosine floor, marks, salient, order, then the verifier's cut", () => {
    expect(verify(fp([1, 0], [], 0), fp([1, 0]), 0.9)).toEqual({ hit: false, similarity: 0, reason: "empty" });
    expect(verify(fp([0, 0]), fp([1, 0]), 0.9).reason).toBe("empty"); // known words without vectors
    const { sketch: _, ...noSketch } = fp([1, 0]);
    expect(verify(noSketch, fp([1, 0]), 0.5).reason).toBe("empty"); // a record from before the sketch never hits
    expect(verify(fp([1, 0], [7]), fp([0, 1], [7]), 0.5)).toEqual({ hit: false, similarity: 0, reason: "below_threshold" });
    expect(verify(fp([1, 0], [], 1, "show 10 rows"), fp([1, 0], [], 1, "show 12 rows"), 0.5).reason).toBe("marks_mismatch");
    expect(verify(fp([1, 0], [7]), fp([1, 0], [8]), 0.5)).toMatchObject({ hit: false, reason: "salient_mismatch" });
    expect(verify(fp([1, 0], [], 1, "the dog chased the cat across the yard"), fp([1, 0], [], 1, "the cat chased the dog across the yard"), 0.5).reason).toBe("order_mismatch");
    const same = verify(fp([1, 0], [7]), fp([1, 0.01], [7]), 0.5);
    expect(same).toMatchObject({ hit: true, reason: "ok" });
    expect(same.similarity).toBeGreaterThan(0.5);
    expect(same.similarity).toBeLessThan(1);
    expect(verify(fp([1, 0], [7]), fp([1, 0.01], [7]), 1)).toMatchObject({ hit: false, reason: "below_threshold" });
  });

  it("the threshold is a cut on the verifier's probability: higher is stricter", () => {
    const a = fingerprint("How do I reset my password?");
    const b = fingerprint("How can I reset my password, please?");
    const p = score(a, b).probability;
    expect(p).toBeGreaterThan(0);
    for (const t of [0, 0.5, 0.7, 0.9, 0.95, 0.99, 1]) expect(verify(a, b, t).hit).toBe(p >= t);
    expect(verify(a, b, Number.NaN).hit).toBe(false); // a broken threshold never widens the cache
  });

  it("the default cut is a probability in the range the evaluation supports", () => {
    expect(DEFAULT_THRESHOLD).toBeGreaterThanOrEqual(0.5);
    expect(DEFAULT_THRESHOLD).toBeLessThan(1);
  });
});

describe("embedding quality", () => {
  const PARAPHRASES: [string, string][] = [
    ["What is the capital of France?", "Tell me France's capital city"],
    ["What is the capital of France?", "What's the capital city of France?"],
    ["How do I reverse a list in Python?", "How can I reverse a Python list?"],
    ["What are the symptoms of the flu?", "What are common flu symptoms?"],
    ["Who wrote Pride and Prejudice?", "Who is the author of Pride and Prejudice?"],
    ["How do I delete my account permanently?", "How can I permanently delete my account?"],
    ["Give me a recipe for chocolate cake", "How do I bake a chocolate cake?"],
    ["Write a poem about the sea", "Write a short poem about the ocean"],
  ];
  const UNRELATED: [string, string][] = [
    ["What is the capital of France?", "How do I boil an egg?"],
    ["Write a poem about the sea", "Explain how TCP handshakes work"],
    ["Summarize the plot of Hamlet", "What's the weather like tomorrow in Paris?"],
    ["How do I reverse a list in Python?", "What are the health benefits of green tea?"],
    ["Recommend a good science fiction novel", "How do I fix a flat bicycle tire?"],
  ];

  it("paraphrases score high, unrelated prompts low", () => {
    const para = PARAPHRASES.map(([a, b]) => sim(a, b));
    const unrel = UNRELATED.map(([a, b]) => sim(a, b));
    for (const s of para) expect(s).toBeGreaterThan(0.7);
    for (const s of unrel) expect(s).toBeLessThan(0.4);
    expect(Math.min(...para) - Math.max(...unrel)).toBeGreaterThan(0.3);
    expect(sim("What is the capital of France?", "Tell me France's capital city")).toBeGreaterThan(0.7);
  });

  it("close paraphrases with the same words are hits", () => {
    for (const [a, b] of [
      ["How does a heat pump work?", "How do heat pumps work?"], // plural folded
      ["Explain how vaccines work.", "explain how vaccines work"], // case and punctuation
      ["Can you explain how photosynthesis works?", "Explain how photosynthesis works."], // request frame
      ["Could you tell me who wrote One Hundred Years of Solitude?", "Who wrote One Hundred Years of Solitude?"],
      ["Please translate into French: I would like to book a table for two.", "Translate into French: I would like to book a table for two."],
      ["In React, how do I pass data from a child component to its parent?", "How do I pass data from a child component to its parent in React?"], // moved phrase
    ] as const) {
      expect(verdict(a, b), `${a} | ${b}`).toMatchObject({ hit: true, reason: "ok" });
    }
  });

  it("misses (the price of precision) swapped neighbours and reworded requests", () => {
    // Two neighbouring words swapped is how PAWS builds its different pairs; a new word is how QQP's differ.
    expect(verdict("How do I reverse a list in Python?", "How can I reverse a Python list?").hit).toBe(false);
    expect(verdict("What is the capital of France?", "What's the capital city of France?").hit).toBe(false);
  });
});

describe("the guard", () => {
  const noHit = (a: string, b: string) => {
    const v = verdict(a, b);
    expect(v.hit, `${a} | ${b}: ${v.reason} ${v.similarity.toFixed(3)}`).toBe(false);
    return v;
  };

  it("rejects a different country", () => {
    noHit("What is the capital of France?", "What is the capital of Germany?");
    noHit("what is the capital of france", "what is the capital of germany"); // no capitals: the cosine alone decides
    noHit("Tell me about the history of France.", "Tell me about the history of Germany.");
  });

  it("rejects different numbers, even with identical embeddings", () => {
    const v = noHit("Revenue grew 0.39% last quarter", "Revenue grew 2.47% last quarter");
    expect(cosine(fingerprint("Revenue grew 0.39% last quarter").vector, fingerprint("Revenue grew 2.47% last quarter").vector)).toBeGreaterThan(0.99);
    expect(v.reason).toBe("marks_mismatch");
    noHit("What is 15% of 240?", "What is 15% of 420?");
    noHit("Who won the World Cup in 2018?", "Who won the World Cup in 2022?");
    noHit("I have five apples", "I have six apples");
  });

  it("rejects a negation", () => {
    for (const [a, b] of [
      ["Is this mushroom safe to eat?", "Is this mushroom not safe to eat?"],
      ["Is it safe to take ibuprofen with coffee?", "Is it not safe to take ibuprofen with coffee?"],
      ["Why does my code work in Chrome?", "Why doesn't my code work in Chrome?"],
      ["How do I make pancakes with eggs?", "How do I make pancakes without eggs?"],
      ["Should I refrigerate tomatoes?", "Should I never refrigerate tomatoes?"],
      ["My tests pass locally, why?", "My tests dont pass locally, why?"],
    ] as const) {
      expect(noHit(a, b).reason).not.toBe("ok");
    }
  });

  it("rejects the same code question in another language", () => {
    noHit("How do I reverse a list in Python?", "How do I reverse a list in Rust?");
    noHit("how do i sort a dictionary by value in python", "how do i sort a dictionary by value in rust");
    noHit("Write a function that parses JSON in Python", "Write a function that parses JSON in Rust");
  });

  it("rejects other question words, directions, operators and antonyms", () => {
    noHit("When was the Eiffel Tower built?", "Why was the Eiffel Tower built?");
    noHit("Where was Mozart born?", "When was Mozart born?");
    noHit("Convert 72 degrees Fahrenheit to Celsius", "Convert 72 degrees Celsius to Fahrenheit");
    noHit("How do I convert a PDF to a Word document?", "How do I convert a Word document to a PDF?");
    noHit("def add(a, b): return a - b", "def add(a, b): return a * b");
    noHit("filter the rows where x > 0", "filter the rows where x < 0");
    noHit("What is the largest planet?", "What is the smallest planet?");
    noHit("Is coffee good for you?", "Is coffee bad for you?");
    noHit("A woman is playing the guitar.", "A man is playing the guitar.");
    noHit("How do I enable two-factor authentication?", "How do I disable two-factor authentication?");
  });

  it("rejects PAWS-like swaps of names, roles and directions", () => {
    for (const [a, b] of [
      ["The dog chased the cat across the yard.", "The cat chased the dog across the yard."],
      ["Sheffield Wednesday defeated Stoke in the fourth round.", "Stoke defeated Sheffield Wednesday in the fourth round."],
      ["What is the best text to speech software?", "What is the best speech to text software?"],
      ["Convert this Python function to JavaScript.", "Convert this JavaScript function to Python."],
      ["Until 1958, all lawyers in Ghana were trained in England.", "Until 1958, all lawyers in England were trained in Ghana."],
      ["The problem isn't who has money.", "The problem is who doesn't have money."],
      ["The schism lasted until the late 6th century for Milan and the late 7th century for Aquileia.", "The schism lasted until the late 7th century for Milan and the late 6th century for Aquileia."],
    ] as const) {
      expect(noHit(a, b).reason, `${a} | ${b}`).toMatch(/order_mismatch|salient_mismatch|marks_mismatch/);
    }
  });

  it("rejects scope and code changes", () => {
    noHit("List all users who signed up in March.", "List only users who signed up in March.");
    noHit("Show the first 10 rows of the table.", "Show the last 10 rows of the table.");
    noHit("How do I pass an array into a function in C++?", "How do I pass an array into a function in C?");
    noHit("How do I read a CSV file with pandas?", "How do I read a CSV file with numpy?");
  });

  it("treats prompts without known words as empty", () => {
    expect(verdict("Привет, как дела?", "Привет, как дела?")).toEqual({ hit: false, similarity: 0, reason: "empty" });
    expect(verdict("", "What is the capital of France?").reason).toBe("empty");
    expect(verdict("I", "a").reason).toBe("empty");
  });
});
