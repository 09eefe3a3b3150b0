// Metering on the request path: every answered /v1 request yields exactly one
// usage record, whoever answered it (an origin, the cache, a coalesced
// leader). It wraps the answer on its way out, which is the one place that
// sees what the client actually got — except for a stream relayed straight
// from an origin to its client, which the relay meters as it goes
// (relay-meter.ts) to spare a second stream layer:
// - a stream is metered from its final usage, else by counting content
//   events; a cancelled stream is billed for what was delivered, a broken
//   one only if it delivered anything;
// - a JSON answer is metered from its `usage`, else estimated;
// - an error answer is not billed.
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { PROMPT_CLASSES, type PromptClass } from "../vocabulary/prompt-classes";
import { knownAccount } from "../billing/account-client";
import { budgetHeader, fundsHoldOf, releaseFundsHold } from "../billing/gate";
import { listPrice } from "../billing/list-price";
import { charge, isNanos } from "../billing/pricing";
import { originSnapshot } from "../origins/snapshot";
import { settleRequestTokens } from "../limits/rate-limit";
import { popLocation, type CfLocation } from "../routing/location";
import type { ForwardableRequest } from "../schemas/openai";
import { settings } from "../settings";
import type { RelayMeter } from "./relay-meter";
import { usageRecorder } from "./report";
import { tapStream } from "./stream-tap";
import { answerText, estimatePromptTokens, estimateTextTokens, reportedUsage } from "./tokens";
import { servedFromCache, type CacheState, type UsageRecord } from "./usage-record";

export interface MeteredRequest {
  body: ForwardableRequest;
  /** The model the rules chose first: what a cache hit is recorded under (it names no served model). */
  model: string;
  /** Set when the origin's relay meters the stream itself (one stream layer instead of two). */
  relayMeter?: RelayMeter;
}

export async function metered(c: Context<AppEnv>, response: Response, request: MeteredRequest): Promise<Response> {
  if (response.status !== 200) {
    settleRequestTokens(c, 0); // not billed, so its tpm estimate goes back too
    releaseFundsHold(c); // and its funds hold
    return response;
  }
  const { tenant, keyId } = c.get("caller");
  const waitUntil = (p: Promise<unknown>) => c.executionCtx.waitUntil(p);
  const served = response.headers;
  const model = served.get("x-meridian-model") ?? request.model;
  const origin = served.get("x-meridian-origin");
  const cache = cacheState(served);
  const autoClass = promptClass(served.get("x-meridian-class"));
  const price = listPrice((await originSnapshot(c.env.KV, waitUntil)).origins, origin, model);
  const region = served.get("x-meridian-region") ?? popLocation(c.req.raw.cf as CfLocation | undefined, c.req.raw.headers, settings(c.env).devMode).region;
  const stream = (served.get("content-type") ?? "").includes("text/event-stream");
  const drawn = fundsHoldOf(c);

  const record = (inputTokens: number, outputTokens: number) => {
    const usage: UsageRecord = {
      id: crypto.randomUUID(),
      request_id: c.get("requestId"),
      key_id: keyId,
      model,
      origin,
      region,
      input_tokens: inputTokens,
      output_tokens: outputTokens,
      cache,
      stream,
      at: Date.now(),
      list_price: price,
      ...(autoClass ? { auto_class: autoClass } : {}),
      ...(drawn ? { hold_id: drawn.leaseId, hold_nanos: drawn.nanos } : {}), // the object settles what it drew with this record
    };
    const recorder = usageRecorder(c.env);
    // The object charges authoritatively; this estimate only gates this isolate's next requests.
    const monthTokens = (knownAccount(tenant.id)?.tokens_month ?? 0) + recorder.unflushed(tenant.id).tokens;
    const { costNanos } = charge({ pricing: tenant.pricing, model, listPrice: price, inputTokens, outputTokens, cacheHit: servedFromCache(cache), monthTokens });
    recorder.add(tenant.id, usage, isNanos(costNanos) ? costNanos : 0, waitUntil); // the object sets an uncountable charge aside
    settleRequestTokens(c, inputTokens + outputTokens);
  };

  const headers = new Headers(served);
  const budget = budgetHeader(c.env, tenant);
  if (budget) headers.set("x-meridian-budget", budget);

  if (stream && request.relayMeter?.meters(response)) {
    if (budget) response.headers.set("x-meridian-budget", budget);
    request.relayMeter.onEnd((end) => {
      if (!end.ok && end.contentEvents === 0) return releaseFundsHold(c); // broke off before any text: nothing to bill
      record(end.promptTokens ?? estimatePromptTokens(request.body), end.outputTokens);
    });
    return response;
  }
  if (stream && response.body) {
    const stripUsage = !asksForUsage(request.body);
    const body = tapStream(response.body, stripUsage, (meter, ending) => {
      if (ending === "failed" && meter.contentEvents === 0) return releaseFundsHold(c);
      record(meter.promptTokens ?? estimatePromptTokens(request.body), meter.outputTokens());
    });
    return new Response(body, { status: response.status, headers });
  }

  const text = await response.text();
  const answer = parseJson(text);
  const usage = reportedUsage(answer);
  record(usage.input ?? estimatePromptTokens(request.body), usage.output ?? estimateTextTokens(answerText(answer)));
  return new Response(text, { status: response.status, headers });
}

function promptClass(value: string | null): PromptClass | null {
  return value !== null && (PROMPT_CLASSES as readonly string[]).includes(value) ? (value as PromptClass) : null;
}

export function asksForUsage(body: ForwardableRequest): boolean {
  return (body.stream_options as { include_usage?: unknown } | null | undefined)?.include_usage === true;
}

/** What the cache stage said about this answer (no header: the endpoint is not cacheable). */
function cacheState(headers: Headers): CacheState {
  const how = headers.get("x-meridian-cache");
  if (how === "hit-exact" || how === "hit-semantic") return how;
  if (how === "miss") return headers.get("x-meridian-coalesced") ? "coalesced" : "miss";
  return "bypass";
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
