// Helpers for the metering and billing tests: usage read-outs, waited for
// until the isolate's batches have reached the tenant's object.
import type { UsageRow, UsageTotals } from "../../worker/billing/account";
import { request } from "./helpers";

export type { UsageTotals };

export interface UsageBody {
  object: "usage";
  tenant_id: string;
  from: string;
  to: string;
  data: UsageRow[];
  totals: UsageTotals;
  account: { month: string; spent_month_usd: number; tokens_month: number; credits_usd: number | null; budget: { used: number } | null };
}

export const NANOS = 1e9;

export async function readUsage(key: string, query = ""): Promise<UsageBody> {
  for (let attempt = 0; ; attempt++) {
    const res = await request("GET", `/v1/usage${query}`, { headers: { authorization: `Bearer ${key}` } });
    // Read-outs are limited per key and minute; polling tests wait as a client would.
    if (res.status === 429 && attempt < 5) {
      await res.body?.cancel();
      await new Promise((r) => setTimeout(r, Number(res.headers.get("retry-after")) * 1_000));
      continue;
    }
    if (res.status !== 200) throw new Error(`GET /v1/usage -> ${res.status} ${await res.text()}`);
    return (await res.json()) as UsageBody;
  }
}

/**
 * Reads the usage until `ready` holds: records reach the object in batches
 * a few milliseconds after their requests. Fails with the last read-out.
 */
export async function usageWhen(key: string, ready: (u: UsageBody) => boolean, query = "", withinMs = 15_000): Promise<UsageBody> {
  let last: UsageBody | null = null;
  for (const deadline = Date.now() + withinMs; Date.now() < deadline; ) {
    last = await readUsage(key, query);
    if (ready(last)) return last;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`usage never got there: ${JSON.stringify(last?.totals)}`);
}

/** What the fleet reported to a client, from a JSON answer or an SSE stream's usage event. */
export interface ClientUsage {
  input: number;
  output: number;
}

export function usageFromEvents(events: string[]): ClientUsage | null {
  for (const e of events) {
    if (e === "[DONE]") continue;
    const usage = (JSON.parse(e) as { usage?: { prompt_tokens: number; completion_tokens: number } | null }).usage;
    if (usage) return { input: usage.prompt_tokens, output: usage.completion_tokens };
  }
  return null;
}

export function usageFromJson(body: { usage: { prompt_tokens: number; completion_tokens?: number } }): ClientUsage {
  return { input: body.usage.prompt_tokens, output: body.usage.completion_tokens ?? 0 };
}

/** Content events of a chat or completions stream. */
export function contentEvents(events: string[]): number {
  return events.filter((e) => {
    if (e === "[DONE]") return false;
    const choice = (JSON.parse(e) as { choices: { delta?: { content?: string }; text?: string }[] }).choices[0];
    return Boolean(choice?.delta?.content ?? choice?.text);
  }).length;
}
