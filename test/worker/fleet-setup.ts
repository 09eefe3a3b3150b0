// Starts the real local origins the worker tests talk to (plain Node HTTP
// servers from fleet/), one per behaviour, and hands their URLs to the tests.
// Faults are fixed per origin, so test files running in parallel never steer
// each other's origins.
import type { TestProject } from "vitest/node";
import { startOrigin, type RunningOrigin } from "../../fleet/server";
import { startScriptedOrigin } from "../../harness/scripted-origin";
import { startMetricsOrigin } from "../../harness/metrics-origin";
import type { Faults } from "../../fleet/faults";

type Member = { url: string; baseUrl: string };

const MEMBERS: Record<string, { speed: number; networkDelayMs?: number; faults?: Partial<Faults>; requireAuth?: { header: string; value: string } }> = {
  healthy: { speed: 50 },
  healthy2: { speed: 50 },
  paced: { speed: 1 }, // real H100 pace: several ms between tokens
  paced2: { speed: 1 }, // a second engine at that pace, with its own prefix cache (affinity-ttft.test.ts)
  failing: { speed: 50, faults: { errorRate: 1 } },
  hanging: { speed: 50, faults: { hang: true } },
  limited: { speed: 50, faults: { status429: { retryAfterSeconds: 1 } } },
  resetting: { speed: 50, faults: { reset: true } },
  malformed: { speed: 50, faults: { malformed: true } },
  dropping: { speed: 1, faults: { dropAfterTokens: 3 } },
  // Answers that look poor by their own signals (auto's escalation).
  refusing: { speed: 50, faults: { answer: "refusal" } },
  truncating: { speed: 50, faults: { answer: "truncated" } },
  // Steered at run time (POST /_fleet/faults) by exactly one test file each.
  "brain-slow": { speed: 50, networkDelayMs: 150 },
  "brain-fast": { speed: 50 },
  "brain-flaky": { speed: 50 },
  "brain-hedge": { speed: 50 },
  "brain-regional": { speed: 50 },
  // Counts the cache test's origin calls.
  "cache-counter": { speed: 5 },
  // Answers 401 to any other credential (an expired upstream key, when registered with another).
  "auth-required": { speed: 50, requireAuth: { header: "authorization", value: "Bearer fleet-secret" } },
};

export default async function setup(project: TestProject) {
  const running: RunningOrigin[] = [];
  const fleet: Record<string, Member> = {};
  for (const [id, { speed, networkDelayMs, faults, requireAuth }] of Object.entries(MEMBERS)) {
    const origin = await startOrigin({ id, models: ["llama-8b"], profile: "llama-8b", speed, networkDelayMs, ...(faults ? { faults } : {}), ...(requireAuth ? { requireAuth } : {}) });
    running.push(origin);
    fleet[id] = { url: origin.url, baseUrl: origin.baseUrl };
  }
  // An address nothing listens on: connect errors.
  fleet.dead = { url: "http://127.0.0.1:9", baseUrl: "http://127.0.0.1:9/v1" };
  // Plays whatever hostile answer a request scripts (harness/scripted-origin.ts).
  const scripted = await startScriptedOrigin();
  fleet.scripted = { url: scripted.url, baseUrl: scripted.baseUrl };
  // Engines with a steerable /metrics page, one per name under its URL (harness/metrics-origin.ts).
  const engines = await startMetricsOrigin();
  fleet.engines = { url: engines.url, baseUrl: engines.url };
  project.provide("fleet", fleet);
  return async () => {
    await Promise.all([...running.map((o) => o.close()), scripted.close(), engines.close()]);
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    fleet: Record<string, Member>;
  }
}
