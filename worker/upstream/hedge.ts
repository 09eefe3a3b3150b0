// The hedge race: when the current origin has not answered by its p95, a
// second attempt starts alongside, and the first to answer wins.
import type { AttemptResult, Running, Target } from "./attempt";

/** A hedge never fires sooner than this, however fast the p95. */
export const MIN_HEDGE_MS = 20;

/** When to hedge an origin with this p95 (null: no p95 yet, so never). */
export function hedgeAfter(p95Ms: number | null): number | null {
  return p95Ms === null ? null : Math.max(MIN_HEDGE_MS, p95Ms);
}

/** Resolves true if `p` settles within `ms`, false otherwise. */
export async function settledWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
  const settled = await Promise.race([p.then(() => true as const), late]);
  clearTimeout(timer);
  return settled;
}

/** The first racer with a response wins; the others still running are abandoned and recorded as cancelled. */
export function firstAnswer(racers: Running[], choose: (t: Target) => void): Promise<{ won?: AttemptResult & { target: Target }; results: AttemptResult[] }> {
  return new Promise((resolve) => {
    const results: AttemptResult[] = [];
    const settled = new Set<Running>();
    let decided = false;
    for (const racer of racers) {
      void racer.result.then((r) => {
        settled.add(racer);
        if (decided) return;
        if (!r.response) {
          results.push(r);
          if (settled.size === racers.length) resolve({ results });
          return;
        }
        decided = true;
        choose(racer.target);
        for (const other of racers) {
          if (settled.has(other)) continue;
          other.abandon();
          results.push({ attempt: { origin: other.target.candidate.origin.id, outcome: "cancelled", ms: Date.now() - other.started, ...(other.hedge ? { hedge: true as const } : {}) } });
        }
        results.push(r);
        resolve({ won: { ...r, target: racer.target }, results });
      });
    }
  });
}
