// `npm run eval:cache`: how well the semantic cache tells near-duplicate prompts
// from different ones, on every labelled set, each split into a tuning and a
// held-out part by the fixed rule in eval/lib/split.ts. The verifier was trained
// and its default cut chosen on tuning parts only (scripts/train-verifier.ts);
// the held-out rows are the figures to quote. Prints Markdown.
//
//   npm run eval:cache                          our pairs + QQP, PAWS, MRPC, STS-B from ../shared/data
//   npm run eval:cache -- --pairs FILE [...]    any JSONL of {"a","b","duplicate"[,"kind"][,"id"]} instead
//   options: --data DIR (shared data folder), --examples N (pairs listed per table, default 8)
//
// Every prompt is fingerprinted by the reference implementation (bit-identical to
// the wasm the worker runs), with its word sketch; each pair gets score() from
// worker/cache/similarity.ts, and a hit is score >= cut, exactly as verify() decides.
// Public data is read at run time, never copied into the repository.

import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadTable } from "../wasm/reference/embedding-reference";
import { bands } from "../worker/cache/lsh";
import { DEFAULT_THRESHOLD } from "../worker/cache/similarity";
import { loadPairSets, MAX_PAIRS_PER_SET, splitPairs, type PairSet } from "./lib/cache-sets";
import { labelCeiling } from "./lib/label-ceiling";
import { countBy, fmtRatio, markdownTable, scores, wilsonLower } from "./lib/metrics";
import { parsePairsJsonl } from "./lib/pairs";
import { fingerprinter, scorePairs, type ScoredPair } from "./lib/verifier-data";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** Cuts shown for held-out parts; 0.93 was the cosine default before the verifier, a value tenants may have set. */
const SWEEP = [0.5, 0.7, 0.8, 0.85, DEFAULT_THRESHOLD, 0.9, 0.93, 0.95, 0.98];
/** Duplicate kinds of eval/cache-pairs.jsonl that are paraphrases (every duplicate kind there is one; "paraphrase" and "long_paraphrase" are reworded). */
const REWORDED = new Set(["paraphrase", "long_paraphrase"]);

interface Options {
  pairs: string[];
  data: string;
  examples: number;
}

function usage(message?: string): never {
  if (message) console.error(message);
  console.error("usage: npm run eval:cache -- [--pairs FILE ...] [--data DIR] [--examples N]");
  process.exit(message ? 2 : 0);
}

function parseArgs(argv: string[]): Options {
  const o: Options = { pairs: [], data: join(ROOT, "..", "shared", "data"), examples: 8 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => argv[++i] ?? usage(`${arg} needs a value`);
    if (arg === "--pairs") o.pairs.push(value());
    else if (arg === "--data") o.data = value();
    else if (arg === "--examples") {
      o.examples = Number(value());
      if (!Number.isInteger(o.examples) || o.examples < 0) usage("--examples takes a whole number");
    } else if (arg === "--help" || arg === "-h") usage();
    else usage(`unknown argument ${arg}`);
  }
  return o;
}

function loadSets(o: Options): PairSet[] {
  if (o.pairs.length === 0) return loadPairSets(ROOT, o.data);
  return o.pairs.map((file) => {
    const { pairs, errors } = parsePairsJsonl(readFileSync(file, "utf8"));
    for (const e of errors) console.error(`${file}: ${e}`);
    return { name: file, note: `${errors.length} malformed lines skipped`, own: false, ...splitPairs(file, pairs) };
  });
}

interface Judged extends ScoredPair {
  hit: boolean;
}

const judge = (scored: ScoredPair[], cut: number): Judged[] => scored.map((s) => ({ ...s, hit: s.scored.probability >= cut }));

function row(set: string, part: string, judged: Judged[], paraphraseRecall: string): string[] {
  const s = scores(judged.map((j) => ({ duplicate: j.pair.duplicate, hit: j.hit })));
  return [set, part, String(s.n), String(s.tp + s.fn), String(s.tp + s.fp), String(s.fp), fmtRatio(s.precision), fmtRatio(wilsonLower(s.tp, s.tp + s.fp)), fmtRatio(s.recall), paraphraseRecall];
}

function recallOf(judged: Judged[], keep: (j: Judged) => boolean): string {
  const of = judged.filter((j) => j.pair.duplicate && keep(j));
  return of.length ? `${fmtRatio(of.filter((j) => j.hit).length / of.length)} (${of.length})` : "–";
}

function main(): void {
  const o = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const fp = fingerprinter(loadTable(readFileSync(join(ROOT, "wasm", "embeddings.bin"))));
  const sets = loadSets(o);
  const cut = DEFAULT_THRESHOLD;
  const scored = sets.map((set) => ({ set, tuning: scorePairs(set.tuning, fp), heldOut: scorePairs(set.heldOut, fp) }));

  console.log("# Semantic cache evaluation\n");
  console.log(
    `Shipped default: a hit when the verifier's probability is ≥ **${cut}** (\`DEFAULT_THRESHOLD\`, chosen on tuning parts only). ` +
      `Split: \`eval/lib/split.ts\` (hash of the pair id, ~50/50). Pairs whose two prompts are the same text are left out (the exact cache's case). ` +
      `Sets over ${MAX_PAIRS_PER_SET.toLocaleString("en")} pairs are sampled deterministically (same hash).\n`,
  );
  for (const { set } of scored) {
    const sample = set.sample < 1 ? `; sampled ${(set.sample * 100).toFixed(0)}%` : "";
    console.log(`- **${set.name}**: ${set.note}; ${set.identical} identical pairs left out${sample}.`);
  }
  console.log("");

  // Every set, both parts, at the default.
  console.log(`## Every set at the default cut (${cut})\n`);
  console.log("Precision is right hits / all hits; the Wilson lower bound is its 95% one-sided floor. The held-out rows are the figures to quote.\n");
  const rows: string[][] = [];
  for (const part of ["held-out", "tuning"] as const) {
    for (const { set, tuning, heldOut } of scored) {
      const j = judge(part === "tuning" ? tuning : heldOut, cut);
      rows.push(row(set.name, part, j, set.own ? recallOf(j, (x) => REWORDED.has(x.pair.kind)) : "–"));
    }
  }
  console.log(markdownTable(["set", "part", "pairs", "duplicates", "hits", "wrong hits", "precision", "Wilson 95% low", "recall", "recall, reworded paraphrases (n)"], rows) + "\n");

  // What the labels allow.
  console.log("## What the labels allow\n");
  console.log(
    "Pairs whose prompts are the same question up to case, spacing, punctuation and an article (`eval/lib/label-ceiling.ts`): " +
      "any cache with recall answers these from each other, so the share labelled duplicate caps the precision it can be credited with on them.\n",
  );
  const ceilingRows: string[][] = [];
  const labelledDifferent: string[][] = [];
  for (const { set } of scored) {
    for (const part of ["held-out", "tuning"] as const) {
      const c = labelCeiling(part === "tuning" ? set.tuning : set.heldOut);
      ceilingRows.push([set.name, part, String(c.pairs), String(c.duplicates), c.pairs ? fmtRatio(c.duplicates / c.pairs) : "–"]);
      for (const p of c.different) labelledDifferent.push([set.name, part, clip(p.a), clip(p.b)]);
    }
  }
  console.log(markdownTable(["set", "part", "nearly verbatim pairs", "labelled duplicate", "ceiling"], ceilingRows) + "\n");
  if (labelledDifferent.length) console.log("Labelled different among them:\n\n" + markdownTable(["set", "part", "a", "b"], labelledDifferent) + "\n");

  // Held-out precision and recall at other cuts.
  console.log("## Held-out parts at other cuts\n");
  console.log("Each cell: precision / recall (hits). A tenant's `threshold` is this cut.\n");
  const cuts = [...new Set(SWEEP)].sort((a, b) => a - b);
  console.log(
    markdownTable(
      ["cut", ...scored.map((s) => s.set.name)],
      cuts.map((c) => [
        `${c.toFixed(2)}${c === cut ? " *" : ""}`,
        ...scored.map(({ heldOut }) => {
          const s = scores(judge(heldOut, c).map((j) => ({ duplicate: j.pair.duplicate, hit: j.hit })));
          return `${fmtRatio(s.precision)} / ${fmtRatio(s.recall)} (${s.tp + s.fp})`;
        }),
      ]),
    ) + "\n",
  );

  // Our pairs by kind.
  const own = scored.find((s) => s.set.own);
  if (own) {
    const all = [...judge(own.tuning, cut).map((j) => ({ ...j, part: "tuning" })), ...judge(own.heldOut, cut).map((j) => ({ ...j, part: "held-out" }))];
    const kinds = [...countBy(all, (j) => j.pair.kind).keys()];
    console.log(`## Our pairs by kind at the default cut (${cut})\n`);
    console.log("For duplicate kinds a hit is right (the share is recall); for the others every hit is a wrong hit.\n");
    const kindRows = kinds.map((k) => {
      const cell = (part: string) => {
        const of = all.filter((j) => j.pair.kind === k && j.part === part);
        return `${of.filter((j) => j.hit).length} of ${of.length}`;
      };
      const dup = all.find((j) => j.pair.kind === k)!.pair.duplicate;
      return [k, dup ? "yes" : "no", cell("held-out"), cell("tuning")];
    });
    kindRows.sort((x, y) => (x[1] === y[1] ? 0 : x[1] === "yes" ? -1 : 1));
    console.log(markdownTable(["kind", "duplicate", "hits, held-out", "hits, tuning"], kindRows) + "\n");
    const reasons = countBy(
      all.filter((j) => j.pair.duplicate && !j.hit),
      (j) => (j.scored.reason === "ok" ? (j.scored.probability > 0 ? "below the cut" : "below the cosine floor") : j.scored.reason),
    );
    console.log(`Why our duplicates were missed (both parts): ${[...reasons].map(([r, n]) => `${r} ${n}`).join(", ")}.\n`);
  }

  // LSH: a hit only counts if the two prompts share a band.
  const hits = scored.flatMap(({ heldOut }) => judge(heldOut, cut).filter((j) => j.hit && j.pair.duplicate));
  const surfaced = hits.filter((j) => {
    const ba = new Set(bands(j.a.signature));
    return bands(j.b.signature).some((b) => ba.has(b));
  }).length;
  console.log(`## LSH\n\nOf the ${hits.length} right hits on held-out parts, ${surfaced} (${fmtRatio(surfaced / hits.length)}) share an LSH band, so the index finds them (the rest are misses in production).\n`);

  if (o.examples > 0) {
    console.log(`## Wrong hits on held-out parts (top ${o.examples} per set by probability)\n`);
    for (const { set, heldOut } of scored) {
      const wrong = judge(heldOut, cut)
        .filter((j) => j.hit && !j.pair.duplicate)
        .sort((x, y) => y.scored.probability - x.scored.probability)
        .slice(0, o.examples);
      console.log(`### ${set.name}\n`);
      console.log(wrong.length === 0 ? "None.\n" : markdownTable(["probability", "cosine", "a", "b"], wrong.map((j) => [fmtRatio(j.scored.probability), fmtRatio(j.scored.cosine), clip(j.pair.a), clip(j.pair.b)])) + "\n");
    }
    if (own) {
      const missed = judge(own.heldOut, cut)
        .filter((j) => j.pair.duplicate && !j.hit)
        .sort((x, y) => y.scored.probability - x.scored.probability || y.scored.cosine - x.scored.cosine)
        .slice(0, o.examples);
      console.log(`### Our duplicates missed on the held-out part (top ${o.examples})\n`);
      console.log(markdownTable(["probability", "cosine", "reason", "kind", "a", "b"], missed.map((j) => [fmtRatio(j.scored.probability), fmtRatio(j.scored.cosine), j.scored.reason, j.pair.kind, clip(j.pair.a), clip(j.pair.b)])) + "\n");
    }
  }
  console.error(`${sets.reduce((n, s) => n + s.tuning.length + s.heldOut.length, 0)} pairs judged in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

function clip(s: string, max = 100): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

main();
