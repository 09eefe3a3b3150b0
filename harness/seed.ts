// Registers the local origin fleet and the demo tenant. Every call is an
// upsert (PUT, or an imported key), so seeding twice changes nothing.
import type { RulesDocument } from "../worker/schemas/rules";
import { rulesDocument } from "../worker/rules/document";
import { AdminClient } from "./admin-client";

export interface SeedOrigin {
  id: string;
  baseUrl: string;
  region: string;
  lat: number;
  lon: number;
  models: readonly string[];
  price: { input_per_m: number; output_per_m: number };
  /** How its streams reach clients (worker/schemas/admin.ts); default: checked. */
  streamRelay?: "checked" | "native";
  /** The format of its engine's `/metrics` (the fleet's default is vLLM's); none: not scraped. */
  metricsFormat?: "vllm" | "sglang" | "llamacpp";
}

export const DEMO_TENANT = "demo";

export async function seed(routerUrl: string, adminToken: string, demoKey: string, origins: readonly SeedOrigin[]): Promise<void> {
  const admin = new AdminClient(routerUrl, adminToken);
  for (const o of origins) {
    await admin.call("PUT", `/origins/${o.id}`, {
      base_url: o.baseUrl,
      region: o.region,
      lat: o.lat,
      lon: o.lon,
      models: Object.fromEntries(o.models.map((m) => [m, m])),
      price: o.price,
      ...(o.streamRelay ? { stream_relay: o.streamRelay } : {}),
      ...(o.metricsFormat ? { metrics: { format: o.metricsFormat } } : {}),
    });
  }
  await admin.call("PUT", `/tenants/${DEMO_TENANT}`, { name: "Demo tenant" });
  await admin.call("POST", `/tenants/${DEMO_TENANT}/keys`, { name: "demo", key: demoKey });
  // A new rules version only when the demo rules changed, so restarts add no history.
  const rules = rulesDocument.parse(DEMO_RULES);
  const current = await admin.call<{ rules: unknown }>("GET", `/tenants/${DEMO_TENANT}/rules`);
  if (JSON.stringify(current.rules) !== JSON.stringify(rules)) await admin.call("PUT", `/tenants/${DEMO_TENANT}/rules`, rules);
}

/**
 * The demo tenant's rules: two aliases over the fleet's models (each falling
 * back to the other), `auto` choosing between them per prompt, and the exact
 * and semantic cache on at the default threshold.
 */
export const DEMO_RULES: RulesDocument = {
  aliases: {
    fast: { strategy: "ordered", targets: [{ model: "llama-1.5b" }, { model: "llama-8b" }] },
    smart: { strategy: "ordered", targets: [{ model: "llama-8b" }, { model: "llama-1.5b" }] },
  },
  cache: { exact: true, semantic: true, ttl_s: 3600, allow_tools: false },
  auto: {
    auto: {
      // The small model's seeded chance of being good enough, by class: the shares the public routing
      // labels give (worker/auto/difficulty.json `class_prior`, docs/auto.md); the 8B model is trusted everywhere.
      models: [
        { model: "llama-1.5b", quality: { chat: 0.88, extraction: 0.74, other: 0.81, summarization: 0.75, coding: 0.65, math: 0.67 } },
        { model: "llama-8b", quality: 0.92 },
      ],
      floor: 0.85,
      prior_strength: 10,
    },
  },
};
