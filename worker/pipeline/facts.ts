// What the pipeline knows of one request, computed once and passed down the
// stages: each stage reads what the ones before it learned, and none asks
// the bindings or the isolate's snapshots again for something already here.
import type { AutoDecision } from "../auto/route-auto";
import type { Context } from "hono";
import type * as z from "zod/mini";
import type { AppEnv } from "../app-env";
import type { ResolvedTarget } from "../rules/resolve";
import type { RetryLimits } from "../rules/preferences";
import type { Workload } from "../routing/estimate";
import { popLocation, type CfLocation, type PopLocation } from "../routing/location";
import type { RoutingPreferences } from "../routing/policy";
import { workload } from "../routing/workload";
import { regionSnapshot } from "../objects/region-stats-client";
import type { Origin, TenantRecord } from "../schemas/admin";
import type { ForwardableRequest } from "../schemas/openai";
import type { RulesDocument } from "../schemas/rules";
import type { Settings } from "../settings";
import type { RegionSnapshot } from "../stats/region-snapshot";
import type { Caller } from "../tenants/auth";
import type { PromptClass } from "../vocabulary/prompt-classes";

/** One OpenAI-compatible endpoint the pipeline serves (worker/routes/v1.ts). */
export interface Endpoint {
  /** Path below an origin's base URL. */
  path: string;
  schema: z.ZodMiniType<ForwardableRequest>;
  /** Whether this endpoint's SSE streams end with `data: [DONE]`. */
  expectDone: boolean;
  /** Whether answers may be cached (deterministic text generation). */
  cacheable: boolean;
  /** False when answers generate no tokens (embeddings): funds are then held for the input only. */
  generates?: boolean;
}

export class RequestFacts {
  // Known when the body has been read and validated (read.ts).
  readonly env: Env;
  readonly waitUntil: (p: Promise<unknown>) => void;
  readonly caller: Caller;
  readonly tenant: TenantRecord;
  readonly requestId: string;
  /** When the pipeline started (Server-Timing's `route` is measured from here). */
  readonly received: number;
  /** The operator's settings: `settings(env)`, once (by the authenticate middleware). */
  readonly settings: Settings;
  readonly endpoint: Endpoint;
  /** `endpoint.path`. */
  readonly path: string;
  /** The client's headers. */
  readonly headers: Headers;
  /** This point of presence and its region. */
  readonly location: PopLocation;
  /** The validated body, without the router's own `meridian` field. */
  readonly body: ForwardableRequest;
  /** The `meridian` steering field, if any. */
  readonly steering: unknown;
  /** OpenRouter-style `provider` preferences, if any (read by the rules stage; not forwarded: origins are engines, not routers). */
  readonly provider: unknown;
  /** The body's size in bytes (the input token guess). */
  readonly bytes: number;
  readonly stream: boolean;
  /** What routing, admission and `auto` assume the request will cost. */
  readonly workload: Workload;
  /** The batch this request is a line of (Batch API), null for interactive calls: its own rate-limit pool and price. */
  readonly batch: string | null;

  // Set by the rules stage (rules.ts).
  /** The version of the tenant's rules this request runs on; undefined until they are read. */
  rulesVersion: number | undefined = undefined;
  rules!: RulesDocument;
  /** Models (and origin sets) to try, in order: the first is the rules' (or `auto`'s) choice. */
  targets!: readonly ResolvedTarget[];
  /** How the rules got there, for `x-meridian-route`. */
  trail!: readonly string[];
  prefs!: RoutingPreferences;
  limits!: RetryLimits;
  /** The prompt's class when `auto` chose the model. */
  promptClass: PromptClass | null = null;
  /** Where `auto` retries a poor non-streamed answer (escalate.ts); null: nowhere. */
  escalation: AutoDecision["escalation"] = null;
  /** The origin list, from this isolate's snapshot. */
  origins!: readonly Origin[];
  /** The region's statistics: read when first needed (`regionStats`), then kept. */
  stats: RegionSnapshot | null | undefined = undefined;

  constructor(c: Context<AppEnv>, endpoint: Endpoint, received: number, body: ForwardableRequest, steering: unknown, bytes: number) {
    const request = c.req.raw;
    this.env = c.env;
    this.waitUntil = (p) => c.executionCtx.waitUntil(p);
    this.caller = c.get("caller");
    this.tenant = this.caller.tenant;
    this.requestId = c.get("requestId");
    this.received = received;
    this.settings = c.get("settings");
    this.endpoint = endpoint;
    this.path = endpoint.path;
    this.headers = request.headers;
    this.location = popLocation(request.cf as CfLocation | undefined, request.headers, this.settings.devMode);
    if (body.provider !== undefined) {
      const { provider, ...rest } = body;
      this.provider = provider;
      this.body = rest as ForwardableRequest;
    } else {
      this.provider = undefined;
      this.body = body;
    }
    this.steering = steering;
    this.bytes = bytes;
    this.batch = c.get("batch") ?? null;
    this.stream = body.stream === true;
    // Only answers that generate tokens run a prefill worth a prefix key.
    this.workload = workload(this.body, bytes, this.stream, endpoint.generates === false ? undefined : this.tenant.id);
  }
}

/** The region's statistics snapshot, asked of the isolate's cache once per request (never awaited). */
export function regionStats(facts: RequestFacts): RegionSnapshot | null {
  if (facts.stats === undefined) facts.stats = regionSnapshot(facts.env, facts.location.region, facts.settings.snapshotRefreshMs, facts.waitUntil);
  return facts.stats;
}
