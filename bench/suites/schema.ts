// Cost of the structured-outputs check (worker/metering/json-schema.ts), in
// this Node process: what the meter spends at settle on an answer to a strict
// `json_schema` request, for a tenant whose price list waives answers that do
// not follow it. Each case compiles the request's schema and validates the
// answer's content, JSON.parse included, as answer-check.ts does once per
// answer; the hostile cases show the work stays bounded (they end "unchecked"
// or "invalid" quickly).
//
// Timing as in the routing suite (bench/lib/micro.ts): batches of calls timed
// with process.hrtime.bigint; a sample is one batch's mean, so the p99 is over
// batch means. BENCH_SCHEMA_SECONDS (default 1): at most this long per case.
//
// Runs as part of `npm run bench` (BENCH_SUITES=schema alone), or
// `npx tsx bench/suites/schema.ts`.
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CompiledSchema, validateJsonText } from "../../worker/metering/json-schema";
import { readConfig } from "../lib/config";
import { runBatches, warmUp } from "../lib/micro";
import { fmt, summarize, table } from "../lib/stats";
import type { Suite, SuiteContext } from "../lib/suite";

const BATCH = 20;

const person = {
  type: "object",
  properties: {
    name: { type: "string" },
    age: { type: ["integer", "null"] },
    role: { enum: ["admin", "user", "guest"] },
    tags: { type: "array", items: { type: "string" } },
    address: { $ref: "#/$defs/address" },
  },
  required: ["name", "age", "role", "tags", "address"],
  additionalProperties: false,
  $defs: { address: { type: "object", properties: { city: { type: "string" }, zip: { type: "string" } }, required: ["city", "zip"], additionalProperties: false } },
};
const personAnswer = JSON.stringify({ name: "Ada", age: 36, role: "admin", tags: ["a", "b"], address: { city: "London", zip: "N1" } });

// A list of 1,000 records: a long extraction answer (~95 KB).
const listSchema = { type: "object", properties: { items: { type: "array", items: person } }, required: ["items"], additionalProperties: false, $defs: person.$defs };
const listAnswer = JSON.stringify({ items: Array.from({ length: 1_000 }, () => JSON.parse(personAnswer) as unknown) });

const tree = { $defs: { n: { type: "object", properties: { v: { type: "integer" }, c: { type: "array", items: { $ref: "#/$defs/n" } } }, required: ["v", "c"], additionalProperties: false } }, $ref: "#/$defs/n" };
let node: unknown = { v: 0, c: [] };
for (let i = 0; i < 20; i++) node = { v: i, c: [node] };
const treeAnswer = JSON.stringify(node);

const bigEnum = { enum: Array.from({ length: 10_000 }, (_, i) => `value-${i}`) };
let nestedAnyOf: Record<string, unknown> = { type: "integer" };
for (let i = 0; i < 30; i++) nestedAnyOf = { anyOf: [{ type: "array", items: nestedAnyOf }, { type: "array", items: nestedAnyOf }] };
const nestedValue = "[".repeat(30) + '"x"' + "]".repeat(30);

const CASES: { name: string; schema: unknown; text: string }[] = [
  { name: "object, 5 fields + $ref (valid)", schema: person, text: personAnswer },
  { name: "object, 5 fields (invalid)", schema: person, text: personAnswer.replace('"Ada"', "1") },
  { name: "1,000-record list, 95 KB (valid)", schema: listSchema, text: listAnswer },
  { name: "recursive $ref tree, 20 levels", schema: tree, text: treeAnswer },
  { name: "enum of 10,000 (hostile)", schema: bigEnum, text: '"value-9999"' },
  { name: "nested anyOf 2^30 (hostile)", schema: nestedAnyOf, text: nestedValue },
];

async function run(ctx: SuiteContext): Promise<void> {
  const seconds = Number(process.env.BENCH_SCHEMA_SECONDS ?? 1);
  const rows: string[][] = [];
  for (const c of CASES) {
    if (ctx.signal.aborted) return;
    ctx.progress(`schema: ${c.name}`);
    const verdict = validateJsonText(c.schema, c.text);
    const call = () => (validateJsonText(c.schema, c.text) === "valid" ? 1 : 0);
    const perCall = warmUp(call, BATCH, 200);
    const samples: number[] = [];
    const calls = Math.max(BATCH * 20, Math.floor((seconds * 1e6) / Math.max(perCall, 0.01)));
    runBatches(call, calls, BATCH, samples);
    const compileOnly = () => (CompiledSchema.compile(c.schema) ? 1 : 0);
    const compileSamples: number[] = [];
    runBatches(compileOnly, BATCH * 10, BATCH, compileSamples);
    const s = summarize(samples);
    rows.push([c.name, verdict, String(c.text.length), fmt(summarize(compileSamples).p50, 2), fmt(s.p50, 2), fmt(s.p99, 2), String(s.n * BATCH)]);
  }
  console.log(
    table(
      [{ title: "case", align: "left" }, { title: "verdict", align: "left" }, { title: "answer bytes" }, { title: "compile p50 µs" }, { title: "check p50 µs" }, { title: "check p99 µs" }, { title: "calls" }],
      rows,
    ),
  );
  console.log("check = compile the request's schema + JSON.parse the answer + validate (once per answer, at settle); p99 over batch means.");
}

export const schema: Suite = { id: "schema", name: "structured-outputs check", run };

// Standalone: `npx tsx bench/suites/schema.ts`.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort());
  console.log("== structured-outputs check ==");
  await run({ config: readConfig(), signal: controller.signal, defer: () => undefined, progress: (m) => process.stderr.write(`  ${m}\n`) });
}
