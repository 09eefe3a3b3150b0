// CPU profiles of the router's isolate from workerd's inspector, and the
// request path's stages found in them (bench/profile.ts, bench/cache-miss.ts).
import { InspectorSession, inspectorTargets } from "./inspector";

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}
export interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
}

export const name = (n: ProfileNode) => `${n.callFrame.functionName || "(anonymous)"} ${n.callFrame.url.split("/").pop()}:${n.callFrame.lineNumber + 1}`;

/**
 * Stages of the request path, by the functions that run them (names before
 * and after the pipeline was gathered in worker/pipeline/). A sample belongs to
 * the innermost stage on its stack; what is under none is the framework's,
 * the runtime's or idle.
 */
export const STAGES: [string, RegExp][] = [
  ["authenticate", /^(authenticate|authenticateStage)$/],
  ["read & validate", /^(readJson|readBody|parseOrThrow|readRequest|validate)$/],
  ["rules", /^(tenantRules|resolve|routingPreferences|applyRules|rulesStage|decideAuto|chooseAuto)$/],
  ["admit", /^(admit|checkFunds|drawFunds|enforceRateLimits|admitStage)$/],
  ["cache", /^(withCache|lookupOrSend|cacheStage)$/],
  ["route", /^(rankCandidates|plan|planRoute|route|routeStage)$/],
  ["forward (one attempt, fetch)", /^(forward|launch|attempt)$/],
  ["relay (stream)", /^(pull|relay|pass|finish|readToEnd|relayNatively|pipeAfter|meterCopy)$/],
  ["meter", /^(metered|meter|record|record2|recordUsageOf|meterStage)$/],
  ["respond (headers)", /^(respond|writeHeaders|setRateLimitHeaders)$/],
  ["usage batches (recorder, queue)", /^(flush|persist|sendOnce|report|deliverQueuedUsage|consumeUsage)$/],
  ["Tenant object (same process)", /^(leaseFunds|holdFunds|recordUsage|lease|account|poll|releaseFunds)$/],
  ["region stats (client, object)", /^(observe|regionSnapshot|flushObservations|record|snapshot)$/],
];
export const OTHER_STAGE = "framework, runtime, GC";

/** Samples per stage (idle samples left out). */
export function stageHits(profile: Profile): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const hits = new Map<string, number>();
  const walk = (id: number, stage: string): void => {
    const n = byId.get(id)!;
    const own = STAGES.find(([, re]) => re.test(n.callFrame.functionName))?.[0] ?? stage;
    hits.set(own, (hits.get(own) ?? 0) + (n.hitCount ?? 0));
    for (const c of n.children ?? []) walk(c, own);
  };
  walk(profile.nodes[0]!.id, OTHER_STAGE);
  const idle = profile.nodes.filter((n) => n.callFrame.functionName === "(idle)").reduce((sum, n) => sum + (n.hitCount ?? 0), 0);
  hits.set(OTHER_STAGE, (hits.get(OTHER_STAGE) ?? 0) - idle);
  return hits;
}

/** Microseconds one sample stands for in `profile` (its span over its samples). */
export function usPerSample(profile: Profile): number {
  const total = profile.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0);
  return (profile.endTime - profile.startTime) / Math.max(1, total);
}

/** Starts sampling the router's isolate (its Durable Objects run in it too) every 50 µs. */
export async function startProfiling(inspectorUrl: string): Promise<{ stop(): Promise<Profile> }> {
  const inspected = (await inspectorTargets(inspectorUrl)).find((t) => t.id.startsWith("core:user:"));
  if (!inspected) throw new Error("no user worker among the inspector's targets");
  const session = await InspectorSession.connect(inspected.webSocketDebuggerUrl);
  await session.call("Profiler.enable");
  await session.call("Profiler.setSamplingInterval", { interval: 50 });
  await session.call("Profiler.start");
  return {
    async stop() {
      const { profile } = await session.call<{ profile: Profile }>("Profiler.stop");
      session.close();
      return profile;
    },
  };
}
