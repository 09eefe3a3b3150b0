// What one operation of Miniflare's local KV and Cache API simulators costs in
// workerd CPU, measured in the same run as the cache suite: a trivial worker
// (simulator-worker.js) in its own workerd does N operations of one kind per
// request, against a request that does none. On Cloudflare these are remote
// services whose latency, not CPU, a worker pays; locally their CPU lands in
// the router's workerd, so the cache suite states it apart.
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { clkTck } from "../../harness/clock-ticks";
import { childPids, processCpuSeconds } from "../../harness/router";

const WORKER = fileURLToPath(new URL("./simulator-worker.js", import.meta.url));
export const SIMULATED_OPS = ["kv-get", "kv-get-miss", "kv-put", "cache-match", "cache-match-miss", "cache-put"] as const;
export type SimulatedOp = (typeof SIMULATED_OPS)[number];

/** Workerd CPU milliseconds per operation of each kind. */
export async function simulatorCosts(opsPerRequest = 20, requests = 15): Promise<Record<SimulatedOp, number>> {
  const before = childPids("workerd");
  const mf = new Miniflare({ modules: true, scriptPath: WORKER, compatibilityDate: "2026-04-20", kvNamespaces: ["KV"], kvPersist: false, cachePersist: false });
  try {
    const url = await mf.ready;
    const pid = [...childPids("workerd")].find((p) => !before.has(p));
    if (pid === undefined) throw new Error("the simulator worker's workerd did not start");
    const ticks = await clkTck();
    const cpuFor = async (op: string, run: number): Promise<number> => {
      const c0 = processCpuSeconds(pid, ticks);
      for (let r = 0; r < requests; r++) {
        const res = await fetch(`${url.origin}/?op=${op}&n=${opsPerRequest}&run=${run}`);
        if (!res.ok) throw new Error(`simulator worker: ${op} -> ${res.status}`);
        await res.text();
      }
      return (processCpuSeconds(pid, ticks) - c0) * 1000;
    };
    await cpuFor("kv-put", 0); // warm up, and the keys the reads find
    await cpuFor("cache-put", 0);
    const base = await cpuFor("none", 0);
    const costs = {} as Record<SimulatedOp, number>;
    for (const op of SIMULATED_OPS) {
      const run = op.endsWith("put") ? 1 : 0; // writes go to fresh keys; reads find run 0's
      costs[op] = Math.max(0, (await cpuFor(op, run)) - base) / (requests * opsPerRequest);
    }
    return costs;
  } finally {
    await mf.dispose();
  }
}
