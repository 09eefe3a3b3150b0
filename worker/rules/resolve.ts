// Applies a tenant's rules to one request: which route matches, which model
// (or alias) it leads to, and which models and origins to try in what order.
// Pure: no bindings, so it is unit-tested and benchmarked directly.
import { own } from "../own";
import type { RuleAuto, RulePolicy, RuleRoute, RulesDocument, RuleTarget } from "../schemas/rules";

/** A model to try, optionally only on some origins. */
export interface ResolvedTarget {
  model: string;
  origins: ReadonlySet<string> | null;
}

export interface Resolution {
  /** In order: the first is preferred, the rest are fallbacks (empty when `auto` must choose). */
  targets: ResolvedTarget[];
  /** The auto model that chooses the targets per prompt, if the request leads to one. */
  auto: string | null;
  /** That auto model's settings. */
  autoSpec: RuleAuto | null;
  /** The route's policy, else the rules' policy, else none (operator default). */
  policy: RulePolicy | undefined;
  /** Why, for `x-meridian-route`: e.g. `route ab-test -> alias fast -> llama-8b`. */
  trail: string[];
  /**
   * Whether the tenant's rules chose the model name (an alias, an auto model,
   * a route's `use` or `split`): such names pass the tenant's model list. A
   * route that only sets a policy chooses nothing; the client's name stands.
   */
  byRule: boolean;
}

export interface RequestFacts {
  model: string;
  headers: Headers;
  /** The body's `metadata` object, if any. */
  metadata: unknown;
  /** The body's `user` field, if any. */
  user: unknown;
  keyId: string;
}

export function resolve(rules: RulesDocument, req: RequestFacts, random: () => number = Math.random): Resolution {
  const trail: string[] = [];
  let model = req.model;
  let policy = rules.policy;
  let byRule = false;

  const route = (rules.routes ?? []).find((r) => matches(r, req));
  if (route) {
    const name = route.name ?? `#${rules.routes!.indexOf(route)}`;
    if (route.policy) policy = route.policy;
    if (route.use !== undefined) model = route.use;
    else if (route.split) model = pickWeighted(route.split, (s) => s.weight, stickyDraw(route, req) ?? random()).use;
    byRule = route.use !== undefined || route.split !== undefined;
    trail.push(`route ${name}`);
  }

  // Model names come from clients: only the rules' own entries count, never `constructor` or `__proto__`.
  const autoSpec = own(rules.auto, model);
  if (autoSpec) return { targets: [], auto: model, autoSpec, policy, trail, byRule: true };
  const alias = own(rules.aliases, model);
  if (!alias) {
    if (route) trail.push(model);
    return { targets: [{ model, origins: null }], auto: null, autoSpec: null, policy, trail, byRule };
  }
  const ordered = alias.strategy === "weighted" ? weightedOrder(alias.targets, random()) : alias.targets;
  const targets = ordered.map((t) => ({ model: t.model, origins: originsOf(t, rules.pools) }));
  trail.push(`alias ${model}`, targets[0]!.model);
  return { targets, auto: null, autoSpec: null, policy, trail, byRule: true };
}

function matches(route: RuleRoute, req: RequestFacts): boolean {
  const w = route.when;
  if (w.model !== undefined && w.model !== req.model) return false;
  if (w.header && !valueMatches(req.headers.get(w.header.name), w.header)) return false;
  if (w.metadata && !valueMatches(metadataValue(req.metadata, w.metadata.key), w.metadata)) return false;
  return true;
}

function valueMatches(value: string | null, m: { equals?: string | undefined; in?: string[] | undefined }): boolean {
  if (value === null) return false;
  if (m.equals !== undefined) return value === m.equals;
  if (m.in !== undefined) return m.in.includes(value);
  return true;
}

function metadataValue(metadata: unknown, key: string): string | null {
  if (typeof metadata !== "object" || metadata === null) return null;
  const v = own(metadata as Record<string, unknown>, key);
  return typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? String(v) : null;
}

/** A caller's fixed point in [0, 1) for a split, so the same user stays on the same side. */
function stickyDraw(route: RuleRoute, req: RequestFacts): number | null {
  const byMetadata = route.sticky_by ? metadataValue(req.metadata, route.sticky_by) : null;
  const user = typeof req.user === "string" && req.user ? req.user : null;
  const who = byMetadata ?? user ?? req.keyId;
  return unitHash(`${route.name ?? ""}\u0000${who}`);
}

/**
 * FNV-1a over the string, then a final avalanche (FNV alone spreads
 * near-identical ids such as `user-41`, `user-42` poorly), mapped to [0, 1).
 */
export function unitHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 0x1_0000_0000;
}

function pickWeighted<T>(items: readonly T[], weightOf: (t: T) => number, draw: number): T {
  const total = items.reduce((sum, t) => sum + weightOf(t), 0);
  let x = draw * total;
  for (const item of items) {
    x -= weightOf(item);
    if (x < 0) return item;
  }
  return items[items.length - 1]!;
}

/** One target by weight first, then the others in their listed order as fallbacks. */
function weightedOrder(targets: readonly RuleTarget[], draw: number): RuleTarget[] {
  const first = pickWeighted(targets, (t) => t.weight ?? 0, draw);
  return [first, ...targets.filter((t) => t !== first)];
}

function originsOf(t: RuleTarget, pools: Record<string, string[]> | undefined): ReadonlySet<string> | null {
  if (t.origins) return new Set(t.origins);
  if (t.pool !== undefined) return new Set(own(pools, t.pool) ?? []);
  return null;
}
