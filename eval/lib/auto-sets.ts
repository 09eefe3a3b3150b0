// The labelled prompt sets `auto` is tuned and judged on, read at evaluation
// time (never copied into the repository): the project's own 240 prompts and
// the public routing sets in ../shared/data/routing (see its README). Each
// prompt gets its split (auto-split.ts), its label in one vocabulary, the
// class it belongs to where its family names one, and an assumed answer length.
// Parsing is pure; `loadRoutingSets` reads the files.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { PromptClass } from "../../worker/vocabulary/prompt-classes";
import { OUTPUT_TOKENS } from "./auto-setup";
import { splitOf, type Split } from "./auto-split";
import { parseLabelledPrompts } from "./prompts";

/**
 * What the labels say of a prompt: `weak-ok` the small model answers it well
 * enough, `strong-needed` only the strong one does, `both-fail` neither does.
 */
export type RouteLabel = "weak-ok" | "strong-needed" | "both-fail";

export interface RoutingExample {
  set: string;
  id: string;
  prompt: string;
  split: Split;
  /** null: the set has prompts only (HumanEval, Vicuna). */
  label: RouteLabel | null;
  /** The class its own label or its task family names; null where none does (MMLU). */
  class: PromptClass | null;
  /** The answer length the cost model assumes, in tokens. */
  outputTokens: number;
}

export interface RoutingSet {
  name: string;
  /** Rows left out by the data's README (contaminated, suspect strong labels). */
  excluded: number;
  examples: RoutingExample[];
}

/** MT-Bench has judge scores, not labels: turn 1 needs the strong model when GPT-4's score beats Mixtral's by this much (12 of 80 questions). */
export const MT_BENCH_GAP = 2;

/** Task families of the public sets, as prompt classes (only where the family is plainly one class). */
const FAMILY_CLASS: Readonly<Record<string, PromptClass>> = {
  "math-word-problem": "math",
  coding: "coding",
  math: "math",
  reasoning: "math", // logic puzzles are `math` in docs/auto.md
  fermi: "math",
  extraction: "extraction",
  writing: "other",
  roleplay: "other",
  humanities: "other",
  stem: "other",
  generic: "other",
  knowledge: "other",
  "common-sense": "other",
  counterfactual: "other",
};

/** MMLU prompts end in "Answer:": a letter, perhaps with a line of reasoning. */
const MMLU_ANSWER_TOKENS = 60;

type Row = Record<string, unknown>;

function jsonLines(text: string): Row[] {
  return text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Row);
}

function familyClass(family: unknown): PromptClass | null {
  return typeof family === "string" && Object.hasOwn(FAMILY_CLASS, family) ? FAMILY_CLASS[family]! : null;
}

function example(set: string, id: string, prompt: string, label: RouteLabel | null, cls: PromptClass | null, outputTokens?: number): RoutingExample {
  return { set, id, prompt, split: splitOf(prompt), label, class: cls, outputTokens: outputTokens ?? OUTPUT_TOKENS[cls ?? "other"] };
}

/** eval/auto-prompts.jsonl: `good_enough` small is weak-ok, large is strong-needed. */
export function parseOwnSet(text: string): RoutingSet {
  const { prompts, errors } = parseLabelledPrompts(text);
  if (errors.length) throw new Error(`eval/auto-prompts.jsonl: ${errors.join("; ")}`);
  return {
    name: "own (eval/auto-prompts.jsonl)",
    excluded: 0,
    examples: prompts.map((p, i) => example("own", `own/${i + 1}`, p.prompt, p.goodEnough === "small" ? "weak-ok" : "strong-needed", p.class)),
  };
}

/** MMLU and GSM8K carry `route_label`; flagged rows are left out. */
export function parseScoredSet(set: string, text: string): RoutingSet {
  let excluded = 0;
  const examples: RoutingExample[] = [];
  for (const r of jsonLines(text)) {
    if (r.routellm_contaminated === true || r.strong_label_suspect === true) {
      excluded++;
      continue;
    }
    const label = r.route_label as RouteLabel;
    if (label !== "weak-ok" && label !== "strong-needed" && label !== "both-fail") throw new Error(`${set} ${String(r.id)}: route_label ${String(label)}`);
    const cls = familyClass(r.task_family);
    examples.push(example(set, String(r.id), String(r.prompt), label, cls, set === "mmlu" ? MMLU_ANSWER_TOKENS : undefined));
  }
  return { name: set, excluded, examples };
}

/** MT-Bench: turn 1 is the prompt routed; its label comes from the turn-1 judge scores. */
export function parseMtBench(text: string): RoutingSet {
  let excluded = 0;
  const examples: RoutingExample[] = [];
  for (const r of jsonLines(text)) {
    if (r.routellm_contaminated === true) {
      excluded++;
      continue;
    }
    const gap = Number(r.strong_score_turn1) - Number(r.weak_score_turn1);
    examples.push(example("mt-bench", String(r.id), String(r.prompt), gap >= MT_BENCH_GAP ? "strong-needed" : "weak-ok", familyClass(r.task_family)));
  }
  return { name: "mt-bench", excluded, examples };
}

/** HumanEval and Vicuna: prompts and a task family only. */
export function parseUnlabelledSet(set: string, text: string): RoutingSet {
  return { name: set, excluded: 0, examples: jsonLines(text).map((r) => example(set, String(r.id), String(r.prompt), null, familyClass(r.task_family))) };
}

export const ROUTING_DATA = new URL("../../../shared/data/routing/", import.meta.url);

/** Every set, own first; the public ones are skipped (with a note) when the shared data is not there. */
export function loadRoutingSets(ownFile: URL, dataDir: URL = ROUTING_DATA, note: (msg: string) => void = console.error): RoutingSet[] {
  const sets = [parseOwnSet(readFileSync(ownFile, "utf8"))];
  const file = (name: string) => join(dataDir.pathname, name);
  if (!existsSync(file("README.md"))) {
    note(`public routing data not found at ${dataDir.pathname}: own set only`);
    return sets;
  }
  const read = (name: string) => readFileSync(file(name), "utf8");
  sets.push(
    parseScoredSet("mmlu", read("routellm_mmlu.jsonl")),
    parseScoredSet("gsm8k", read("routellm_gsm8k.jsonl")),
    parseMtBench(read("routellm_mt_bench.jsonl")),
    parseUnlabelledSet("humaneval", read("humaneval_prompts.jsonl")),
    parseUnlabelledSet("vicuna", read("vicuna_bench_prompts.jsonl")),
  );
  return sets;
}

/**
 * Prompts the shipped centroids add as extra centroids: the tuning parts of
 * the public sets whose whole family is one class (GSM8K: math word
 * problems; HumanEval: Python functions to complete). Null without the data.
 */
export function publicCentroidPrompts(dataDir: URL = ROUTING_DATA): { class: PromptClass; prompts: string[] }[] | null {
  const file = (name: string) => join(dataDir.pathname, name);
  if (!existsSync(file("README.md"))) return null;
  const tuning = (s: RoutingSet) => s.examples.filter((e) => e.split === "tuning").map((e) => e.prompt);
  return [
    { class: "math", prompts: tuning(parseScoredSet("gsm8k", readFileSync(file("routellm_gsm8k.jsonl"), "utf8"))) },
    { class: "coding", prompts: tuning(parseUnlabelledSet("humaneval", readFileSync(file("humaneval_prompts.jsonl"), "utf8"))) },
  ];
}
