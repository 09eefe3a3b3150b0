// The scenario file `npm run simulate` reads (SIM_SCENARIO=path.json): the
// origins, the client load and the events of one run, validated strictly so
// that a typo is an error naming the field, not a silently different run.
// docs/simulation.md documents every field (written by sim/doc.ts).
import { readFileSync } from "node:fs";
import * as z from "zod";
import { REGIONS } from "../worker/vocabulary/regions";

/** Lower-case ids; never `__proto__` (underscores are not allowed), and plain-object names are refused below. */
const ID = /^[a-z][a-z0-9-]{0,39}$/;
const RESERVED = new Set(["constructor", "prototype", "hasownproperty", "tostring", "valueof"]);
const id = z
  .string()
  .regex(ID, "use 1-40 of a-z 0-9 - starting with a letter")
  .refine((s) => !RESERVED.has(s), "a reserved name");

const num = (min: number, max: number) => z.number().min(min).max(max);
const int = (min: number, max: number) => z.int().min(min).max(max);
const share = num(0, 1);
/** Minutes from the start, or a share of the run's duration ("25%"), so events scale with SIM_MINUTES. */
const time = z.union([num(0, 24 * 60), z.string().regex(/^(100|[1-9]?[0-9])(\.[0-9]+)?%$/, 'a number of minutes or a percentage such as "25%"')]);
const MAX_TOKENS = 131_072;

const tokens = z.discriminatedUnion("dist", [
  z.strictObject({ dist: z.literal("uniform"), min: int(1, MAX_TOKENS), max: int(1, MAX_TOKENS) }),
  z.strictObject({ dist: z.literal("logUniform"), min: int(1, MAX_TOKENS), max: int(1, MAX_TOKENS) }),
  z.strictObject({ dist: z.literal("fixed"), value: int(1, MAX_TOKENS) }),
]);
const checkedTokens = tokens.refine((d) => d.dist === "fixed" || d.min <= d.max, "min must not exceed max");

const origin = z.strictObject({
  id,
  city: z.string().min(1).max(80),
  lat: num(-90, 90),
  lon: num(-180, 180),
  region: z.enum(REGIONS),
  profile: z.enum(["llama-8b", "llama-1.5b"]),
  speed: num(0.01, 100),
  maxBatch: int(1, 4096),
  kvBlocks: int(16, 10_000_000),
  price: z.strictObject({ inputPerM: num(0, 1000), outputPerM: num(0, 1000) }),
  metrics: z.enum(["vllm", "sglang", "llamacpp", "none"]),
});

const target = { origin: id };
const event = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("slowdown"), at: time, ...target, factor: num(0.01, 1000) }),
  z.strictObject({ kind: z.literal("blackhole"), at: time, ...target, refuseAfterMinutes: z.optional(num(0, 24 * 60)) }),
  z.strictObject({ kind: z.literal("refuse"), at: time, ...target }),
  z.strictObject({ kind: z.literal("recover"), at: time, ...target }),
  z.strictObject({
    kind: z.literal("surge"),
    at: time,
    pops: z.optional(z.array(id).min(1).max(200)),
    regions: z.optional(z.array(z.enum(REGIONS)).min(1)),
    factor: num(0, 100),
    forMinutes: num(0.1, 24 * 60),
  }),
]);

const dailyCurve = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("flat") }),
  z.strictObject({ kind: z.literal("cosine"), min: num(0, 1), peakHour: num(0, 24) }),
  z.strictObject({ kind: z.literal("hourly"), values: z.array(num(0, 1)).length(24) }),
]);

const load = z.strictObject({
  ratePerWeight: num(0.001, 100),
  /** Weights of named PoPs instead of world.ts's (relative traffic at the local peak). */
  popWeights: z.optional(z.array(z.strictObject({ pop: id, weight: num(0, 1000) })).max(1000)),
  dailyCurve,
  streamShare: share,
  cappedShare: share,
  /** max_tokens = true output x a uniform draw in [min, max], rounded up. */
  capOverOutput: z.strictObject({ min: num(1, 100), max: num(1, 100) }).refine((c) => c.min <= c.max, "min must not exceed max"),
  promptTokens: checkedTokens,
  outputTokens: checkedTokens,
  prefixes: z.optional(
    z.strictObject({
      count: int(1, 100_000),
      tokens: checkedTokens,
      zipf: num(0, 5),
      share,
    }),
  ),
  sessions: z.optional(
    z
      .strictObject({
        share,
        turns: z.strictObject({ min: int(2, 1000), max: int(2, 1000) }),
        thinkSeconds: z.strictObject({ min: num(0, 3600), max: num(0, 3600) }),
        messageTokens: checkedTokens,
      })
      .refine((s) => s.turns.min <= s.turns.max && s.thinkSeconds.min <= s.thinkSeconds.max, "min must not exceed max"),
  ),
});

export const scenarioFileSchema = z.strictObject({
  name: id,
  description: z.string().max(2000),
  seed: int(0, 2 ** 31),
  durationMinutes: num(4, 24 * 60),
  warmupMinutes: num(0, 60),
  startUtcHour: num(0, 24),
  origins: z.array(origin).min(1).max(256),
  load,
  events: z.array(event).max(1000),
  /** Report phases (name, start); by default one phase per distinct event time. */
  phases: z.optional(z.array(z.strictObject({ name: z.string().min(1).max(80), at: time })).min(1).max(50)),
});

export type ScenarioFile = z.infer<typeof scenarioFileSchema>;
export type OriginEntry = ScenarioFile["origins"][number];
export type EventEntry = ScenarioFile["events"][number];
export type TokenDist = z.infer<typeof tokens>;
export type DailyCurve = z.infer<typeof dailyCurve>;
export type LoadEntry = ScenarioFile["load"];

export class ScenarioError extends Error {
  override name = "ScenarioError";
}

/**
 * Validates a parsed scenario: shape and bounds (zod), then what the schema
 * cannot say (unique ids, events naming known origins, PoP names). Throws a
 * ScenarioError listing every problem as `field.path: message`.
 */
export function parseScenario(input: unknown, source: string, knownPops: ReadonlySet<string>): ScenarioFile {
  const hostile = hostileKey(input, "");
  if (hostile !== null) throw new ScenarioError(`${source} is not a valid scenario:\n  ${hostile}: a key no scenario uses (it would reach an object's prototype)`);
  const result = scenarioFileSchema.safeParse(input);
  if (!result.success) {
    const lines = result.error.issues.slice(0, 20).map((i) => `  ${i.path.length ? i.path.map(String).join(".") : "(top level)"}: ${i.message}`);
    throw new ScenarioError(`${source} is not a valid scenario:\n${lines.join("\n")}`);
  }
  const s = result.data;
  const problems: string[] = [];
  const ids = new Set<string>();
  s.origins.forEach((o, i) => {
    if (ids.has(o.id)) problems.push(`origins.${i}.id: duplicate origin '${o.id}'`);
    ids.add(o.id);
  });
  s.events.forEach((e, i) => {
    if (e.kind === "surge") {
      if (!e.pops && !e.regions) problems.push(`events.${i}: a surge needs pops or regions`);
      for (const p of e.pops ?? []) if (!knownPops.has(p)) problems.push(`events.${i}.pops: unknown PoP '${p}'`);
    } else if (!ids.has(e.origin)) problems.push(`events.${i}.origin: unknown origin '${e.origin}'`);
  });
  s.load.popWeights?.forEach((w, i) => {
    if (!knownPops.has(w.pop)) problems.push(`load.popWeights.${i}.pop: unknown PoP '${w.pop}'`);
  });
  if (problems.length) throw new ScenarioError(`${source} is not a valid scenario:\n${problems.map((p) => `  ${p}`).join("\n")}`);
  return s;
}

/** The path of the first `__proto__`, `constructor` or `prototype` key anywhere in parsed JSON (zod drops some silently). */
function hostileKey(value: unknown, path: string, depth = 0): string | null {
  if (depth > 20 || value === null || typeof value !== "object") return null;
  for (const key of Object.keys(value)) {
    const here = path ? `${path}.${key}` : key;
    if (key === "__proto__" || key === "constructor" || key === "prototype") return here;
    const found = hostileKey((value as Record<string, unknown>)[key], here, depth + 1);
    if (found !== null) return found;
  }
  return null;
}

/** Reads and validates a scenario file; a missing file or bad JSON is a ScenarioError too. */
export function readScenarioFile(path: string, knownPops: ReadonlySet<string>): ScenarioFile {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ScenarioError(`cannot read scenario ${path}: ${(err as Error).message}`);
  }
  if (text.length > 1_000_000) throw new ScenarioError(`${path}: a scenario file is at most 1 MB`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ScenarioError(`${path} is not JSON: ${(err as Error).message}`);
  }
  return parseScenario(json, path, knownPops);
}

/** Milliseconds of a `time` field in a run of `durationMs`; percentages round to whole minutes as the shipped scenario always did. */
export function timeMs(t: number | string, durationMs: number): number {
  const minute = 60_000;
  if (typeof t === "number") return Math.round(t * minute);
  return Math.round((durationMs * Number(t.slice(0, -1))) / 100 / minute) * minute;
}
