// Resident memory of a process from /proc, sampled over a run (the load run
// compares it at rest, after a full GC, before and after its measured part).

import { readFileSync } from "node:fs";

/** VmRSS of `pid` in MiB, or NaN when it cannot be read. */
export function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}
