// How well the shadow comparison (worker/cache/shadow-compare.ts) tells
// texts that say the same thing from texts that do not, on public labelled
// sentence pairs read at evaluation time from ../shared/data. These are
// sentence pairs, not pairs of LLM answers (no labelled answer pairs were at
// hand): a proxy for the two answers of a near-duplicate hit. A `disagree`
// on a same-meaning pair counts a right hit as wrong (the cut tightens more
// than it needs to); an `agree` on a different pair hides a wrong hit;
// `unsure` is no verdict. Tuning parts (the cut ANSWER_APART was chosen on
// them): MRPC train, STS-B train. Held out: MRPC test, STS-B dev, PAWS
// (adversarial word-order pairs, which a bag of words cannot see).
//
//   npx tsx eval/shadow-compare-eval.ts
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { fingerprintReference, loadTable } from "../wasm/reference/embedding-reference";
import { compareAnswers } from "../worker/cache/shadow-compare";
import { parseStsb, type LabelledPair } from "./lib/pairs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const DATA = resolve(ROOT, "..", "shared", "data");
const table = loadTable(readFileSync(join(ROOT, "wasm", "embeddings.bin")));
const embed = (text: string) => fingerprintReference(text, table);

/** The shared JSONL pairs of one split (`split` as the file says: train, test, dev). */
function jsonl(file: string, keep: (split: string) => boolean): LabelledPair[] {
  const path = join(DATA, "paraphrase", file);
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as { a: string; b: string; duplicate: boolean; split: string })
    .filter((r) => keep(r.split))
    .map((r) => ({ a: r.a, b: r.b, duplicate: r.duplicate, kind: "" }));
}

function stsb(file: string): LabelledPair[] {
  const path = join(DATA, "stsb", file);
  return existsSync(path) ? parseStsb(readFileSync(path, "utf8")).pairs : [];
}

const sets: { name: string; part: string; pairs: LabelledPair[] }[] = [
  { name: "MRPC train", part: "tuning", pairs: jsonl("mrpc.jsonl", (s) => s === "train") },
  { name: "STS-B train", part: "tuning", pairs: stsb("sts-train.csv") },
  { name: "MRPC test", part: "held out", pairs: jsonl("mrpc.jsonl", (s) => s !== "train") },
  { name: "STS-B dev", part: "held out", pairs: stsb("sts-dev.csv") },
  { name: "PAWS", part: "held out", pairs: jsonl("paws.jsonl", () => true) },
];

const pct = (k: number, n: number) => (n === 0 ? "–" : `${((100 * k) / n).toFixed(1)}%`);
console.log("| set | part | same-meaning pairs | agree | unsure | disagree (false alarm) | different pairs | agree (missed) | unsure | disagree |");
console.log("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
for (const { name, part, pairs } of sets) {
  if (pairs.length === 0) continue;
  const same = { n: 0, agree: 0, unsure: 0, disagree: 0 };
  const diff = { n: 0, agree: 0, unsure: 0, disagree: 0 };
  for (const p of pairs) {
    const c = p.duplicate ? same : diff;
    c.n++;
    c[compareAnswers(p.a, p.b, embed).outcome]++;
  }
  console.log(
    `| ${name} | ${part} | ${same.n} | ${pct(same.agree, same.n)} | ${pct(same.unsure, same.n)} | ${pct(same.disagree, same.n)} | ${diff.n} | ${pct(diff.agree, diff.n)} | ${pct(diff.unsure, diff.n)} | ${pct(diff.disagree, diff.n)} |`,
  );
}
