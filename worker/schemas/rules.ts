// A tenant's routing rules: the document admins PUT to
// /admin/v1/tenants/:id/rules. Every field is optional; an empty document
// means "route every model by the default objective (first token for streams,
// last token otherwise) with the operator's defaults".
// Strict objects: a typo in a rule is an error, not a silently ignored field.
import * as z from "zod/mini";
import { PROMPT_CLASSES } from "../vocabulary/prompt-classes";
import { hasOwn } from "../own";
import { REGIONS } from "../vocabulary/regions";
import { cacheSettings, idSchema } from "./admin";

const modelName = z.string().check(z.minLength(1), z.maxLength(256));
const headerName = z.string().check(z.regex(/^[A-Za-z0-9-]{1,64}$/, "not a valid header name"));
const weight = z.number().check(z.minimum(0), z.maximum(1_000_000));

/** Where an alias may send a request: a model, optionally only on some origins. */
export const ruleTarget = z.strictObject({
  /** A model name the origins serve (not another alias). */
  model: modelName,
  /** Only these origins… */
  origins: z.optional(z.array(idSchema).check(z.minLength(1), z.maxLength(64))),
  /** …or only the origins of this pool (see `pools`). */
  pool: z.optional(idSchema),
  /** Share of traffic for the `weighted` strategy. */
  weight: z.optional(weight),
});

export const ruleAlias = z.strictObject({
  /** `ordered`: the first target, failing over down the list. `weighted`: one target by weight, the others as fallbacks. */
  strategy: z._default(z.enum(["ordered", "weighted"]), "ordered"),
  targets: z.array(ruleTarget).check(z.minLength(1), z.maxLength(16)),
});

export const rulePolicy = z.strictObject({
  /**
   * What the tenant's requests optimize by default (docs/routing.md): `auto`
   * (the default: `ttft` when streamed, `throughput` otherwise), `ttft`,
   * `throughput`, `latency` (the original objective), `cost`, `balanced`, `pinned`.
   */
  kind: z.enum(["auto", "ttft", "throughput", "latency", "cost", "balanced", "pinned"]),
  /** The tokens/s floor: slower origins go after those that keep it (default 10 under `ttft`; 0: none). */
  min_tokens_per_s: z.optional(z.number().check(z.minimum(0), z.maximum(1_000_000))),
  /** Prefix affinity (docs/routing.md): on unless set to false, for tenants whose prompts share nothing worth caching. */
  affinity: z.optional(z.boolean()),
  /** `balanced` only: 1 is pure latency, 0 pure cost. */
  latency_weight: z.optional(z.number().check(z.minimum(0), z.maximum(1))),
  /** `pinned` only: origin ids in order of preference. */
  pin: z.optional(z.array(idSchema).check(z.minLength(1), z.maxLength(64))),
});

export const ruleConstraints = z.strictObject({
  /** Data residency: only origins in these regions. Requests may narrow this, never widen it. */
  regions: z.optional(z.array(z.enum(REGIONS)).check(z.minLength(1))),
  /** USD per 1M tokens, blended over the request's expected input and output. */
  max_price_per_m: z.optional(z.number().check(z.minimum(0))),
  /** Expected time to first token. */
  max_ttft_ms: z.optional(z.number().check(z.minimum(1))),
});

export const ruleRetries = z.strictObject({
  /** Origins tried per request, hedges included. */
  max_attempts: z.optional(z.int().check(z.minimum(1), z.maximum(10))),
  /** Time to the first byte of a stream before trying the next origin. */
  ttft_timeout_ms: z.optional(z.int().check(z.minimum(100), z.maximum(600_000))),
  /** Time for a whole non-streamed answer before trying the next origin. */
  attempt_timeout_ms: z.optional(z.int().check(z.minimum(100), z.maximum(600_000))),
  /** Extra requests hedging may add, as a share of the tenant's requests (0 turns hedging off). */
  hedge_budget: z.optional(z.number().check(z.minimum(0), z.maximum(0.5))),
});

const matchValue = { equals: z.optional(z.string().check(z.maxLength(256))), in: z.optional(z.array(z.string().check(z.maxLength(256))).check(z.minLength(1), z.maxLength(64))) };

/** All given parts must match. A part with neither `equals` nor `in` matches when the value is present. */
export const ruleCondition = z.strictObject({
  /** The model (or alias) the request named. */
  model: z.optional(modelName),
  header: z.optional(z.strictObject({ name: headerName, ...matchValue })),
  /** A key of the request body's `metadata` object. */
  metadata: z.optional(z.strictObject({ key: z.string().check(z.minLength(1), z.maxLength(64)), ...matchValue })),
});

export const ruleRoute = z.strictObject({
  /** Shown in `x-meridian-route` when the route applies. */
  name: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  when: ruleCondition,
  /** Route to this model or alias… */
  use: z.optional(modelName),
  /** …or split between several by weight (an A/B test). */
  split: z.optional(z.array(z.strictObject({ use: modelName, weight })).check(z.minLength(1), z.maxLength(16))),
  /**
   * What keeps a caller on one side of a split: the value of this `metadata`
   * key (e.g. a user id), else the request's `user` field, else the API key.
   */
  sticky_by: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  /** A policy for the requests this route matches. */
  policy: z.optional(rulePolicy),
});

const share = z.number().check(z.minimum(0), z.maximum(1));

/** One model `auto` may choose, with what the tenant believes of its quality before any feedback. */
export const ruleAutoModel = z.strictObject({
  /** A model the origins serve (not an alias). */
  model: modelName,
  /** Seeded P(good enough): one number for every class, or per class (missing classes: 0.7). */
  quality: z.optional(z.union([share, z.partialRecord(z.enum(PROMPT_CLASSES), share)])),
});

/** A model name (e.g. `auto`) that picks, per request, the cheapest model good enough for the prompt. */
export const ruleAuto = z.strictObject({
  models: z.array(ruleAutoModel).check(z.minLength(1), z.maxLength(16)),
  /** The expected quality a model needs for a prompt's class (a request may raise it). */
  floor: z._default(share, 0.85),
  /** Latency SLO: models expected to be slower to the first token from this region are skipped. */
  max_ttft_ms: z.optional(z.number().check(z.minimum(1))),
  /** How many ratings the seeded quality is worth: higher trusts the seed longer. */
  prior_strength: z._default(z.number().check(z.minimum(1), z.maximum(1000)), 10),
  /** false: seeds per class only, without the per-prompt difficulty model (docs/auto.md). */
  difficulty: z.optional(z.boolean()),
  /** Retry a poor non-streamed answer (refusal, truncation, low log-probability) on the best fallback; default on, no log-probability cut. */
  escalate: z.optional(z.strictObject({ on: z.boolean(), min_mean_logprob: z.optional(z.number().check(z.minimum(-100), z.maximum(0))) })),
  /** The tenant's own class centroids (`npm run build:centroids -- --from mine.jsonl`), instead of the shipped ones. */
  centroids: z.optional(
    z.strictObject({
      feature_version: z.int(),
      center: z.optional(z.array(z.number()).check(z.maxLength(1024))),
      centroids: z.array(z.strictObject({ class: z.enum(PROMPT_CLASSES), vector: z.array(z.number()).check(z.maxLength(1024)) })).check(z.minLength(1), z.maxLength(64)),
    }),
  ),
});

const shape = z.strictObject({
  /** Named sets of origin ids, for alias targets. */
  pools: z.optional(z.record(idSchema, z.array(idSchema).check(z.minLength(1), z.maxLength(256)))),
  /** Model names the tenant calls (e.g. `fast`) and where they go. */
  aliases: z.optional(z.record(modelName, ruleAlias)),
  policy: z.optional(rulePolicy),
  constraints: z.optional(ruleConstraints),
  retries: z.optional(ruleRetries),
  cache: z.optional(cacheSettings),
  /** Evaluated in order; the first whose `when` matches applies. */
  routes: z.optional(z.array(ruleRoute).check(z.maxLength(64))),
  /** Auto models: names that choose a model per prompt (e.g. `auto`). */
  auto: z.optional(z.record(modelName, ruleAuto)),
});

/** Centroids as a rules document carries them (`auto.<name>.centroids`). */
export type RuleCentroids = NonNullable<z.infer<typeof ruleAuto>["centroids"]>;

/**
 * The rules document, with the checks that span fields. Whether a tenant's
 * centroids compile is asked of `compileCentroids` (it throws an Error saying
 * what is wrong): that needs the feature space of `auto`, a layer above the
 * schemas, so rules/document.ts passes it in.
 */
export const rulesDocumentWith = (compileCentroids: (spec: RuleCentroids) => unknown) =>
  shape.check(
    z.superRefine((doc, ctx) => {
      const pools = doc.pools ?? {};
      const aliases = doc.aliases ?? {};
      const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: "custom", path, message, input: doc });
      const checkPolicy = (p: z.infer<typeof rulePolicy> | undefined, path: PropertyKey[]) => {
        if (p?.kind === "pinned" && !p.pin) issue([...path, "pin"], "the pinned policy needs `pin`: origin ids in order");
      };
      checkPolicy(doc.policy, ["policy"]);
      for (const [name, alias] of Object.entries(aliases)) {
        alias.targets.forEach((t, i) => {
          const at = ["aliases", name, "targets", i];
          if (hasOwn(aliases, t.model)) issue([...at, "model"], `'${t.model}' is an alias; targets name served models`);
          if (t.pool !== undefined && !hasOwn(pools, t.pool)) issue([...at, "pool"], `no pool '${t.pool}' in \`pools\``);
          if (t.pool !== undefined && t.origins) issue([...at], "give `origins` or `pool`, not both");
          if (alias.strategy === "weighted" && t.weight === undefined) issue([...at, "weight"], "the weighted strategy needs a weight on every target");
        });
        if (alias.strategy === "weighted" && alias.targets.every((t) => !t.weight)) issue(["aliases", name, "targets"], "weights must not all be zero");
      }
      for (const [name, spec] of Object.entries(doc.auto ?? {})) {
        if (hasOwn(aliases, name)) issue(["auto", name], `'${name}' is also an alias`);
        if (spec.centroids) {
          try {
            compileCentroids(spec.centroids);
          } catch (err) {
            issue(["auto", name, "centroids"], err instanceof Error ? err.message : String(err));
          }
        }
        spec.models.forEach((m, i) => {
          if (hasOwn(aliases, m.model) || hasOwn(doc.auto, m.model)) issue(["auto", name, "models", i, "model"], `'${m.model}' is an alias; auto chooses among served models`);
        });
      }
      (doc.routes ?? []).forEach((r, i) => {
        if ((r.use === undefined) === (r.split === undefined) && !r.policy) issue(["routes", i], "a route needs `use` or `split` (or only a `policy`)");
        if (r.use !== undefined && r.split !== undefined) issue(["routes", i], "give `use` or `split`, not both");
        if (r.split && r.split.every((s) => s.weight === 0)) issue(["routes", i, "split"], "weights must not all be zero");
        checkPolicy(r.policy, ["routes", i, "policy"]);
      });
    }),
  );

export type RulesDocument = z.infer<typeof shape>;
export type RuleTarget = z.infer<typeof ruleTarget>;
export type RulePolicy = z.infer<typeof rulePolicy>;
export type RuleRoute = z.infer<typeof ruleRoute>;
export type RuleAuto = z.infer<typeof ruleAuto>;

/** What the Tenant object publishes and isolates cache: one immutable version. */
export interface RulesVersion {
  version: number;
  rules: RulesDocument;
  created_at: number;
  /** Admin token label that wrote it. */
  author: string;
  /** Set when this version restored an earlier one. */
  rolled_back_to?: number;
  note?: string;
}

export const rulesRollback = z.strictObject({
  version: z.int().check(z.minimum(0)),
  note: z.optional(z.string().check(z.maxLength(500))),
});
