// In-process micro-timing: calls run in batches timed with
// process.hrtime.bigint, and a sample is one batch's time divided by its
// calls, so timer resolution and the timer's own cost do not dominate calls
// of a microsecond. The p99 is therefore over batch means: one slow call
// inside a batch is diluted, a GC pause or a preemption is not.
import { getHeapStatistics } from "node:v8";

let sink = 0;
/** Something derived from every result, so no call can be optimised away. */
export const sinkValue = (): number => sink;

/**
 * Runs `calls` calls (rounded up to whole batches) of `call`, appending one
 * per-call µs sample per batch to `into` (nothing when `into` is null: warm-up).
 * `call` returns a number derived from its result.
 */
export function runBatches(call: () => number, calls: number, batch: number, into: number[] | null): void {
  for (let done = 0; done < calls; done += batch) {
    let acc = 0;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) acc += call();
    const t1 = process.hrtime.bigint();
    sink += acc;
    into?.push(Number(t1 - t0) / 1000 / batch);
  }
}

/** Runs `call` for about `ms` (and at least ten batches) unrecorded; returns the last batch's per-call µs. */
export function warmUp(call: () => number, batch: number, ms: number): number {
  const deadline = performance.now() + ms;
  let batches = 0;
  let us = 0;
  do {
    const t0 = performance.now();
    runBatches(call, batch, batch, null);
    us = ((performance.now() - t0) * 1000) / batch;
    batches++;
  } while (performance.now() < deadline || batches < 10);
  return us;
}

function medianHeapGrowth(call: () => number, n: number): number {
  const d: number[] = [];
  for (let i = 0; i < n; i++) {
    const h0 = getHeapStatistics().used_heap_size;
    sink += call();
    d.push(getHeapStatistics().used_heap_size - h0);
  }
  d.sort((a, b) => a - b);
  return d[d.length >> 1]!;
}

/**
 * About how many bytes one call allocates: the median growth of V8's used
 * heap across single calls (a call during which a GC ran is an outlier the
 * median skips), less the same for an empty call (the reading itself
 * allocates). Within some tens of bytes; a hint, not an exact count.
 */
export function allocatedBytes(call: () => number, n = 400): number {
  return Math.max(0, medianHeapGrowth(call, n) - medianHeapGrowth(() => 0, n));
}
