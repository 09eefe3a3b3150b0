// `npm run eval:cache`: how well the semantic cache tells near-duplicate
// prompts from different ones, on labelled pairs. Prints Markdown tables.
//
//   npm run eval:cache                         our gateway pairs, then STS-B if ../shared/data/stsb exists
//   npm run eval:cache -- --pairs FILE [...]   any JSONL of {"a","b","duplicate"[,"kind"]} instead
//   options: --stsb DIR (STS-B folder), --examples N (false positives listed per set, default 8)
//
// Every prompt is fingerprinted with the reference (pure TypeScript)
// embedding over wasm/embeddings.bin; each pair gets `verify()`'s verdict at
// each threshold. "Cosine alone" counts a hit whenever the similarity reaches
// the threshold, whatever the guard says; "cosine + guard" is the verdict the
// cache acts on. STS-B (CC BY-SA) is read from the shared folder at run time
// and never copied into the repository.

import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { fingerprintReference, loadTable } from "../wasm/reference/embedding-reference";
import { bands } from "../worker/cache/lsh";
import { DEFAULT_THRESHOLD, verify, type Verdict } from "../worker/cache/similarity";
import {
  countBy,
  fmtRatio,
  markdownTable,
  recommend,
  scores,
  thresholdGrid,
  wilsonLower,
  type Outcome,
  type ThresholdScores,
} from "./lib/metrics";
import { parsePairsJsonl, parseStsb, STSB_DIFFERENT_MAX, STSB_DUPLICATE_MIN, type LabelledPair } from "./lib/pairs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SWEEP = [0.8, 0.85, 0.88, 0.9, 0.92, 0.94, 0.96];
const MIN_PRECISION = 0.99;

interface Options {
  pairs: string[];
  stsb: string;
  examples: number;
}

function usage(message?: string): never {
  if (message) console.error(message);
  console.error("usage: npm run eval:cache -- [--pairs FILE ...] [--stsb DIR] [--examples N]");
  process.exit(message ? 2 : 0);
}

function parseArgs(argv: string[]): Options {
  const o: Options = { pairs: [], stsb: join(ROOT, "..", "shared", "data", "stsb"), examples: 8 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => argv[++i] ?? usage(`${arg} needs a value`);
    if (arg === "--pairs") o.pairs.push(value());
    else if (arg === "--stsb") o.stsb = value();
    else if (arg === "--examples") {
      o.examples = Number(value());
      if (!Number.isInteger(o.examples) || o.examples < 0) usage("--examples takes a whole number");
    } else if (arg === "--help" || arg === "-h") usage();
    else usage(`unknown argument ${arg}`);
  }
  return o;
}

interface DataSet {
  name: string;
  /** How the pairs were labelled, shown under the heading. */
  note: string;
  pairs: LabelledPair[];
}

function loadSets(o: Options): DataSet[] {
  if (o.pairs.length > 0) {
    return o.pairs.map((file) => {
      const { pairs, errors } = parsePairsJsonl(readFileSync(file, "utf8"));
      for (const e of errors) console.error(`${file}: ${e}`);
      return { name: file, note: `${errors.length} malformed lines skipped`, pairs };
    });
  }
  const sets: DataSet[] = [];
  const ours = parsePairsJsonl(readFileSync(join(ROOT, "eval", "cache-pairs.jsonl"), "utf8"));
  for (const e of ours.errors) console.error(`eval/cache-pairs.jsonl: ${e}`);
  sets.push({ name: "gateway pairs (eval/cache-pairs.jsonl)", note: "hand-written prompts as apps send them through the gateway", pairs: ours.pairs });
  for (const file of ["sts-dev.csv", "sts-train.csv"]) {
    const path = join(o.stsb, file);
    if (!existsSync(path)) {
      console.error(`${path}: not found, skipped`);
      continue;
    }
    const { pairs, errors, ambiguous } = parseStsb(readFileSync(path, "utf8"));
    sets.push({
      name: `STS-B ${file}`,
      note: `gold ≥ ${STSB_DUPLICATE_MIN} duplicate, ≤ ${STSB_DIFFERENT_MAX} different; ${ambiguous} pairs in between left out, ${errors.length} malformed lines skipped`,
      pairs,
    });
  }
  return sets;
}

type Fingerprint = ReturnType<typeof fingerprintReference>;

interface Judged {
  pair: LabelledPair;
  /** Cosine similarity of the two fingerprints. */
  similarity: number;
  /** Verdicts of `verify()`, one per threshold in `thresholds`. */
  verdicts: Verdict[];
  /** Whether the two LSH band sets share at least one band. */
  sharedBand: boolean;
}

function main(): void {
  const o = parseArgs(process.argv.slice(2));
  const table = loadTable(readFileSync(join(ROOT, "wasm", "embeddings.bin")));
  const sets = loadSets(o);

  const fingerprints = new Map<string, Fingerprint>();
  const fingerprint = (text: string): Fingerprint => {
    let f = fingerprints.get(text);
    if (!f) fingerprints.set(text, (f = fingerprintReference(text, table)));
    return f;
  };
  const bandsOf = new Map<Fingerprint, Set<string>>();
  const bandSet = (f: Fingerprint): Set<string> => {
    let s = bandsOf.get(f);
    if (!s) bandsOf.set(f, (s = new Set(bands(f.signature))));
    return s;
  };

  // The sweep, the default, and a fine grid for the recommendation.
  const thresholds = [...new Set([...SWEEP, DEFAULT_THRESHOLD, ...thresholdGrid(0.5, 0.99, 0.01)])].sort((x, y) => x - y);
  const defaultIndex = thresholds.indexOf(DEFAULT_THRESHOLD);

  console.log("# Semantic cache evaluation\n");
  console.log(`Default threshold: ${DEFAULT_THRESHOLD} (marked *). Precision target for the recommendation: ≥ ${MIN_PRECISION}.\n`);

  for (const set of sets) {
    const started = performance.now();
    const judged: Judged[] = set.pairs.map((pair) => {
      const fa = fingerprint(pair.a);
      const fb = fingerprint(pair.b);
      const verdicts = thresholds.map((t) => verify(fa, fb, t));
      const ba = bandSet(fa);
      let sharedBand = false;
      for (const band of bandSet(fb)) if (ba.has(band)) sharedBand = true;
      return { pair, similarity: verdicts[0]?.similarity ?? NaN, verdicts, sharedBand };
    });
    const ms = performance.now() - started;
    report(set, judged, thresholds, defaultIndex, o.examples);
    console.error(`${set.name}: ${set.pairs.length} pairs judged in ${(ms / 1000).toFixed(1)} s`);
  }
}

function report(set: DataSet, judged: Judged[], thresholds: number[], defaultIndex: number, examples: number): void {
  const dups = judged.filter((j) => j.pair.duplicate);
  const negatives = judged.filter((j) => !j.pair.duplicate);
  console.log(`## ${set.name}\n`);
  console.log(`${judged.length} pairs: ${dups.length} duplicates, ${negatives.length} different. ${set.note}.\n`);

  const withGuard = (i: number): Outcome[] => judged.map((j) => ({ duplicate: j.pair.duplicate, hit: j.verdicts[i]!.hit }));
  const cosineAlone = (i: number): Outcome[] =>
    judged.map((j) => ({ duplicate: j.pair.duplicate, hit: j.verdicts[i]!.reason !== "empty" && j.similarity >= thresholds[i]! }));
  const label = (i: number) => `${thresholds[i]!.toFixed(2)}${i === defaultIndex ? " *" : ""}`;
  const shown = thresholds.map((t, i) => i).filter((i) => SWEEP.includes(thresholds[i]!) || i === defaultIndex);

  const sweepTable = (outcomes: (i: number) => Outcome[]) =>
    markdownTable(
      ["threshold", "precision", "recall", "hit rate", "false positives", "missed duplicates"],
      shown.map((i) => {
        const s = scores(outcomes(i));
        return [label(i), fmtRatio(s.precision), fmtRatio(s.recall), fmtRatio(s.hitRate), String(s.fp), String(s.fn)];
      }),
    );
  console.log("### Cosine + guard (what the cache does)\n");
  console.log(sweepTable(withGuard) + "\n");
  console.log("### Cosine alone\n");
  console.log(sweepTable(cosineAlone) + "\n");

  // The guard's effect at the default threshold.
  const alone = scores(cosineAlone(defaultIndex));
  const guarded = scores(withGuard(defaultIndex));
  console.log(`### The guard's effect at the default threshold (${DEFAULT_THRESHOLD})\n`);
  console.log(
    markdownTable(
      ["", "precision", "recall", "hit rate", "false positives", "missed duplicates"],
      [
        ["cosine alone", fmtRatio(alone.precision), fmtRatio(alone.recall), fmtRatio(alone.hitRate), String(alone.fp), String(alone.fn)],
        ["cosine + guard", fmtRatio(guarded.precision), fmtRatio(guarded.recall), fmtRatio(guarded.hitRate), String(guarded.fp), String(guarded.fn)],
      ],
    ) + "\n",
  );
  console.log(`The guard turned away ${alone.fp - guarded.fp} of ${alone.fp} wrong hits and ${alone.tp - guarded.tp} of ${alone.tp} right ones.\n`);

  // Per kind, where the data has kinds.
  const kinds = [...countBy(judged, (j) => j.pair.kind).keys()].filter((k) => k !== "");
  if (kinds.length > 1) {
    const negKinds = [...countBy(negatives, (j) => j.pair.kind).keys()];
    const fpTable = (hit: (j: Judged, i: number) => boolean) =>
      markdownTable(
        ["threshold", ...negKinds, "all"],
        shown.map((i) => {
          const fps = negatives.filter((j) => hit(j, i));
          const by = countBy(fps, (j) => j.pair.kind);
          return [label(i), ...negKinds.map((k) => String(by.get(k) ?? 0)), String(fps.length)];
        }),
      );
    const cosHit = (j: Judged, i: number) => j.verdicts[i]!.reason !== "empty" && j.similarity >= thresholds[i]!;
    console.log("### False positives by kind, cosine + guard\n");
    console.log(fpTable((j, i) => j.verdicts[i]!.hit) + "\n");
    console.log("### False positives by kind, cosine alone\n");
    console.log(fpTable(cosHit) + "\n");

    console.log(`### Every kind at the default threshold (${DEFAULT_THRESHOLD})\n`);
    console.log("For duplicates a hit is right (the share is recall); for the others every hit is a false positive.\n");
    const rows = kinds.map((k) => {
      const of = judged.filter((j) => j.pair.kind === k);
      const dup = of.every((j) => j.pair.duplicate) ? "yes" : of.every((j) => !j.pair.duplicate) ? "no" : "mixed";
      const cos = of.filter((j) => cosHit(j, defaultIndex)).length;
      const hit = of.filter((j) => j.verdicts[defaultIndex]!.hit).length;
      const sims = of.map((j) => j.similarity).sort((x, y) => x - y);
      const median = sims.length ? sims[Math.floor((sims.length - 1) / 2)]! : NaN;
      return [k, dup, String(of.length), fmtRatio(median), `${cos} (${fmtRatio(cos / of.length, 2)})`, `${hit} (${fmtRatio(hit / of.length, 2)})`];
    });
    rows.sort((x, y) => (x[1] === y[1] ? 0 : x[1] === "yes" ? -1 : 1));
    console.log(markdownTable(["kind", "duplicate", "pairs", "median cosine", "hits, cosine alone", "hits, cosine + guard"], rows) + "\n");
  }

  // LSH: a duplicate whose bands never meet is never even compared.
  const surfaced = dups.filter((j) => j.sharedBand).length;
  const hitsAtDefault = dups.filter((j) => j.verdicts[defaultIndex]!.hit);
  const hitsSurfaced = hitsAtDefault.filter((j) => j.sharedBand).length;
  const negSurfaced = negatives.filter((j) => j.sharedBand).length;
  console.log("### LSH recall\n");
  console.log(
    markdownTable(
      ["", "pairs", "sharing a band", "share"],
      [
        ["true duplicates", String(dups.length), String(surfaced), fmtRatio(surfaced / dups.length)],
        [`duplicates that are hits at ${DEFAULT_THRESHOLD}`, String(hitsAtDefault.length), String(hitsSurfaced), fmtRatio(hitsSurfaced / hitsAtDefault.length)],
        ["different pairs (candidates only; the verdict decides)", String(negatives.length), String(negSurfaced), fmtRatio(negSurfaced / negatives.length)],
      ],
    ) + "\n",
  );
  console.log(`End-to-end recall at the default threshold (band shared and verdict a hit): ${fmtRatio(hitsSurfaced / dups.length)}.\n`);

  // Recommendation over the fine grid.
  const grid: ThresholdScores[] = thresholds.map((threshold, i) => ({ threshold, scores: scores(withGuard(i)) }));
  const best = recommend(grid, MIN_PRECISION);
  console.log("### Recommendation\n");
  if (best) {
    const s = best.scores;
    console.log(
      `Over thresholds 0.50–0.99 in steps of 0.01 (cosine + guard), the best recall with precision ≥ ${MIN_PRECISION} is at **${best.threshold.toFixed(2)}**: ` +
        `precision ${fmtRatio(s.precision)} (${s.tp} right hits, ${s.fp} wrong; 95% lower bound ${fmtRatio(wilsonLower(s.tp, s.tp + s.fp))}), recall ${fmtRatio(s.recall)}.\n`,
    );
  } else {
    const top = grid.filter((g) => Number.isFinite(g.scores.precision)).sort((x, y) => y.scores.precision - x.scores.precision || y.scores.recall - x.scores.recall)[0];
    console.log(
      `No threshold in 0.50–0.99 reaches precision ≥ ${MIN_PRECISION}` +
        (top ? `; the highest is ${fmtRatio(top.scores.precision)} at ${top.threshold.toFixed(2)} (recall ${fmtRatio(top.scores.recall)}).` : ".") +
        "\n",
    );
    // Wrong hits that pass the guard at the top of the grid cannot be removed by any threshold.
    const topIndex = thresholds.length - 1;
    const stuck = judged.filter((j) => !j.pair.duplicate && j.verdicts[topIndex]!.hit);
    if (stuck.length > 0) {
      const rest = judged.filter((j) => !stuck.includes(j));
      const restGrid = thresholds.map((threshold, i) => ({
        threshold,
        scores: scores(rest.map((j) => ({ duplicate: j.pair.duplicate, hit: j.verdicts[i]!.hit }))),
      }));
      const restBest = recommend(restGrid, MIN_PRECISION);
      console.log(
        `${stuck.length} different pair(s) pass the guard even at ${thresholds[topIndex]!.toFixed(2)}: only the guard can turn them away. ` +
          (restBest
            ? `Leaving them aside, the best recall with precision ≥ ${MIN_PRECISION} would be at **${restBest.threshold.toFixed(2)}** (precision ${fmtRatio(restBest.scores.precision)}, recall ${fmtRatio(restBest.scores.recall)}).`
            : `Even leaving them aside, no threshold reaches precision ≥ ${MIN_PRECISION}.`) +
          "\n",
      );
    }
  }
  const near = grid.filter((g) => g.scores.fp === 0 && g.scores.tp > 0);
  if (near.length > 0) {
    const lowest = near[0]!;
    console.log(`Lowest threshold with no false positive at all: ${lowest.threshold.toFixed(2)} (recall ${fmtRatio(lowest.scores.recall)}).\n`);
  }

  // The most convincing wrong pairs.
  if (examples > 0) {
    const fooled = negatives
      .filter((j) => j.verdicts[defaultIndex]!.reason !== "empty" && j.similarity >= thresholds[defaultIndex]!)
      .sort((x, y) => y.similarity - x.similarity)
      .slice(0, examples);
    console.log(`### Different pairs that reach the default threshold on cosine (top ${examples} by similarity)\n`);
    if (fooled.length === 0) console.log("None.\n");
    else
      console.log(
        markdownTable(
          ["cosine", "kind", "verdict", "a", "b"],
          fooled.map((j) => [fmtRatio(j.similarity), j.pair.kind || "–", j.verdicts[defaultIndex]!.hit ? "**hit**" : j.verdicts[defaultIndex]!.reason, clip(j.pair.a), clip(j.pair.b)]),
        ) + "\n",
      );
    const wrong = negatives
      .filter((j) => j.verdicts[defaultIndex]!.hit)
      .sort((x, y) => y.similarity - x.similarity)
      .slice(0, examples);
    console.log(`### Wrong hits: different pairs that pass cosine + guard at the default threshold (top ${examples} by similarity)\n`);
    if (wrong.length === 0) console.log("None.\n");
    else
      console.log(
        markdownTable(
          ["cosine", "kind", "a", "b"],
          wrong.map((j) => [fmtRatio(j.similarity), j.pair.kind || "–", clip(j.pair.a), clip(j.pair.b)]),
        ) + "\n",
      );
    const missed = dups
      .filter((j) => !j.verdicts[defaultIndex]!.hit)
      .sort((x, y) => y.similarity - x.similarity)
      .slice(0, examples);
    console.log(`### Duplicates missed at the default threshold (top ${examples} by similarity)\n`);
    if (missed.length === 0) console.log("None.\n");
    else
      console.log(
        markdownTable(
          ["cosine", "kind", "verdict", "a", "b"],
          missed.map((j) => [fmtRatio(j.similarity), j.pair.kind || "–", j.verdicts[defaultIndex]!.reason, clip(j.pair.a), clip(j.pair.b)]),
        ) + "\n",
      );
  }
}

function clip(s: string, max = 110): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

main();
