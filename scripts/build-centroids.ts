// `npm run build:centroids [-- --from FILE] [--eval FILE] [--out FILE] [--no-public]`
//
// Builds the class centroids of `model: "auto"` (worker/auto/centroids.json)
// from labelled prompts ({class, prompt} per line, by default
// data/prompts/classes.jsonl), with the reference fingerprint, and reports how
// well they classify: on the training prompts (as built, and leave-one-out) and
// on held-out labelled prompts (eval/auto-prompts.jsonl). A tenant builds its
// own set the same way from its own prompts. Unless --no-public, two extra
// centroids come from the tuning parts of public sets whose family is one
// class (GSM8K for math, HumanEval for coding; ../shared/data/routing): the
// hand-written prompts alone put half of GSM8K's word problems elsewhere.

import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { accuracy, confusionTable, type Prediction } from "../eval/lib/class-confusion";
import { markdownTable } from "../eval/lib/metrics";
import { parseLabelledPrompts, type LabelledPrompt } from "../eval/lib/prompts";
import { referenceFeatures } from "../eval/lib/reference-features";
import { compileCentroids, type CentroidSet, type CentroidSpec } from "../worker/auto/centroid-set";
import { classify } from "../worker/auto/classify";
import { EMBEDDING_DIMS, FEATURE_DIMS, SCALAR_FEATURES } from "../worker/auto/features";
import { publicCentroidPrompts } from "../eval/lib/auto-sets";
import { buildCentroidSpec, withExtraCentroids, type LabelledFeatures } from "./lib/centroid-builder";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

interface Options {
  public: boolean;
  from: string;
  eval: string;
  out: string;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    public: true,
    from: join(ROOT, "data", "prompts", "classes.jsonl"),
    eval: join(ROOT, "eval", "auto-prompts.jsonl"),
    out: join(ROOT, "worker", "auto", "centroids.json"),
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => argv[++i] ?? fail(`${arg} needs a value`);
    if (arg === "--no-public") o.public = false;
    else if (arg === "--from") o.from = value();
    else if (arg === "--eval") o.eval = value();
    else if (arg === "--out") o.out = value();
    else fail(`unknown argument ${arg}\nusage: npm run build:centroids -- [--from FILE] [--eval FILE] [--out FILE] [--no-public]`);
  }
  return o;
}

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

function load(file: string): LabelledPrompt[] {
  const { prompts, errors } = parseLabelledPrompts(readFileSync(file, "utf8"));
  for (const e of errors) console.error(`${file}: ${e}`);
  return prompts;
}

function predict(rows: readonly LabelledFeatures[], set: CentroidSet): Prediction[] {
  return rows.map((r) => ({ actual: r.class, predicted: classify(r.features, set).class }));
}

/** Each prompt classified by centroids built without it: training accuracy that is not flattered by memory. */
function leaveOneOut(rows: readonly LabelledFeatures[]): Prediction[] {
  return rows.map((r, i) => {
    const set = compileCentroids(buildCentroidSpec(rows.filter((_, j) => j !== i)));
    return { actual: r.class, predicted: classify(r.features, set).class };
  });
}

/**
 * How far apart the class centroids are on dimensions [from, to) (RMS distance
 * from their center), and how far prompts are from their own class centroid:
 * what one part of the vector contributes to telling classes apart, and its noise.
 */
function spread(rows: readonly LabelledFeatures[], spec: CentroidSpec, from: number, to: number): { between: number; within: number } {
  const center = spec.center ?? [];
  const centroid = new Map(spec.centroids.map((c) => [c.class, c.vector]));
  let between = 0;
  for (const c of spec.centroids) for (let d = from; d < to; d++) between += (c.vector[d]! - (center[d] ?? 0)) ** 2;
  let within = 0;
  for (const r of rows) {
    const v = centroid.get(r.class)!;
    for (let d = from; d < to; d++) within += (r.features[d]! - v[d]!) ** 2;
  }
  return { between: Math.sqrt(between / spec.centroids.length), within: Math.sqrt(within / rows.length) };
}

function main(): void {
  const o = parseArgs(process.argv.slice(2));
  const features = referenceFeatures();
  const featurize = (prompts: LabelledPrompt[]): LabelledFeatures[] => prompts.map((p) => ({ class: p.class, features: features(p.prompt) }));
  const training = featurize(load(o.from));
  const heldOut = featurize(load(o.eval));
  if (training.length === 0) fail(`${o.from}: no labelled prompts`);

  const extras = o.public ? publicCentroidPrompts() : [];
  if (extras === null) console.error("public routing data not found: no extra centroids (the shipped file has them)");
  const spec = withExtraCentroids(
    buildCentroidSpec(training),
    (extras ?? []).map((e) => ({ class: e.class, rows: e.prompts.map((p) => ({ class: e.class, features: features(p) })) })),
  );
  const set = compileCentroids(spec);
  writeFileSync(o.out, JSON.stringify(spec) + "\n");

  const name = (file: string) => relative(ROOT, file) || file;
  console.log(`# Class centroids\n`);
  console.log(`${spec.centroids.length} centroids of ${FEATURE_DIMS} features from ${training.length} prompts in ${name(o.from)}, written to ${name(o.out)}.\n`);
  const parts = [
    ["embedding (100)", spread(training, spec, 0, EMBEDDING_DIMS)],
    [`scalar terms (${SCALAR_FEATURES.length}: ${SCALAR_FEATURES.join(", ")})`, spread(training, spec, EMBEDDING_DIMS, FEATURE_DIMS)],
  ] as const;
  console.log("How much each part of the feature vector separates the classes (RMS distance of the centroids from their center) and how much it varies within a class (RMS distance of the prompts from their centroid):\n");
  console.log(markdownTable(["part", "between classes", "within a class"], parts.map(([name, s]) => [name, s.between.toFixed(3), s.within.toFixed(3)])) + "\n");
  const trained = predict(training, set);
  const rows = [
    ["training, as built", String(training.length), (100 * accuracy(trained)).toFixed(1) + "%"],
    ["training, leave-one-out", String(training.length), (100 * accuracy(leaveOneOut(training))).toFixed(1) + "%"],
  ];
  const tested = predict(heldOut, set);
  if (heldOut.length > 0) rows.push([`held out (${name(o.eval)})`, String(heldOut.length), (100 * accuracy(tested)).toFixed(1) + "%"]);
  console.log(markdownTable(["prompts", "n", "accuracy"], rows) + "\n");
  if (heldOut.length > 0) console.log(`Held-out confusion (rows: labelled class, columns: predicted):\n\n${confusionTable(tested)}`);
}

main();
