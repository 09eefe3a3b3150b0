// What workerd charges for the primitives a router's guarantees are built
// from, each measured alone: a trivial worker (lib/primitives-worker.js) in its
// own workerd does N operations of one kind per request, against requests that
// do none, and the difference in the process's CPU is divided by the
// operations. It answers one question of the overhead suite: how much of
// Meridian's CPU over the floor is the runtime's price for hashing a key, an
// attempt's timer, a set of headers..., which no code of ours can avoid while
// keeping the guarantee.
//
// BENCH_PRIMITIVE_OPS (default 2,000) operations per request, 20 requests per
// kind, three rounds; the median of the rounds is printed.
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { clkTck } from "../../harness/clock-ticks";
import { childPids, processCpuSeconds } from "../../harness/router";
import { fmt, table } from "../lib/stats";
import type { Suite, SuiteContext } from "../lib/suite";

const WORKER = fileURLToPath(new URL("../lib/primitives-worker.js", import.meta.url));

/** Each primitive, and the guarantee it pays for. */
export const PRIMITIVES: readonly { op: string; what: string }[] = [
  { op: "digest", what: "SHA-256 of a 46-byte key (authentication with hashed keys)" },
  { op: "timer", what: "setTimeout + clearTimeout (an attempt's time limit)" },
  { op: "abort-controller", what: "AbortController + abort listener (cancelling an attempt)" },
  { op: "headers-12", what: "new Headers with 12 entries (route, request id, limits)" },
  { op: "response", what: "new Response around a body" },
  { op: "json-parse", what: "JSON.parse of a 300-byte chat request" },
  { op: "json-stringify", what: "JSON.stringify of it again (the origin's body)" },
  { op: "random-uuid", what: "crypto.randomUUID (a request or usage id)" },
  { op: "wait-until", what: "ctx.waitUntil of a settled promise (background work)" },
  { op: "await-hop", what: "an awaited async call (one stage handing over to the next)" },
];

const REQUESTS = 20;
const ROUNDS = 3;

/** Workerd CPU microseconds per operation of each primitive (median of ROUNDS), and the smallest cost one clock tick can show. */
export async function primitiveCosts(opsPerRequest: number): Promise<{ costs: Record<string, number>; resolutionUs: number }> {
  const before = childPids("workerd");
  const mf = new Miniflare({ modules: true, scriptPath: WORKER, compatibilityDate: "2026-04-20" });
  try {
    const url = await mf.ready;
    const pid = [...childPids("workerd")].find((p) => !before.has(p));
    if (pid === undefined) throw new Error("the primitives worker's workerd did not start");
    const ticks = await clkTck();
    const cpuMs = async (op: string): Promise<number> => {
      const c0 = processCpuSeconds(pid, ticks);
      for (let r = 0; r < REQUESTS; r++) {
        const res = await fetch(`${url.origin}/?op=${op}&n=${opsPerRequest}`);
        if (!res.ok) throw new Error(`primitives worker: ${op} -> ${res.status}`);
        await res.text();
      }
      return (processCpuSeconds(pid, ticks) - c0) * 1000;
    };
    for (const { op } of PRIMITIVES) await cpuMs(op); // warm up
    const rounds: Record<string, number[]> = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const { op } of PRIMITIVES) {
        // Each kind against its own baseline, taken right before it.
        const base = await cpuMs("none");
        (rounds[op] ??= []).push((Math.max(0, (await cpuMs(op)) - base) * 1000) / (REQUESTS * opsPerRequest));
      }
    }
    const costs = Object.fromEntries(Object.entries(rounds).map(([op, v]) => [op, v.sort((a, b) => a - b)[Math.floor(v.length / 2)]!]));
    return { costs, resolutionUs: 1e6 / ticks / (REQUESTS * opsPerRequest) };
  } finally {
    await mf.dispose();
  }
}

export const primitives: Suite = {
  id: "primitives",
  name: "Runtime primitives",
  async run(ctx: SuiteContext): Promise<void> {
    const ops = Number(process.env.BENCH_PRIMITIVE_OPS ?? 2_000);
    ctx.progress(`primitives: ${PRIMITIVES.length} kinds x ${REQUESTS} requests x ${ops} operations x ${ROUNDS} rounds`);
    const { costs, resolutionUs } = await primitiveCosts(ops);
    const shown = (us: number) => (us < resolutionUs ? `< ${fmt(resolutionUs, 2)}` : fmt(us, 2));
    console.log(`## Runtime primitives (workerd CPU per operation, median of ${ROUNDS} rounds; one clock tick is ${fmt(resolutionUs, 2)} µs per operation)\n`);
    console.log(table([{ title: "primitive", align: "left" }, { title: "µs/op" }, { title: "pays for", align: "left" }], PRIMITIVES.map((p) => [p.op, shown(costs[p.op]!), p.what])));
    console.log("");
  },
};
