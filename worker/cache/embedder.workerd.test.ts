// The wasm fingerprint (what the worker runs) against the TypeScript reference,
// inside workerd: identical signatures, salient sets, counts and markers, vectors
// within 1e-5 (in practice bit for bit), on a few hundred varied prompts.

import { describe, expect, it } from "vitest";
import tableBytes from "../../wasm/embeddings.bin";
import { fingerprint, MAX_INPUT_BYTES, resetEmbedder } from "./embedder";
import { fingerprintBytes, fingerprintReference, loadTable, type SalientKind } from "../../wasm/reference/embedding-reference";
import type { MarkedFingerprint } from "./fingerprint";

const table = loadTable(tableBytes);

/** A deterministic generator (mulberry32) for the prompt corpus. */
function rng(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ENGLISH = [
  "What is the capital of France?",
  "Tell me France's capital city",
  "How do I reverse a list in Python?",
  "Explain quantum entanglement to a ten-year-old.",
  "I don't think it's safe; isn't it dangerous? We'll see, you're right, I'm sure he'd agree.",
  "Write a haiku about the sea at night.",
  "Summarize the following article in three bullet points:\n- first point\n- second point",
  "Is this mushroom NOT safe to eat?",
  "HOW DO I BOIL AN EGG",
  "what's the weather like in New York tomorrow morning",
  "Compare AWS, GCP and Azure for a startup with 3 engineers.",
  "O'Neill's rock'n'roll band played at the Smiths' house.",
  "Convert 72 degrees Fahrenheit to Celsius, then Celsius to Kelvin.",
  "Translate 'good morning' into Spanish, French and German.",
  "The app crashes every time I open the camera tab on Android 14.",
  "Why can’t I log in? It says “invalid password” — but I’m sure it’s right…",
  "e.g. Mr. Smith vs. Dr. Jones: who's the better candidate?",
];

const CODE = [
  "def add(a, b):\n    return a - b  # why is this wrong?",
  "for (let i = 0; i <= arr.length; i++) console.log(arr[i]);",
  "SELECT COUNT(*) FROM orders WHERE status = 'paid' AND total > 100.50;",
  "fn main() { let v: Vec<i32> = vec![1, 2, 3]; println!(\"{:?}\", v); }",
  "const x = a ?? b || c && d ^ e; // precedence?",
  "git push origin main --force-with-lease && npm run build:wasm",
  "<div class=\"card\">{{ user.name }}</div>\n<style>.card { margin: 0 auto; }</style>",
  "ModuleNotFoundError: No module named 'requests' at /usr/lib/python3.11/site-packages",
  "x_1 = np.linalg.solve(A, b) \\ # backslash continuation",
];

const NUMBERS = [
  "Revenue grew 0.39% last quarter",
  "Revenue grew 2.47% last quarter",
  "What is 15% of 1,240.50?",
  "Divide -12 by 4, then add 3.5e10",
  "Call me at +1 (555) 010-0199 on 2024-03-15 at 10:30",
  "Version 1.2.3 vs 1.2.4; 100k users; 3rd place; x86_64; 4K; 5G",
  "The year 1999, the '90s, 1990s and 1,000,000 dollars",
  "Pi is 3.14159, e is 2.71828, 10/3 = 3.333…",
];

const OTHER = [
  "",
  " ",
  "\n\n\t",
  "?!.,;:-()[]{}",
  "a",
  "I",
  "Привет, как дела? Расскажи о погоде в Москве.",
  "你好世界，今天天气怎么样？",
  "مرحبا بالعالم",
  "こんにちは、元気ですか？",
  "Ünïcödé naïve café résumé Straße",
  "🍕🍔 pizza or burger? 😀👍🏽 🇫🇷",
  "mixed Latin and Кириллица and 中文 in one line",
  "\u00a0non\u00a0breaking\u2003spaces\u2028and\u2029separators",
  "lone surrogate \ud800 here and \udfff there",
  "zero\u200bwidth\u200cjoiners\u200d",
  "ｆｕｌｌｗｉｄｔｈ ＡＳＣＩＩ！",
  "\u0000control\u0001chars\u007f",
  "don’t can’t won’t isn’t",
  "'quoted' ‘single’ \"double\" “curly”",
  "1.5.",
  "-5 - -5 --5 3-5 a-5",
  "5%% 5%5% %5",
  "it's it’s its' 's '",
];

/** Marker edge cases: rules at the ends of the input, keywords beside clitics, numbers and n't. */
const MARKERS = [
  "\n    indented\n\tTabbed\n   three\n    ",
  "_leading trailing_ snake_case x_1 __dunder__ _",
  "+1 = 2- 3 *4 x^2 (a)/(3) 2 / x a - b 5 -5 =",
  "a => b == c != d -> e :: f </g> h && i || j() k[] l++ m += n -= o /* p */ :",
  "getElementById TypeError iPhone McDonald's JavaScript HTML camelCase3",
  "TL;DR: the key points, in short; how many? how much... sum up, boil down",
  "Python's json isn't a list; how 5 many; key 2 points; key points",
  "3 × 4 ÷ 2 = 6, x² + y³, ½ ¼ ¾, π ≈ 3.14, ∑ ∫ √ ≤ ≥ ≠ − \u22ff \u2300",
  "Summarize: SQL vs NoSQL — convert the CSV to JSON and solve for x.",
  "```python\ndef f(x):\n    return x * 2\n```",
];

function corpus(): string[] {
  const out = [...ENGLISH, ...CODE, ...NUMBERS, ...OTHER, ...MARKERS];
  const random = rng(42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const words = [...ENGLISH, ...CODE, ...NUMBERS, ...OTHER, ...MARKERS].join(" ").split(/\s+/).filter(Boolean);
  // Random word salads, case and punctuation changes, concatenations.
  for (let i = 0; i < 200; i++) {
    const n = 1 + Math.floor(random() * 60);
    const parts: string[] = [];
    for (let k = 0; k < n; k++) {
      let w = pick(words);
      const r = random();
      if (r < 0.1) w = w.toUpperCase();
      else if (r < 0.2) w = w[0]!.toUpperCase() + w.slice(1);
      parts.push(w);
      parts.push(pick([" ", " ", " ", ", ", ". ", "\n", "? ", " - ", "'", "’", "", "%", " > ", "0.5"]));
    }
    out.push(parts.join(""));
  }
  for (let i = 0; i < 60; i++) out.push(`${pick(ENGLISH)} ${pick(CODE)} ${pick(NUMBERS)} ${pick(OTHER)}`);
  // Random bytes of every UTF-16 range, as strings.
  for (let i = 0; i < 40; i++) {
    let s = "";
    const n = Math.floor(random() * 200);
    for (let k = 0; k < n; k++) {
      const r = random();
      const cp = r < 0.5 ? 32 + Math.floor(random() * 95) : r < 0.8 ? 0x80 + Math.floor(random() * 0x780) : r < 0.95 ? Math.floor(random() * 0xffff) : 0x10000 + Math.floor(random() * 0xfffff);
      s += String.fromCodePoint(cp);
    }
    out.push(s);
  }
  // Long prompts, around and over the 1 MiB cap.
  const para = ENGLISH.join(" ");
  out.push(para.repeat(30)); // ~10 KB
  out.push(para.repeat(2000)); // ~740 KB
  out.push("word ".repeat(300_000)); // 1.5 MB of ASCII
  out.push("é".repeat(MAX_INPUT_BYTES / 2 + 7)); // 2-byte characters straddling the cap
  out.push("x".repeat(MAX_INPUT_BYTES - 1) + "€€"); // a 3-byte character that does not fit
  out.push("Python ".repeat(200_000)); // one salient word, many times
  out.push(Array.from({ length: 120_000 }, (_, i) => `v${i}`).join(" ")); // ~130k distinct numbers-ish tokens
  return out;
}

function expectSame(wasm: MarkedFingerprint, ref: MarkedFingerprint, text: string): void {
  const label = JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}… (${text.length} chars)` : text);
  expect(wasm.tokens, label).toBe(ref.tokens);
  expect(wasm.known, label).toBe(ref.known);
  expect(wasm.markers, label).toEqual(ref.markers);
  expect(wasm.signature, label).toEqual(ref.signature);
  expect(Array.from(wasm.salient), label).toEqual(Array.from(ref.salient));
  let maxDiff = 0;
  for (let i = 0; i < 100; i++) maxDiff = Math.max(maxDiff, Math.abs(wasm.vector[i]! - ref.vector[i]!));
  expect(maxDiff, label).toBeLessThanOrEqual(1e-5);
}

describe("wasm fingerprint == TypeScript reference", () => {
  const prompts = corpus();

  it(`agrees on ${prompts.length} varied prompts`, () => {
    expect(prompts.length).toBeGreaterThan(300);
    for (const text of prompts) expectSame(fingerprint(text), fingerprintReference(text, table), text);
  });

  it("carries the same word sketch, made on first use", () => {
    for (const text of prompts.slice(0, 100)) {
      const f = fingerprint(text);
      expect(Object.keys(f)).toContain("sketch");
      expect(f.sketch, text).toEqual(fingerprintReference(text, table).sketch);
      expect(f.sketch).toBe(f.sketch); // computed once
    }
  });

  it("returns well-formed fingerprints", () => {
    for (const text of prompts) {
      const f = fingerprint(text);
      expect(f.vector).toBeInstanceOf(Float32Array);
      expect(f.vector.length).toBe(100);
      expect(f.salient).toBeInstanceOf(Uint32Array);
      for (let i = 1; i < f.salient.length; i++) expect(f.salient[i]!).toBeGreaterThan(f.salient[i - 1]!);
      for (const half of f.signature) expect(Number.isInteger(half) && half >= 0 && half <= 0xffffffff).toBe(true);
      expect(f.known).toBeLessThanOrEqual(f.tokens);
      let norm = 0;
      for (const x of f.vector) norm += x * x;
      // Zero when no known word carries a vector (none, or only "a" / "I", which have none).
      if (f.known === 0 || norm === 0) {
        expect(norm).toBe(0);
        expect(f.signature).toEqual([0, 0]);
      } else expect(Math.abs(Math.sqrt(norm) - 1)).toBeLessThan(1e-5);
    }
  });
});

describe("the embedder instance", () => {
  it("is deterministic across calls, buffer growth and a fresh instance", () => {
    const texts = ["What is the capital of France?", CODE[0]!, NUMBERS[2]!, OTHER[7]!];
    const first = texts.map((t) => fingerprint(t));
    fingerprint("Python ".repeat(150_000)); // grows the input and salient buffers
    fingerprint(ENGLISH.join(" ").repeat(3000)); // over the cap
    const again = texts.map((t) => fingerprint(t));
    resetEmbedder();
    const fresh = texts.map((t) => fingerprint(t));
    for (let i = 0; i < texts.length; i++) {
      expect(again[i]).toEqual(first[i]);
      expect(fresh[i]).toEqual(first[i]);
    }
  });

  it("returns copies that later calls do not overwrite", () => {
    const a = fingerprint("Revenue grew 0.39% last quarter");
    const snapshot = { vector: a.vector.slice(), salient: a.salient.slice() };
    fingerprint("Something else entirely, with other numbers: 42, 7.5%");
    expect(a.vector).toEqual(snapshot.vector);
    expect(a.salient).toEqual(snapshot.salient);
  });

  it("fingerprints only the first MiB of UTF-8", () => {
    const head = "The quick brown fox jumps over the lazy dog. ".repeat(Math.ceil(MAX_INPUT_BYTES / 45));
    const a = fingerprint(head);
    const b = fingerprint(head + " Completely different tail about Quantum Chromodynamics in 2031.");
    expect(b).toEqual(a);
    expect(a.tokens).toBeLessThanOrEqual(MAX_INPUT_BYTES / 2);
  });

  it("counts tokens and known words", () => {
    const f = fingerprint("What is the capital of France?");
    expect(f.tokens).toBe(6);
    expect(f.known).toBe(6);
    const g = fingerprint("Привет 你好 zxqvbnm");
    expect(g.tokens).toBe(3);
    expect(g.known).toBe(0);
    expect(g.salient.length).toBe(3); // unknown words are salient
  });
});

describe("tokeniser and salient items (reference trace)", () => {
  const items = (text: string): string[] => {
    const out: string[] = [];
    fingerprintBytes(new TextEncoder().encode(text), table, (kind: SalientKind, s: string) => out.push(`${kind}:${s}`));
    return out;
  };

  it("keeps numbers whole: decimals, thousands, percent, sign", () => {
    expect(items("grew 0.39% then -5 and 1,240.50")).toEqual(["number:0.39%", "number:-5", "number:1,240.50"]);
    expect(items("from 5 to 10")).toEqual(["number:5", "number:10", "order:10"]); // "to" orders them
    expect(items("items 1, 2, 3.")).toEqual(["number:1", "number:2", "number:3"]);
  });

  it("treats capitalised words after the first of a sentence as entities, not SHOUTED text or I", () => {
    expect(items("Tell me about France. Germany is next")).toEqual(["entity:France"]);
    expect(items("What is the GDP of Brazil?")).toEqual(["entity:GDP", "entity:Brazil"]);
    expect(items("HOW DO I BOIL AN EGG")).toEqual(["flagged:HOW", "rare:BOIL", "rare:EGG"]);
    expect(items("Can I go?")).toEqual([]);
  });

  it("strips clitics, counts negations (n't, not, never, without, dont)", () => {
    expect(items("France's capital")).toEqual([]);
    expect(items("it isn't, it’s not, I dont, never without")).toEqual(["negation:isn't", "negation:not", "negation:dont", "negation:never", "negation:without"]);
  });

  it("marks rare and unknown words, symbols and directed pairs", () => {
    expect(items("zxqvbnm kubernetes")).toEqual(["oov:zxqvbnm", "oov:kubernetes"]);
    expect(items("if x > 0")).toEqual(["oov:x", "symbol:>", "number:0"]);
    expect(items("Convert Celsius to Fahrenheit")).toEqual(["rare:Convert", "flagged:Celsius", "flagged:Fahrenheit", "order:Fahrenheit"]);
    expect(items("convert a PDF to a Word file")).toEqual(["rare:convert", "oov:PDF", "entity:Word", "order:Word"]);
  });
});
