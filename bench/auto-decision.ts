// `npx tsx bench/auto-decision.ts [calls]`: the per-call cost of `auto`'s
// decision over the 240 varied prompts of eval/auto-prompts.jsonl, each call
// timed alone with hrtime (not in batches), so that one pre-emption by another
// process spoils one sample instead of a batch of twenty. Two cases: the
// decision after the fingerprint (features, class, difficulty shift, two
// posteriors, Thompson choice) and the wasm fingerprint plus the decision.
// Prints p50, p99 and p99.9 in µs; the budget is 50 µs at p99.

import { readFileSync } from "node:fs";
import { posterior } from "../worker/auto/bandit";
import { DEFAULT_CENTROIDS } from "../worker/auto/centroids";
import { chooseModel } from "../worker/auto/choose-model";
import { classify } from "../worker/auto/classify";
import { difficultyShift, shiftedQuality } from "../worker/auto/difficulty";
import { DEFAULT_DIFFICULTY } from "../worker/auto/difficulty-model";
import { promptFeatures } from "../worker/auto/features";
import type { ModelOption, RequestShape } from "../worker/auto/types";
import { mulberry32 } from "../harness/random";
import { importEmbedder } from "./suites/embedding";

const CALLS = Number(process.argv[2] ?? 200_000);
const SHAPE: RequestShape = { depth: 1, maxTokens: null, tools: false };
const SEEDS = [0.75, 0.92];

async function main(): Promise<void> {
  const { fingerprint, fingerprintPass } = await importEmbedder();
  const prompts = readFileSync(new URL("../eval/auto-prompts.jsonl", import.meta.url), "utf8")
    .trim()
    .split("\n")
    .map((l) => (JSON.parse(l) as { prompt: string }).prompt);
  const fps = prompts.map((p) => fingerprint(p));
  const random = mulberry32(11);
  const options: ModelOption[] = [
    { model: "small", pricePerM: 0.05, ttftMs: null, alpha: 1, beta: 1 },
    { model: "large", pricePerM: 0.45, ttftMs: null, alpha: 1, beta: 1 },
  ];
  const decide = (fp: (typeof fps)[number]) => {
    const x = promptFeatures(fp, SHAPE);
    const cls = classify(x, DEFAULT_CENTROIDS);
    const shift = difficultyShift(x, cls.class, DEFAULT_DIFFICULTY);
    for (let i = 0; i < 2; i++) {
      const p = posterior(shiftedQuality(SEEDS[i]!, shift), 10, 0, 0);
      options[i]!.alpha = p.alpha;
      options[i]!.beta = p.beta;
    }
    return chooseModel(options, 0.85, null, null, random).quality;
  };
  const cases: Record<string, (i: number) => number> = {
    "decision after the fingerprint": (i) => decide(fps[i % fps.length]!),
    "wasm fingerprint + decision": (i) => decide(fingerprintPass(prompts[i % prompts.length]!)),
  };
  let sink = 0;
  console.log(`| case | calls | p50 µs | p99 µs | p99.9 µs |\n| --- | ---: | ---: | ---: | ---: |`);
  for (const [name, call] of Object.entries(cases)) {
    for (let i = 0; i < 20_000; i++) sink += call(i); // warm-up
    const t = new Float64Array(CALLS);
    for (let i = 0; i < CALLS; i++) {
      const start = process.hrtime.bigint();
      sink += call(i);
      t[i] = Number(process.hrtime.bigint() - start) / 1000;
    }
    t.sort();
    const q = (p: number) => t[Math.min(CALLS - 1, Math.floor(p * CALLS))]!.toFixed(2);
    console.log(`| ${name} | ${CALLS} | ${q(0.5)} | ${q(0.99)} | ${q(0.999)} |`);
  }
  if (Number.isNaN(sink)) console.log("");
}

void main();
