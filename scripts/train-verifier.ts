// Trains the semantic cache's verifier (worker/cache/verifier-weights.ts) on the
// TUNING parts of the labelled pair sets (eval/lib/split.ts): our pairs and the
// public ones under ../shared/data, read at run time. Deterministic: same data,
// same weights. Held-out parts are never read here.
//
//   npm run train:verifier                 writes worker/cache/verifier-weights.ts
//   npm run train:verifier -- --dry        prints only
//   options: --data DIR (default ../shared/data)
//   experiments (environment): VERIFIER_FLOOR (cosine floor), VERIFIER_NEG (negative weight),
//   VERIFIER_L2, VERIFIER_OWN (our set's weight), VERIFIER_FREE=1 (no sign constraints),
//   VERIFIER_SALIENT=feature (salient items not required equal), VERIFIER_REORDER=allow
//
// Steps: fingerprint every prompt (reference implementation); keep the pairs
// the checks before the weighing let through (cosine floor, no hard difference,
// equal salient items; the order check's rejects stay in as negatives' look-alikes,
// but never count as hits); fit a weighted L2 logistic regression over
// FEATURE_NAMES, each set weighing the same in total; choose the lowest cut on
// its probability at which every tuning set reaches TUNING_PRECISION.

import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadPairSets } from "../eval/lib/cache-sets";
import { fitSignConstrained, type Example } from "../eval/lib/logistic";
import { fmtRatio, markdownTable, wilsonLower } from "../eval/lib/metrics";
import { fingerprinter, probability, scorePairs, type ScoredPair } from "../eval/lib/verifier-data";
import { loadTable } from "../wasm/reference/embedding-reference";
import type { VerifierModel } from "../worker/cache/similarity";
import { FEATURE_COUNT, FEATURE_NAMES, FEATURE_SIGNS } from "../worker/cache/verifier-features";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
/** Pairs below this cosine are never hits (and are not trained on). */
const COSINE_FLOOR = Number(process.env.VERIFIER_FLOOR ?? 0.75);
const REQUIRE_SAME_SALIENT = process.env.VERIFIER_SALIENT !== "feature";
const REJECT_REORDERED = process.env.VERIFIER_REORDER !== "allow";
/** Precision every constraining tuning set must reach at the cut. */
const TUNING_PRECISION = 0.99;
/** Added to the lowest qualifying cut: room for held-out data to be a little harder. */
const CUT_MARGIN = 0.05;
/** Negatives weigh this much more than duplicates: the loss of a wrong hit is the larger. */
const NEGATIVE_WEIGHT = Number(process.env.VERIFIER_NEG ?? 2);
/** Our pairs are shaped like the gateway's traffic; the public sets are sentences and forum questions. */
const SET_WEIGHT: Record<string, number> = { own: Number(process.env.VERIFIER_OWN ?? 3) };
/**
 * Sets reported but not constraining the cut. QQP: its moderators' labels call
 * near-identical questions different often enough (printed as "label floor") that
 * no cut with a useful number of hits reaches the target on its tuning part.
 */
const REPORTED_ONLY = ["qqp"];
const L2 = Number(process.env.VERIFIER_L2 ?? 1e-2);
const OUT = join(ROOT, "worker", "cache", "verifier-weights.ts");

function main(): void {
  const argv = process.argv.slice(2);
  const dry = argv.includes("--dry");
  const di = argv.indexOf("--data");
  const dataDir = di >= 0 ? argv[di + 1]! : join(ROOT, "..", "shared", "data");
  const table = loadTable(readFileSync(join(ROOT, "wasm", "embeddings.bin")));
  const fp = fingerprinter(table);
  const sets = loadPairSets(ROOT, dataDir);
  const gate: VerifierModel = { weights: new Array(FEATURE_COUNT).fill(0), cosineFloor: COSINE_FLOOR, requireSameSalient: REQUIRE_SAME_SALIENT, rejectReordered: REJECT_REORDERED };

  const scored = new Map<string, ScoredPair[]>();
  const examples: Example[] = [];
  for (const set of sets) {
    const s = scorePairs(set.tuning, fp, gate, true);
    scored.set(set.name, s);
    // Rows: the pairs that reach the weighing, and those the order check turns away after it (they
    // are hits' nearest look-alikes: without them the regression learns that a high cosine suffices).
    const kept = s.filter((x) => x.scored.features && (x.scored.reason === "ok" || x.scored.reason === "order_mismatch"));
    const total = kept.reduce((n, x) => n + (x.pair.duplicate ? 1 : NEGATIVE_WEIGHT), 0);
    // Each set weighs SET_WEIGHT × 1,000 in total, whatever its size.
    const setWeight = SET_WEIGHT[set.name] ?? 1;
    for (const x of kept) examples.push({ features: x.scored.features!, label: x.pair.duplicate ? 1 : 0, weight: (setWeight * (x.pair.duplicate ? 1 : NEGATIVE_WEIGHT) * 1000) / total });
    const dups = set.tuning.filter((p) => p.duplicate).length;
    console.error(`${set.name}: ${set.tuning.length} tuning pairs (${dups} duplicates), ${kept.length} training rows (${kept.filter((x) => x.pair.duplicate).length} duplicates)`);
  }
  const signs = process.env.VERIFIER_FREE ? FEATURE_NAMES.map(() => 0) : FEATURE_NAMES.map((n) => FEATURE_SIGNS[n]);
  const { weights, dropped } = fitSignConstrained(examples, signs, L2);
  console.error(`held at zero (wrong sign when fitted freely): ${dropped.map((i) => FEATURE_NAMES[i]).join(", ") || "none"}`);

  // The cut: the lowest at which every set's tuning precision reaches the target.
  const probs = new Map<string, { p: number; duplicate: boolean }[]>();
  for (const [name, s] of scored) probs.set(name, s.map((x) => ({ p: x.scored.reason === "ok" && x.scored.features ? probability(weights, x.scored.features) : 0, duplicate: x.pair.duplicate })));
  const at = (name: string, cut: number) => {
    let tp = 0;
    let fp = 0;
    let dups = 0;
    for (const x of probs.get(name)!) {
      if (x.duplicate) dups++;
      if (x.p >= cut) x.duplicate ? tp++ : fp++;
    }
    return { tp, fp, dups };
  };
  // Every set constrains the cut but those in REPORTED_ONLY, whose labels cannot support the target (printed below).
  const grid = Array.from({ length: 500 }, (_, i) => (500 + i) / 1000);
  const precise = (name: string, c: number) => {
    const { tp, fp } = at(name, c);
    return tp + fp === 0 || tp / (tp + fp) >= TUNING_PRECISION;
  };
  const constraining = [...probs.keys()].filter((name) => !REPORTED_ONLY.includes(name));
  const unreachable = [...probs.keys()].filter((name) => REPORTED_ONLY.includes(name));
  let cut = grid.find((c) => constraining.every((name) => precise(name, c))) ?? 0.999;
  // With margin, rounded up to 0.01: the shipped default.
  cut = Math.min(0.99, Math.ceil((cut + CUT_MARGIN) * 100) / 100);

  console.log(`\n## Verifier weights (tuning parts only)\n`);
  console.log(markdownTable(["feature", "weight"], FEATURE_NAMES.map((n, i) => [n, weights[i]!.toFixed(4)])) + "\n");
  console.log(`Cut chosen: ${cut} (lowest with tuning precision ≥ ${TUNING_PRECISION} on ${constraining.join(", ")}, plus ${CUT_MARGIN}, rounded up to 0.01).\n`);
  for (const name of unreachable) {
    // What keeps the set out: its wrong hits at the cut, for a reader to judge (on QQP, mostly label noise).
    const wrong = scored
      .get(name)!
      .filter((x) => !x.pair.duplicate && x.scored.reason === "ok" && x.scored.features && probability(weights, x.scored.features) >= cut)
      .slice(0, 6)
      .map((x) => `"${x.pair.a}" / "${x.pair.b}"`);
    console.log(`${name} is reported, not constraining. Its tuning wrong hits at the cut include: ${wrong.join("; ") || "none"}.\n`);
  }
  const rows: string[][] = [];
  for (const c of [...new Set([0.8, 0.85, 0.88, 0.9, 0.92, 0.94, cut, 0.96, 0.98])].sort()) {
    for (const name of probs.keys()) {
      const { tp, fp, dups } = at(name, c);
      rows.push([c.toFixed(2) + (c === cut ? " *" : ""), name, String(tp + fp), fmtRatio(tp / (tp + fp)), fmtRatio(wilsonLower(tp, tp + fp)), fmtRatio(tp / dups)]);
    }
  }
  console.log(markdownTable(["cut", "set (tuning)", "hits", "precision", "Wilson 95% low", "recall"], rows) + "\n");

  // Feasibility: per set, the best recall at tuning precision >= 0.99 with a cut of its own.
  const feas: string[][] = [];
  for (const name of probs.keys()) {
    let best = { c: NaN, tp: 0, fp: 0, rec: 0 };
    for (let c = 500; c <= 999; c++) {
      const { tp, fp, dups } = at(name, c / 1000);
      if (tp + fp > 0 && tp / (tp + fp) >= 0.99 && tp / dups > best.rec) best = { c: c / 1000, tp, fp, rec: tp / dups };
    }
    feas.push([name, String(best.c), String(best.tp), String(best.fp), fmtRatio(best.rec)]);
  }
  console.log(markdownTable(["set", "own cut for ≥ 0.99", "right hits", "wrong hits", "recall"], feas) + "\n");
  if (dry) return;
  const body = `// Generated by scripts/train-verifier.ts (npm run train:verifier): do not edit.
// Logistic regression over FEATURE_NAMES (./verifier-features.ts), trained on the
// tuning parts (eval/lib/split.ts) of eval/cache-pairs.jsonl, QQP, PAWS-Wiki, MRPC
// and STS-B; provenance in wasm/EMBEDDINGS.md, "The verifier".

export const VERIFIER = {
  features: ${JSON.stringify(FEATURE_NAMES)},
  weights: [${Array.from(weights, (w) => Number(w.toFixed(6))).join(", ")}],
  cosineFloor: ${COSINE_FLOOR},
  requireSameSalient: ${REQUIRE_SAME_SALIENT},
  rejectReordered: ${REJECT_REORDERED},
  /** The lowest cut with tuning precision >= ${TUNING_PRECISION} on ${constraining.join(", ")} (plus ${CUT_MARGIN}, rounded up to 0.01)${unreachable.length ? `; ${unreachable.join(", ")} reported only` : ""}. */
  defaultCut: ${cut},
} as const;
`;
  writeFileSync(OUT, body);
  console.error(`wrote ${OUT}`);
}

main();
