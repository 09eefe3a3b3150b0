import { describe, expect, it } from "vitest";
import { MARK_CODE, MARK_NEGATION, MARK_NUMBER, MARK_PERSON, MARK_SCOPE, fnv1a, markDifferences, orderDescents, overlap, wordSketch } from "./word-sketch";

const diff = (a: string, b: string) => markDifferences(wordSketch(a).marks, wordSketch(b).marks);
const order = (a: string, b: string) => orderDescents(wordSketch(a), wordSketch(b));

describe("wordSketch", () => {
  it("keeps content words sorted and unique, with their first-occurrence rank", () => {
    const s = wordSketch("Reverse the list, then reverse the list again");
    expect(Array.from(s.words)).toEqual([...s.words].sort((x, y) => x - y));
    expect(new Set(s.words).size).toBe(s.words.length);
    const rank = (w: string) => s.order[s.words.indexOf(fnv1a(w))];
    expect(rank("reverse")).toBe(0);
    expect(rank("list")).toBe(1);
    expect(s.tokens).toBe(8);
  });

  it("drops request frames and boilerplate, so the request is what is compared", () => {
    const bare = wordSketch("Who wrote One Hundred Years of Solitude?");
    for (const framed of ["Could you tell me who wrote One Hundred Years of Solitude?", "Can you please tell me who wrote One Hundred Years of Solitude?", "I'd like to know who wrote One Hundred Years of Solitude, thanks!"]) {
      const s = wordSketch(framed);
      expect(Array.from(s.words), framed).toEqual(Array.from(bare.words));
      expect(Array.from(s.marks), framed).toEqual(Array.from(bare.marks));
    }
  });

  it("moves a leading phrase to the end of its sentence", () => {
    expect(order("In React, how do I pass data to a parent component?", "How do I pass data to a parent component in React?")).toMatchObject({ descents: 0 });
    expect(order("Summarize this review in one sentence: great hotel.", "In one sentence, summarize this review: great hotel.")).toMatchObject({ descents: 0 });
  });

  it("marks numbers, negations (counted), scope words, languages and persons", () => {
    expect(diff("Show 10 rows", "Show 12 rows")[MARK_NUMBER]).toBe(2);
    expect(diff("Show 1,000 rows", "Show 1000 rows")[MARK_NUMBER]).toBe(0);
    expect(diff("Is it safe?", "Isn't it safe?")[MARK_NEGATION]).toBe(1);
    expect(diff("Why doesn't it work?", "Why does it not work?")[MARK_NEGATION]).toBe(0); // n't and not alike
    expect(diff("It is not what I want and not what I need", "It is not what I want")[MARK_NEGATION]).toBe(1);
    expect(diff("List all users", "List only users")[MARK_SCOPE]).toBe(2);
    expect(diff("Sort a list in Python", "Sort a list in Rust")[MARK_CODE]).toBe(2);
    expect(diff("Pass an array in C++", "Pass an array in C")[MARK_CODE]).toBe(2);
    expect(diff("Pass an array in C#", "Pass an array in C")[MARK_CODE]).toBe(2);
    expect(diff("What's a bucket list?", "What's your bucket list?")[MARK_PERSON]).toBe(1);
  });

  it("records direction pairs, so a flipped direction is found with one merge", () => {
    const a = wordSketch("What is the best text to speech software?");
    const b = wordSketch("What is the best speech to text software?");
    expect(overlap(a.directedReversed, b.directed)).toBe(1);
    expect(overlap(a.directedReversed, a.directed)).toBe(0);
  });

  it("folds plurals and clitics", () => {
    expect(Array.from(wordSketch("How do heat pumps work?").words)).toEqual(Array.from(wordSketch("How does a heat pump work?").words));
    expect(Array.from(wordSketch("France's capital").words)).toEqual(Array.from(wordSketch("France capital").words));
  });

  it("survives hostile input", () => {
    for (const text of ["", "   ", "__proto__ constructor", "\u0000\r\n\t", "😀".repeat(1000), "a".repeat(100_000), "1".repeat(5000)]) {
      const s = wordSketch(text);
      expect(s.tokens).toBeGreaterThanOrEqual(0);
      expect(s.order.length).toBe(s.words.length);
    }
    expect(wordSketch("__proto__ constructor").words.length).toBe(2);
  });
});

describe("orderDescents", () => {
  it("tells a moved phrase from swapped words", () => {
    expect(order("the dog chased the cat across the yard", "the dog chased the cat across the yard")).toMatchObject({ descents: 0 });
    expect(order("the dog chased the cat across the yard", "the cat chased the dog across the yard")).toMatchObject({ descents: 2, rotation: false });
    expect(order("what is the best text speech software", "what is the best speech text software")).toMatchObject({ descents: 1, adjacentSwap: true, rotation: false });
    expect(order("pass data from child component to parent with react hooks", "with react hooks pass data from child component to parent")).toMatchObject({ descents: 1, rotation: true });
  });

  it("is 0 for nothing shared", () => {
    expect(order("alpha beta", "gamma delta")).toEqual({ descents: 0, shared: 0, adjacentSwap: false, rotation: false });
  });
});
